"""`make run` records the server it is about to start: `python -m config.server_record` writes the domain,
scheme and DEBUG its settings resolve to into var/server.env, which manage.py reads when its own environment
names no server (config/env.py, use_recorded_server). Run it with the server's environment, not through
manage.py, so an older record never feeds the new one."""

from config import env, settings


def main() -> None:
    values = {"DEBUG": "1" if settings.DEBUG else "0", "FEDIAMA_DOMAIN": settings.FEDIAMA_DOMAIN,
              "FEDIAMA_SCHEME": settings.FEDIAMA_SCHEME}
    path = env.record_server(settings.VAR_DIR, values)
    print(f"serving {settings.FEDIAMA_SCHEME}://{settings.FEDIAMA_DOMAIN}/ (recorded in {path} for manage.py)")


if __name__ == "__main__":
    main()
