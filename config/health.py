"""/healthz: is the database reachable, is the broker reachable. 200 or 503 naming what failed."""

import os

from django.db import connection
from django.http import JsonResponse

from .celery import app

FOLDER_OPTIONS = ("data_folder_in", "data_folder_out")


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as error:  # any driver error means "down"
        return f"down: {type(error).__name__}: {error}"[:300]


def _check_folders() -> None:
    """The filesystem transport 'connects' to anything: check that its folders are there and writable."""
    options = app.conf.broker_transport_options or {}
    for name in FOLDER_OPTIONS:
        folder = options.get(name)
        if folder and not (os.path.isdir(folder) and os.access(folder, os.W_OK)):
            raise OSError(f"broker folder {folder} is missing or not writable")


def check_broker() -> str:
    try:
        with app.connection_for_write() as conn:
            if str(conn.transport_cls).endswith("filesystem"):
                _check_folders()
            conn.ensure_connection(max_retries=1, timeout=2)
            conn.default_channel  # noqa: B018  opens a channel, which fails on a dead broker
        return "ok"
    except Exception as error:
        return f"down: {type(error).__name__}: {error}"[:300]


def healthz(request):
    checks = {"database": check_database(), "broker": check_broker()}
    failed = [name for name, state in checks.items() if state != "ok"]
    body = {"status": "ok" if not failed else "unavailable", "failed": failed, "checks": checks}
    return JsonResponse(body, status=503 if failed else 200)
