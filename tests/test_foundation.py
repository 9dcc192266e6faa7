"""Issue 2's promises about running: insecure production settings are refused by name, a task crosses the
real broker into a real worker process (both tiers), /healthz names a dead broker or database."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import workers
from tests.workers import wait_for

BASE_DIR = Path(__file__).resolve().parent.parent
celery_worker = workers.celery_worker  # the fixture, used by name
SAFE = {"SECRET_KEY": "x" * 50, "FEDIAMA_SCHEME": "https", "FEDIAMA_DOMAIN": "ama.example"}


def run_django(code: str, tmp_path, **env) -> subprocess.CompletedProcess:
    """`code` after django.setup() in a fresh interpreter, with DEBUG unset and `env` on top."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("FEDIAMA_", "DEBUG", "SECRET_KEY"))}
    full = {**base, "DJANGO_SETTINGS_MODULE": "config.settings", "FEDIAMA_VAR_DIR": str(tmp_path), **env}
    script = "import django; django.setup()\n" + code
    return subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=full, capture_output=True, text=True,
                          timeout=60)


@pytest.mark.parametrize("change,variable", [
    ({"SECRET_KEY": ""}, "SECRET_KEY"),
    ({"FEDIAMA_SCHEME": "http"}, "FEDIAMA_SCHEME"),
    ({"FEDIAMA_ALLOW_PRIVATE_ADDRESSES": "1"}, "FEDIAMA_ALLOW_PRIVATE_ADDRESSES"),
])
def test_insecure_production_settings_are_refused_naming_the_variable(tmp_path, change, variable):
    refused = run_django("", tmp_path, **{**SAFE, **change})
    assert refused.returncode != 0
    assert "ImproperlyConfigured" in refused.stderr and variable in refused.stderr


def test_a_secure_production_configuration_starts(tmp_path):
    started = run_django("print('started')", tmp_path, **SAFE)
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == "started"


def test_debug_allows_the_local_try_out(tmp_path):
    assert run_django("", tmp_path, DEBUG="1", FEDIAMA_SCHEME="http").returncode == 0


@pytest.mark.django_db(transaction=True)
@pytest.mark.worker
def test_a_task_enqueued_through_the_broker_runs_in_a_worker_process(celery_worker):
    from federation.actors import create_local_actor
    from federation.keys import generate_actor_keys
    from federation.models import Actor
    from federation.tasks import enqueue

    actor = create_local_actor(username="keyless", generate_keys_now=False)
    assert actor.private_key_pem == ""
    assert enqueue(generate_actor_keys, actor.pk)
    assert wait_for(lambda: Actor.objects.filter(pk=actor.pk).exclude(private_key_pem="").exists(), timeout=30)
    assert celery_worker.process.poll() is None and "generate_actor_keys" in celery_worker.log.read_text()


@pytest.mark.django_db
def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200, response.content
    assert response.json()["checks"] == {"database": "ok", "broker": "ok"}


@pytest.mark.django_db
def test_healthz_names_a_stopped_broker(client, tmp_path, caplog):
    from config.celery import app

    url = f"redis://127.0.0.1:{workers.free_port()}/0" if os.environ.get("REDIS_URL") else "filesystem://"
    dead = {"data_folder_in": str(tmp_path / "gone"), "data_folder_out": str(tmp_path / "gone")}
    saved = app.conf.broker_url, app.conf.broker_transport_options
    app.conf.broker_url, app.conf.broker_transport_options = url, dead
    app._pool = None
    try:
        response = client.get("/healthz")
    finally:
        app.conf.broker_url, app.conf.broker_transport_options = saved
        app._pool = None
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "failed": ["broker"],
                               "checks": {"database": "ok", "broker": "down"}}  # the names, nothing more
    logged = [r.getMessage() for r in caplog.records if r.name == "config.health"]
    assert len(logged) == 1 and logged[0].startswith("healthz: the broker is down: ")
    assert (str(tmp_path) if url == "filesystem://" else url.split("/")[2]) in logged[0]  # the detail, for us


def test_the_site_icon_browsers_ask_for_is_served(client, db):
    """Browsers fetch /favicon.ico on every site, whatever the page links: a 404 in every visitor's console."""
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:4] == b"\x00\x00\x01\x00"  # an ICO file's header (whitenoise streams it)
    assert response["Content-Type"] in {"image/x-icon", "image/vnd.microsoft.icon"}


def test_healthz_ok_says_no_more_than_ok(client, db, caplog):
    assert client.get("/healthz").json() == {"status": "ok", "failed": [], "checks": {"database": "ok", "broker": "ok"}}
    assert not [r for r in caplog.records if r.name == "config.health"]


def test_healthz_names_a_stopped_database(tmp_path):
    code = ("from django.test import Client\n"
            "r = Client().get('/healthz')\n"
            "print(r.status_code, r.content.decode())")
    port = workers.free_port()
    result = run_django(code, tmp_path, DEBUG="1", FEDIAMA_DOMAIN="testserver",
                        DATABASE_URL=f"postgres://nobody@127.0.0.1:{port}/nothing")
    assert result.returncode == 0, result.stderr
    status, body = result.stdout.split(" ", 1)
    assert status == "503"
    assert json.loads(body)["failed"] == ["database"] and json.loads(body)["checks"]["database"] == "down"
    assert str(port) not in body and "127.0.0.1" not in body and "Error" not in body  # the public page: names only
    assert "WARNING config.health: healthz: the database is down: OperationalError" in result.stderr
    assert str(port) in result.stderr  # the operator's log has the detail
