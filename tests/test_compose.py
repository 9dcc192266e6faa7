"""docker-compose.yml is checked without a Docker engine: services, variables, volumes and commands are real."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
README = (ROOT / "README.md").read_text()
APP_SERVICES = ["web", "worker", "inbox", "beat"]
WORKERS = ["worker", "inbox"]  # deliveries (threads) and incoming activities (processes)
PRODUCTION_VARIABLES = ["FEDIAMA_DOMAIN", "FEDIAMA_SCHEME", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PORT", "DEBUG"]


def test_every_service_is_there():
    assert set(COMPOSE["services"]) == {"postgres", "redis", *APP_SERVICES}


@pytest.mark.parametrize("service", APP_SERVICES)
def test_app_services_get_every_production_variable(service):
    environment = COMPOSE["services"][service]["environment"]
    missing = [name for name in PRODUCTION_VARIABLES if name not in environment]
    assert not missing
    assert environment["FEDIAMA_SCHEME"] == "https" and environment["DEBUG"] == "0"
    assert environment["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in environment["DATABASE_URL"]
    assert environment["REDIS_URL"].startswith("redis://redis:6379/")


def test_every_documented_variable_is_read_by_the_settings():
    table_rows = [line.split("|")[1] for line in README.splitlines() if line.startswith("| `")]
    documented = {name for row in table_rows for name in re.findall(r"`([A-Z][A-Z_]+)`", row)}
    readers = ["config/settings.py", "config/env.py", "config/gunicorn.py"]  # the Procfile reads its own
    source = "".join((ROOT / path).read_text() for path in readers)
    procfile = (ROOT / "Procfile").read_text()
    unread = [name for name in documented if f'"{name}"' not in source and "${" + name not in procfile]
    assert documented >= set(PRODUCTION_VARIABLES) and not unread


def test_named_volumes_are_declared_used_and_documented():
    declared = set(COMPOSE["volumes"])
    used = {mount.split(":")[0] for service in COMPOSE["services"].values() for mount in service.get("volumes", [])}
    assert declared == used == {"postgres-data", "redis-data", "fediama-var"}
    assert all(f"`{name}`" in README for name in declared)


def test_images_are_real():
    assert COMPOSE["services"]["postgres"]["image"].startswith("postgres:")
    assert COMPOSE["services"]["redis"]["image"].startswith("redis:")
    for service in APP_SERVICES:
        assert COMPOSE["services"][service]["build"] == "."
    assert (ROOT / "Dockerfile").exists()


def test_commands_name_real_entry_points():
    import importlib

    web = " ".join(COMPOSE["services"]["web"]["command"])
    assert "gunicorn -c config/gunicorn.py config.asgi:application" in web
    assert (ROOT / "config" / "gunicorn.py").exists()
    assert importlib.import_module("config.asgi").application is not None
    for service in (*WORKERS, "beat"):
        command = COMPOSE["services"][service]["command"]
        assert command[:3] == ["celery", "-A", "config"]
    from config.celery import app
    served = [queue for service in WORKERS for queue in _option(COMPOSE["services"][service]["command"], "-Q").split(",")]
    assert sorted(served) == sorted(queue.name for queue in app.conf.task_queues)  # each queue by one worker


def _option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_the_procfile_and_compose_run_the_same_workers():
    """Deliveries wait on other servers (threads); the inbox's work is CPU (processes, so both cores serve it).
    `make run` and compose split the queues the same way, and each worker has its own node name."""
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    for service in WORKERS:
        local, compose = procfile[service].split(), COMPOSE["services"][service]["command"]
        for name in ("-Q", "-P", "-n"):
            assert _option(local, name) == _option(compose, name)
    assert _option(COMPOSE["services"]["inbox"]["command"], "-P") == "prefork"
    assert _option(COMPOSE["services"]["worker"]["command"], "-P") == "threads"


def test_make_run_serves_with_the_production_web_server():
    procfile = dict(line.split(": ", 1) for line in (ROOT / "Procfile").read_text().splitlines() if line.strip())
    assert set(procfile) == {"web", "worker", "inbox", "beat"}
    web = " ".join(COMPOSE["services"]["web"]["command"])
    assert procfile["web"].startswith("gunicorn -c config/gunicorn.py config.asgi:application")
    assert "gunicorn -c config/gunicorn.py config.asgi:application" in web  # the same command as compose's


def _gunicorn_bind(monkeypatch, **environment) -> str:
    import runpy

    for name in ("FEDIAMA_BIND", "PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "config" / "gunicorn.py"))["bind"]


def test_gunicorn_listens_on_loopback_unless_told_otherwise(monkeypatch):
    assert _gunicorn_bind(monkeypatch) == "127.0.0.1:8000"
    assert _gunicorn_bind(monkeypatch, PORT="9000") == "127.0.0.1:9000"
    assert _gunicorn_bind(monkeypatch, FEDIAMA_BIND="[::1]:8001") == "[::1]:8001"


def test_compose_web_binds_every_interface_explicitly(monkeypatch):
    environment = COMPOSE["services"]["web"]["environment"]
    assert environment["FEDIAMA_BIND"] == "0.0.0.0:8000"
    assert _gunicorn_bind(monkeypatch, FEDIAMA_BIND=environment["FEDIAMA_BIND"]) == "0.0.0.0:8000"
