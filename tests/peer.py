"""A remote fediverse server for tests: a real HTTP server on loopback with its own actors and keys.

It serves actor documents, records every POST to its inboxes (headers and body), answers with a
configurable status, and can sign and send activities to our server like a real instance would."""

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import requests

from federation.keys import generate_keypair
from federation.signatures import sign_cavage

_KEY_CACHE: list[tuple[str, str]] = []


def test_keypair() -> tuple[str, str]:
    """One RSA-2048 key pair for all peers of a test session (generation is slow)."""
    if not _KEY_CACHE:
        _KEY_CACHE.append(generate_keypair())
    return _KEY_CACHE[0]


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class PeerActor:
    peer: "Peer"
    username: str
    actor_type: str = "Person"
    extra: dict = field(default_factory=dict)

    @property
    def ap_id(self) -> str:
        return f"{self.peer.base}/users/{self.username}"

    @property
    def key_id(self) -> str:
        return self.ap_id + "#main-key"

    def document(self) -> dict:
        doc = {
            "@context": ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"],
            "id": self.ap_id, "type": self.actor_type, "preferredUsername": self.username,
            "name": self.username.title(), "inbox": self.ap_id + "/inbox", "outbox": self.ap_id + "/outbox",
            "followers": self.ap_id + "/followers", "endpoints": {"sharedInbox": self.peer.base + "/inbox"},
            "publicKey": {"id": self.key_id, "owner": self.ap_id, "publicKeyPem": self.peer.public_pem},
        }
        doc.update(self.extra)
        return doc


class Peer:
    def __init__(self, host: str = "127.0.0.1", port: int = 0):
        self.private_pem, self.public_pem = test_keypair()
        self.actors: dict[str, PeerActor] = {}
        self.objects: dict[str, dict] = {}
        self.jrds: dict[str, dict] = {}  # WebFinger answers by resource ("acct:bob@host"), before `objects`
        self.received: list[Received] = []
        self.gets: list[str] = []  # paths of every GET received, in order
        self.statuses: list[int] = []  # statuses to answer inbox POSTs with, in order; then 202
        self.get_delay = 0.0  # seconds every GET waits before it is answered (a slow server)
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, port), self._handler_class())
        self.server.daemon_threads = True
        self.base = f"http://{host}:{self.server.server_address[1]}"
        self.domain = f"{host}:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def actor(self, username: str, **kwargs) -> PeerActor:
        self.actors[username] = PeerActor(self, username, **kwargs)
        return self.actors[username]

    def serve(self, path: str, document: dict) -> str:
        self.objects[path] = document
        return self.base + path

    def post(self, url: str, activity: dict, *, as_actor: PeerActor, private_pem: str | None = None,
             mutate=None) -> requests.Response:
        """Sign (draft-cavage) and POST an activity to `url` as one of this peer's actors."""
        body = json.dumps(activity).encode()
        headers = sign_cavage(method="POST", url=url, headers={"Content-Type": "application/activity+json"},
                              body=body, key_id=as_actor.key_id, private_key_pem=private_pem or self.private_pem)
        if mutate:
            body, headers = mutate(body, headers)
        return requests.post(url, data=body, headers=headers, timeout=10)

    def inbox_posts(self) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.path.endswith("/inbox")]

    def _handler_class(self):
        peer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _send(self, status: int, document: dict | None = None):
                payload = json.dumps(document).encode() if document is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/activity+json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_GET(self):
                with peer.lock:
                    peer.gets.append(self.path)
                time.sleep(peer.get_delay)
                path = self.path.split("?")[0]
                if path.startswith("/users/") and path.count("/") == 2:
                    actor = peer.actors.get(path.split("/")[2])
                    return self._send(200, actor.document()) if actor else self._send(404, {})
                resource = parse_qs(urlsplit(self.path).query).get("resource", [""])[0]
                if path == "/.well-known/webfinger" and resource in peer.jrds:
                    return self._send(200, peer.jrds[resource])
                if path in peer.objects:
                    return self._send(200, peer.objects[path])
                return self._send(404, {})

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with peer.lock:
                    peer.received.append(Received(self.path, dict(self.headers.items()), body))
                    status = peer.statuses.pop(0) if peer.statuses else 202
                self._send(status, {})

        return Handler
