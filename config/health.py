"""/healthz: is the database reachable, is the broker reachable. 200 or 503 naming what failed."""

from django.db import connection
from django.http import JsonResponse

from .celery import app


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        return "ok"
    except Exception as error:  # any driver error means "down"
        return f"down: {type(error).__name__}: {error}"[:300]


def check_broker() -> str:
    try:
        with app.connection_for_write() as conn:
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
