"""Helpers and fixtures for the inbox tests: signed POSTs through the test client, a snapshot of what
the inbox may change, a scriptable origin server (redirects, slow and endless answers) and a resolver
that never leaves the machine. Import the fixtures explicitly:

    from tests.federation.fixtures_inbox import bob, no_dns  # noqa: F401
"""

import json
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from federation import netguard
from federation.models import Actor, Delivery, Follow, InboxMessage, OutboxActivity
from federation.signatures import sign_cavage

AS2 = "application/activity+json"
BASE = "http://testserver"


def create_note(actor_ap_id: str, *, content: str = "What is your favourite protocol?", **note) -> dict:
    base = actor_ap_id.rsplit("/users/", 1)[0]
    note_id = f"{base}/notes/{uuid.uuid4()}"
    obj = {"id": note_id, "type": "Note", "attributedTo": actor_ap_id, "content": content,
           "to": ["https://www.w3.org/ns/activitystreams#Public"], **note}
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": note_id + "/activity", "type": "Create",
            "actor": actor_ap_id, "object": obj, "to": obj["to"]}


def signed_headers(body: bytes, *, key_id: str, private_pem: str, path: str = "/inbox") -> dict:
    return sign_cavage(method="POST", url=BASE + path, headers={"Content-Type": AS2}, body=body,
                       key_id=key_id, private_key_pem=private_pem)


def post(client, body: bytes, headers: dict | None = None, *, path: str = "/inbox", **meta):
    """POST raw bytes with the given headers (Host, Date, Digest, Signature …) through the test client."""
    headers = dict(headers or {})
    content_type = headers.pop("Content-Type", AS2)
    return client.generic("POST", path, data=body, content_type=content_type, headers=headers, **meta)


def post_signed(client, activity: dict | bytes, *, key_id: str, private_pem: str, path: str = "/inbox",
                mutate=None):
    body = activity if isinstance(activity, bytes) else json.dumps(activity).encode()
    headers = signed_headers(body, key_id=key_id, private_pem=private_pem, path=path)
    if mutate:
        body, headers = mutate(body, headers)
    return post(client, body, headers, path=path)


def post_as(client, peer_actor, activity, **kwargs):
    return post_signed(client, activity, key_id=peer_actor.key_id, private_pem=peer_actor.peer.private_pem, **kwargs)


class Snapshot:
    """Everything an inbox POST could store or change; compare before and after."""

    def __init__(self):
        self.before = self.take()

    @staticmethod
    def take() -> dict:
        return {
            "inbox": list(InboxMessage.objects.order_by("pk").values_list("pk", "ap_id", "state")),
            "actors": list(Actor.objects.order_by("pk").values_list(
                "pk", "ap_id", "key_id", "public_key_pem", "fetched_at", "gone_at")),
            "follows": list(Follow.objects.order_by("pk").values_list("pk", "state")),
            "outbox": OutboxActivity.objects.count(),
            "deliveries": Delivery.objects.count(),
        }

    def assert_unchanged(self):
        after = self.take()
        changed = {name: (self.before[name], after[name]) for name in after if after[name] != self.before[name]}
        assert not changed, f"the inbox changed: {changed}"


def assert_refused(response, status: int, snapshot: Snapshot, *, reason: str | None = None):
    assert response.status_code == status, response.content[:300]
    if status >= 400:
        assert response["Content-Type"].startswith("application/json")
        error = response.json()["error"]
        assert error
        if reason:
            assert reason in error
    snapshot.assert_unchanged()


@pytest.fixture
def instance_actor(db, monkeypatch):
    """Our own Application actor, created up front (with the static test key, which is fast): it signs
    every key fetch, and must not count as something an inbox POST stored."""
    from federation import actors, keys
    from tests.peer import test_keypair

    monkeypatch.setattr(keys, "generate_keypair", test_keypair)
    return actors.instance_actor()


@pytest.fixture
def bob(remote_actor):
    """bob on the peer, cached with his key (so nothing needs fetching)."""
    return remote_actor


@pytest.fixture
def no_dns(monkeypatch):
    """The guard's resolver answers IP literals and localhost only; every name asked is recorded.
    No test leaves the machine, even for homoglyph and metadata host names."""
    asked: list[str] = []
    real = netguard._resolve

    def resolve(host, port, timeout):
        asked.append(host)
        if host == "localhost":
            return real("127.0.0.1", port, timeout)
        literal = host.strip("[]")
        try:
            socket.inet_pton(socket.AF_INET6 if ":" in literal else socket.AF_INET, literal)
        except OSError as error:
            raise socket.gaierror(socket.EAI_NONAME, f"{host} not resolvable in tests") from error
        return real(literal, port, timeout)

    monkeypatch.setattr(netguard, "_resolve", resolve)
    return asked


class Origin:
    """A loopback HTTP server whose answers are scripted per path: (status, headers, body), or a
    callable taking the request handler (for slow and endless answers). Records every request path."""

    def __init__(self):
        self.routes: dict = {}
        self.requests: list[str] = []
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                origin.requests.append(self.path)
                route = origin.routes.get(self.path.split("?")[0], (404, {}, b""))
                if callable(route):
                    return route(self)
                status, headers, body = route
                self.send_response(status)
                for name, value in {"Content-Type": AS2, "Content-Length": str(len(body)), **headers}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.domain = f"127.0.0.1:{self.server.server_address[1]}"
        self.base = f"http://{self.domain}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def json(self, path: str, document: dict, status: int = 200, **headers):
        self.routes[path] = (status, headers, json.dumps(document).encode())

    def redirect(self, path: str, location: str, status: int = 302):
        self.routes[path] = (status, {"Location": location}, b"")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def trickle(handler):
    """Headers at once, then one byte a second (never reaching the declared length)."""
    handler.send_response(200)
    handler.send_header("Content-Type", AS2)
    handler.send_header("Content-Length", "100000")
    handler.end_headers()
    try:
        for _ in range(30):
            handler.wfile.write(b" ")
            handler.wfile.flush()
            time.sleep(1)
    except OSError:
        pass


def endless(handler):
    """A chunked body that never ends."""
    handler.send_response(200)
    handler.send_header("Content-Type", AS2)
    handler.send_header("Transfer-Encoding", "chunked")
    handler.end_headers()
    chunk = b"[" * 65536
    try:
        for _ in range(10_000):
            handler.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    except OSError:
        pass


@pytest.fixture
def origin(loopback):
    server = Origin()
    yield server
    server.close()
