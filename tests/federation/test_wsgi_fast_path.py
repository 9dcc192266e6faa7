# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""Inbox POSTs are served outside Django's request cycle (federation/wsgi.py), through the WSGI application
gunicorn runs; everything else, GETs to inboxes included, takes the whole stack. These tests call that
application the way gunicorn does (the test client would go around it)."""

import io
import json
import logging
from wsgiref.util import setup_testing_defaults

import pytest
from django.db import connection

from config.wsgi import application
from federation import inbox
from federation.models import InboxMessage
from tests.federation.fixtures_inbox import bob, create_note, signed_headers  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)  # the fast path closes connections as a real request does


class Answer:
    def __init__(self, status: str, headers: list, body: bytes):
        self.status_code = int(status.split()[0])
        self.reason = status.split(" ", 1)[1]
        self.headers = {name.lower(): value for name, value in headers}
        self.body = body

    def json(self):
        return json.loads(self.body)


def call(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> Answer:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body))}
    setup_testing_defaults(environ)  # SERVER_NAME testserver, as the signatures expect
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    started = []
    chunks = application(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return Answer(*started[0], body)


def signed_post(peer_actor, activity: dict, path: str = "/inbox") -> Answer:
    body = json.dumps(activity).encode()
    headers = signed_headers(body, key_id=peer_actor.key_id, private_pem=peer_actor.peer.private_pem, path=path)
    return call("POST", path, body, headers)


def test_an_inbox_post_is_accepted_without_the_middleware_for_people(bob, host):
    activity = create_note(bob.ap_id)
    answer = signed_post(bob, activity)
    assert answer.status_code == 202 and answer.json() == {"status": "accepted"}
    assert InboxMessage.objects.get().ap_id == activity["id"]
    assert answer.headers["content-length"] == str(len(answer.body))  # kept-alive senders need it
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-language" not in answer.headers and "set-cookie" not in answer.headers  # no locale, no session
    again = signed_post(bob, activity)
    assert again.status_code == 202 and again.json() == {"status": "duplicate"}
    assert InboxMessage.objects.count() == 1


def test_a_personal_inbox_is_served_too_and_an_unknown_actor_is_a_json_404(bob, host):
    assert signed_post(bob, create_note(bob.ap_id), path="/users/alice/inbox").status_code == 202
    unknown = signed_post(bob, create_note(bob.ap_id), path="/users/nobody/inbox")
    assert unknown.status_code == 404 and unknown.json() == {"error": "no such actor"}
    assert InboxMessage.objects.count() == 1


def test_refusals_keep_their_status_and_reason(bob, host):
    activity = create_note(bob.ap_id)
    body = json.dumps(activity).encode()
    headers = signed_headers(body, key_id=bob.key_id, private_pem=bob.peer.private_pem)
    tampered = call("POST", "/inbox", body.replace(b"favourite", b"favorite"), headers)
    assert tampered.status_code == 401 and "digest" in tampered.json()["error"]
    assert call("POST", "/inbox", b"[1, 2]", headers).json() == {"error": "expected a JSON object, got list"}
    assert InboxMessage.objects.count() == 0


def test_everything_else_takes_djangos_whole_stack(bob, host):
    refused = call("GET", "/inbox", headers={"Accept": "application/activity+json"})
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    assert "content-language" in refused.headers  # LocaleMiddleware ran
    assert call("POST", "/nowhere/inbox").status_code == 404
    assert "content-language" in call("GET", "/").headers


def test_a_bug_in_the_view_is_a_logged_500_and_the_next_request_is_served(bob, host, monkeypatch, caplog):
    real = inbox.receive
    monkeypatch.setattr(inbox, "receive", lambda request, via: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answer = signed_post(bob, create_note(bob.ap_id))
    assert answer.status_code == 500
    assert any(record.exc_info and record.exc_info[0] is ZeroDivisionError for record in caplog.records)
    monkeypatch.setattr(inbox, "receive", real)
    assert signed_post(bob, create_note(bob.ap_id)).status_code == 202


def test_a_connection_past_its_age_is_closed_after_the_request(bob, host, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    connection.close()
    assert signed_post(bob, create_note(bob.ap_id)).status_code == 202
    assert connection.connection is None  # as Django's request_finished would have left it
    assert InboxMessage.objects.count() == 1
