# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""A database restart between two requests: the kept connection is checked before use and replaced, so the
next inbox POST is stored (202), not a 500 ("server closed the connection unexpectedly")."""

import json

import psycopg
import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory

from federation import tasks
from federation.models import InboxMessage
from federation.wsgi import inbox_match, respond_to_inbox
from tests.federation.fixtures_inbox import AS2, bob, create_note, instance_actor, signed_headers  # noqa: F401


def test_kept_connections_are_health_checked():
    assert settings.DATABASES["default"]["CONN_HEALTH_CHECKS"] is True
    assert settings.DATABASES["default"]["CONN_MAX_AGE"] > 0  # what makes the check needed: connections are kept


def post_through_the_inbox_door(bob) -> int:
    """A signed POST /inbox served the way gunicorn serves it (federation/wsgi.py), not through Django's cycle."""
    body = json.dumps(create_note(bob.ap_id)).encode()
    headers = signed_headers(body, key_id=bob.key_id, private_pem=bob.peer.private_pem)
    request = RequestFactory().generic("POST", "/inbox", data=body, content_type=headers.pop("Content-Type", AS2),
                                       headers=headers)
    return respond_to_inbox(inbox_match("/inbox"), request).status_code


def terminate_backend(pid: int) -> None:
    """What a PostgreSQL restart does to a kept connection, from another session."""
    params = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in params.items() if k not in ("cursor_factory", "context")},
                         autocommit=True) as admin:
        assert admin.execute("SELECT pg_terminate_backend(%s)", [pid]).fetchone()[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True)
def test_inbox_post_after_the_database_dropped_its_connection_is_stored(bob, instance_actor, monkeypatch):
    monkeypatch.setattr(tasks, "enqueue", lambda *args, **kwargs: True)  # the broker is not what this tests
    assert post_through_the_inbox_door(bob) == 202
    assert connection.connection is not None  # kept for the next request (CONN_MAX_AGE)
    terminate_backend(connection.connection.info.backend_pid)
    assert post_through_the_inbox_door(bob) == 202
    assert InboxMessage.objects.count() == 2
