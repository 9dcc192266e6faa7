# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""Inbox POSTs are served outside Django's request cycle, through two doors: the ASGI application gunicorn
serves in production (config/asgi.py, federation/asgi.py) and the WSGI one (config/wsgi.py, federation/wsgi.py).
Everything else, GETs to inboxes included, takes Django's whole stack. These tests call each application the
way its server does (the test client would go around both), and run every case through both doors."""

import asyncio
import io
import json
import logging
from wsgiref.util import setup_testing_defaults

import pytest
from a2wsgi import WSGIMiddleware
from django.db import connection

import config.asgi
import config.wsgi
from federation import asgi as asgi_door
from federation import inbox
from federation.models import InboxMessage
from tests.federation.fixtures_inbox import bob, create_note, signed_headers  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)  # the doors close connections as a real request does


class Answer:
    def __init__(self, status: int, reason: str, headers: list, body: bytes):
        self.status_code, self.reason, self.body = status, reason, body
        self.headers = {name.lower(): value for name, value in headers}

    def json(self):
        return json.loads(self.body)


def call_wsgi(method: str, path: str, body: bytes = b"", headers: dict | None = None) -> Answer:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "wsgi.input": io.BytesIO(body),
               "CONTENT_LENGTH": str(len(body))}
    setup_testing_defaults(environ)  # SERVER_NAME testserver, as the signatures expect
    for name, value in (headers or {}).items():
        key = name.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else "HTTP_" + key] = value
    started = []
    chunks = config.wsgi.application(environ, lambda status, headers, exc_info=None: started.append((status, headers)))
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    status, headers = started[0]
    return Answer(int(status.split()[0]), status.split(" ", 1)[1], headers, body)


class AsgiCall:
    """One request to an ASGI application, as uvicorn would make it: `received` counts the body messages
    the application asked for; `hang_up` makes the sender disconnect instead of sending its body."""

    def __init__(self, application=None):
        self.application = application or config.asgi.application
        self.received = 0

    def __call__(self, *args, **kwargs) -> Answer | None:
        return asyncio.run(self.request(*args, **kwargs))

    async def request(self, method: str, path: str, body: bytes = b"", headers: dict | None = None, *,
                      hang_up: bool = False, chunks: int = 1) -> Answer | None:
        fields = {"host": "testserver", "content-length": str(len(body))}
        fields.update({name.lower(): value for name, value in (headers or {}).items()})
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                 "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                 "headers": [(name.encode("latin-1"), value.encode("latin-1")) for name, value in fields.items()
                             if value is not None],
                 "client": ("127.0.0.1", 40000), "server": ("testserver", 80)}
        size = -(-len(body) // chunks) or 1
        parts = [body[i:i + size] for i in range(0, len(body), size)] or [b""]
        messages = [{"type": "http.disconnect"}] if hang_up else [
            {"type": "http.request", "body": part, "more_body": i < len(parts) - 1} for i, part in enumerate(parts)]
        sent = []

        async def receive():
            self.received += 1
            if messages:
                return messages.pop(0)
            await asyncio.Event().wait()  # the sender waits for the answer

        async def send(message):
            sent.append(message)

        await self.application(scope, receive, send)
        if not sent:
            return None
        start = sent[0]
        body = b"".join(message.get("body", b"") for message in sent[1:])
        headers = [(name.decode("latin-1"), value.decode("latin-1")) for name, value in start["headers"]]
        return Answer(start["status"], "", headers, body)


@pytest.fixture(params=["asgi", "wsgi"])
def call(request, monkeypatch):
    if request.param == "wsgi":
        return call_wsgi
    # the door's threads outlive a test: let them close their connections after each request, as a
    # connection past CONN_MAX_AGE would be (the test database is flushed and dropped under them otherwise)
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    return AsgiCall()


def signed_request(peer_actor, activity: dict, path: str = "/inbox") -> tuple[str, str, bytes, dict]:
    body = json.dumps(activity).encode()
    headers = signed_headers(body, key_id=peer_actor.key_id, private_pem=peer_actor.peer.private_pem, path=path)
    return "POST", path, body, headers


def signed(call, peer_actor, activity: dict, path: str = "/inbox") -> Answer:
    return call(*signed_request(peer_actor, activity, path))


def test_an_inbox_post_is_accepted_without_the_middleware_for_people(call, bob, host):
    activity = create_note(bob.ap_id)
    answer = signed(call, bob, activity)
    assert answer.status_code == 202 and answer.json() == {"status": "accepted"}
    assert InboxMessage.objects.get().ap_id == activity["id"]
    assert answer.headers["content-length"] == str(len(answer.body))  # kept-alive senders need it
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert "content-language" not in answer.headers and "set-cookie" not in answer.headers  # no locale, no session
    again = signed(call, bob, activity)
    assert again.status_code == 202 and again.json() == {"status": "duplicate"}
    assert InboxMessage.objects.count() == 1


def test_a_personal_inbox_is_served_too_and_an_unknown_actor_is_a_json_404(call, bob, host):
    assert signed(call, bob, create_note(bob.ap_id), path="/users/alice/inbox").status_code == 202
    unknown = signed(call, bob, create_note(bob.ap_id), path="/users/nobody/inbox")
    assert unknown.status_code == 404 and unknown.json() == {"error": "no such actor"}
    assert InboxMessage.objects.count() == 1


def test_refusals_keep_their_status_and_reason(call, bob, host):
    activity = create_note(bob.ap_id)
    body = json.dumps(activity).encode()
    headers = signed_headers(body, key_id=bob.key_id, private_pem=bob.peer.private_pem)
    tampered = call("POST", "/inbox", body.replace(b"favourite", b"favorite"), headers)
    assert tampered.status_code == 401 and "digest" in tampered.json()["error"]
    assert call("POST", "/inbox", b"[1, 2]", headers).json() == {"error": "expected a JSON object, got list"}
    assert InboxMessage.objects.count() == 0


def test_everything_else_takes_djangos_whole_stack(call, bob, host):
    refused = call("GET", "/inbox", headers={"Accept": "application/activity+json"})
    assert refused.status_code == 405 and refused.headers["allow"] == "POST"
    assert "content-language" in refused.headers  # LocaleMiddleware ran
    assert call("POST", "/nowhere/inbox").status_code == 404
    page = call("GET", "/")
    assert page.status_code == 200 and "content-language" in page.headers and b"<html" in page.body


def test_a_bug_in_the_view_is_a_logged_500_and_the_next_request_is_served(call, bob, host, monkeypatch, caplog):
    real = inbox.receive
    monkeypatch.setattr(inbox, "receive", lambda request, via: 1 / 0)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        answer = signed(call, bob, create_note(bob.ap_id))
    assert answer.status_code == 500
    assert any(record.exc_info and record.exc_info[0] is ZeroDivisionError for record in caplog.records)
    monkeypatch.setattr(inbox, "receive", real)
    assert signed(call, bob, create_note(bob.ap_id)).status_code == 202


def test_a_connection_past_its_age_is_closed_after_the_request(bob, host, monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    connection.close()
    assert signed(call_wsgi, bob, create_note(bob.ap_id)).status_code == 202
    assert connection.connection is None  # as Django's close_old_connections leaves it after a request
    one_thread = asgi_door.AsgiInboxDoor(WSGIMiddleware(config.wsgi.application, workers=1), threads=1)
    assert signed(AsgiCall(one_thread), bob, create_note(bob.ap_id)).status_code == 202
    assert one_thread.executor.submit(lambda: connection.connection).result() is None  # on the door's thread
    one_thread.executor.shutdown()
    assert InboxMessage.objects.count() == 2


# ---- the ASGI door reads no body it will refuse ---------------------------------------------------------

@pytest.fixture
def asgi_call(monkeypatch):
    monkeypatch.setitem(connection.settings_dict, "CONN_MAX_AGE", 0)
    return AsgiCall()


def test_a_body_over_the_limit_is_refused_from_its_length_without_reading_it(asgi_call, bob, host):
    body = b"{" + b" " * inbox.MAX_BODY + b"}"
    answer = asgi_call("POST", "/inbox", body, {"Content-Type": "application/activity+json"})
    assert answer.status_code == 413 and "larger than" in answer.json()["error"]
    assert asgi_call.received == 0
    assert InboxMessage.objects.count() == 0


def test_a_chunked_body_without_a_length_is_refused_unread(asgi_call, bob, host):
    answer = asgi_call("POST", "/inbox", b"{}", {"Content-Length": None, "Transfer-Encoding": "chunked"})
    assert answer.status_code == 411 and answer.json() == {"error": "a Content-Length is required"}
    assert asgi_call.received == 0


@pytest.mark.parametrize("length", ["12x", "-5", " 5", "²", "1, 2"])
def test_an_unparsable_length_is_a_400(asgi_call, bob, host, length):
    answer = asgi_call("POST", "/inbox", b"{}", {"Content-Length": length})
    assert answer.status_code == 400 and answer.json() == {"error": "invalid Content-Length"}
    assert asgi_call.received == 0  # refused from the header, as the view refuses it: the body is not read


def test_a_body_in_several_messages_is_joined(asgi_call, bob, host):
    activity = create_note(bob.ap_id)
    body = json.dumps(activity).encode()
    headers = signed_headers(body, key_id=bob.key_id, private_pem=bob.peer.private_pem)
    assert asgi_call("POST", "/inbox", body, headers, chunks=5).status_code == 202
    assert asgi_call.received == 5
    assert InboxMessage.objects.get().ap_id == activity["id"]


def test_a_sender_that_hangs_up_gets_no_answer_and_leaves_nothing(asgi_call, bob, host):
    activity = create_note(bob.ap_id)
    body = json.dumps(activity).encode()
    headers = signed_headers(body, key_id=bob.key_id, private_pem=bob.peer.private_pem)
    assert asgi_call("POST", "/inbox", body, headers, hang_up=True) is None
    assert InboxMessage.objects.count() == 0


def test_a_slow_key_fetch_holds_one_inbox_thread_and_neither_the_loop_nor_the_others(asgi_call, bob, peer):
    """The production application, three requests at once on one event loop: while a signer's key server
    takes its time, a second unknown signer is told to retry and a known signer is accepted."""
    slow, dave = peer.actor("slow"), peer.actor("dave")
    peer.get_delay = 3

    async def scenario():
        waiting = asyncio.create_task(asgi_call.request(*signed_request(slow, create_note(slow.ap_id))))
        for _ in range(300):  # the slow fetch has begun
            if "/users/slow" in peer.gets:
                break
            await asyncio.sleep(0.01)
        refused = await asgi_call.request(*signed_request(dave, create_note(dave.ap_id)))
        accepted = await asgi_call.request(*signed_request(bob, create_note(bob.ap_id)))
        return refused, accepted, waiting.done(), await waiting

    refused, accepted, slow_was_done, slow_answer = asyncio.run(scenario())
    assert refused.status_code == 503 and refused.headers["retry-after"] == str(inbox.BUSY_RETRY_AFTER)
    assert accepted.status_code == 202
    assert not slow_was_done  # both were answered while the slow fetch still held its thread
    assert slow_answer.status_code == 202
    assert "/users/dave" not in peer.gets
    assert set(InboxMessage.objects.values_list("actor_ap_id", flat=True)) == {slow.ap_id, bob.ap_id}
