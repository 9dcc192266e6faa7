#!/usr/bin/env python
import os
import sys
from pathlib import Path

NO_SERVER_HINT = ("No server is recorded in {path}: start it once with `make run` (it records its domain there), "
                  "or give this command the server's environment (FEDIAMA_DOMAIN, SECRET_KEY, ...).")


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    from config import env

    var_dir = env.var_dir(Path(__file__).resolve().parent)
    recorded = env.use_recorded_server(var_dir)
    try:
        execute_from_command_line(sys.argv)
    except ImproperlyConfigured as error:  # the settings refused this environment: say why in one line
        message = " ".join(str(error).split())
        if not recorded and not env.text("FEDIAMA_DOMAIN"):
            message += " " + NO_SERVER_HINT.format(path=var_dir / env.SERVER_RECORD)
        sys.stderr.write(f"manage.py: {message}\n")
        sys.exit(2)


if __name__ == "__main__":
    main()
