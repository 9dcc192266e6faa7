"""/healthz: is the database reachable, is the broker reachable. 200 or 503 naming what failed.

The page is public: it says only which check failed ("database", "broker"); the driver's error (host, port,
reason) goes to the log at WARNING, for the operator."""

import logging
import os

from django.db import connection
from django.http import JsonResponse

from .celery import app

log = logging.getLogger(__name__)
FOLDER_OPTIONS = ("data_folder_in", "data_folder_out")


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_folders() -> None:
    """The filesystem transport 'connects' to anything: check that its folders are there and writable."""
    options = app.conf.broker_transport_options or {}
    for name in FOLDER_OPTIONS:
        folder = options.get(name)
        if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            raise OSError(f"broker folder {folder} is missing or not writable")


def check_broker() -> None:
    with app.connection_for_write() as conn:
        if str(conn.transport_cls).endswith("filesystem"):
            _check_folders()
        conn.ensure_connection(max_retries=1, timeout=2)
        conn.default_channel  # noqa: B018  opens a channel, which fails on a dead broker


CHECKS = {"database": check_database, "broker": check_broker}


def state_of(name: str) -> str:
    """"ok" or "down"; why it is down is logged, never shown."""
    try:
        CHECKS[name]()
        return "ok"
    except Exception as error:  # any driver error means "down"
        log.warning("healthz: the %s is down: %s: %s", name, type(error).__name__, str(error)[:300])
        return "down"


def healthz(request):
    checks = {name: state_of(name) for name in CHECKS}
    failed = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if not failed else "unavailable", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)
