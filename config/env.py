"""Reading the environment: the one place that turns variables into settings values.

Every variable documented in the README's configuration table is read here and nowhere else (config/settings.py
and config/gunicorn.py call these readers; tests/test_architecture.py fails on an os.environ read elsewhere).
A malformed value stops the start with ImproperlyConfigured naming the variable and the value.
"""

import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE_WORDS = {"1", "true", "yes", "on"}


def flag(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value.strip() == "":
        return default
    return value.strip().lower() in TRUE_WORDS


def text(name: str, default: str = "") -> str:
    value = os.environ.get(name, "").strip()
    return value or default


def integer(name: str, default: int, minimum: int | None = None) -> int:
    """A whole number; a malformed or too small value stops the start, naming the variable and the value."""
    return _parsed(name, default, int, "a whole number", minimum)


def number(name: str, default: float, minimum: float | None = None) -> float:
    """A number (decimals allowed, e.g. seconds); refused like integer()."""
    return _parsed(name, float(default), float, "a number", minimum)


def _parsed(name: str, default, kind, what: str, minimum):
    value = text(name)
    if not value:
        return default
    try:
        parsed = kind(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}.") from None
    if parsed != parsed or parsed in (float("inf"), float("-inf")):  # nan, inf: not a setting
        raise ImproperlyConfigured(f"{name} must be {what}, not {value!r}.")
    if minimum is not None and parsed < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value!r}.")
    return parsed


SERVER_RECORD = "server.env"  # in the var dir: the server `make run` last served (domain, scheme, DEBUG)
RECORDED = ("DEBUG", "FEDIAMA_DOMAIN", "FEDIAMA_SCHEME")


def var_dir(base_dir: Path) -> Path:
    return base_dir / text("FEDIAMA_VAR_DIR", "var")  # a relative path is taken from the checkout


def record_server(directory: Path, values: dict[str, str]) -> Path:
    """Write the server's RECORDED values for the management commands run beside it (config/server_record.py)."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / SERVER_RECORD
    path.write_text("".join(f"{name}={values[name]}\n" for name in RECORDED))
    return path


def use_recorded_server(directory: Path) -> bool:
    """For manage.py: when the environment names no server (no FEDIAMA_DOMAIN), take the one `make run` recorded,
    so a command mints the ids of the server it serves. Variables the environment sets are kept."""
    path = directory / SERVER_RECORD
    if text("FEDIAMA_DOMAIN") or not path.exists():
        return False
    for line in path.read_text().splitlines():
        name, _, value = line.partition("=")
        if name in RECORDED and value:
            os.environ.setdefault(name, value)
    return True


def web_bind() -> str:
    """gunicorn's listening address: loopback unless FEDIAMA_BIND says otherwise (docker-compose sets 0.0.0.0)."""
    return text("FEDIAMA_BIND", "127.0.0.1:" + text("PORT", "8000"))


def local_secret_key(var_dir: Path) -> str:
    """The embedded default's key: generated once into var/secret_key, then reused."""
    path = var_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    var_dir.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(50)
    path.write_text(key)
    path.chmod(0o600)
    return key


def insecure_production_problems(*, debug: bool, secret_key_set: bool, scheme: str,
                                 allow_private: bool) -> list[str]:
    """What makes a production (DEBUG off) configuration unsafe, each naming the variable to set."""
    if debug:
        return []
    problems = []
    if not secret_key_set:
        problems.append("SECRET_KEY is not set: set it to a long random string (DEBUG is off, so this is production).")
    if scheme != "https":
        problems.append("FEDIAMA_SCHEME is 'http': set FEDIAMA_SCHEME=https in production "
                        "(other servers refuse plain-http actors).")
    if allow_private:
        problems.append("FEDIAMA_ALLOW_PRIVATE_ADDRESSES is on: unset it in production "
                        "(it lets remote input make this server fetch private addresses).")
    return problems


def refuse_insecure(problems: list[str]) -> None:
    if problems:
        raise ImproperlyConfigured("Refusing to start on an insecure configuration:\n  - " + "\n  - ".join(problems))
