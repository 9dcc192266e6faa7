"""Remote inboxes for delivery tests: real HTTP servers on loopback addresses (a domain is host:port).

Each records the POSTs it gets, answers with scripted statuses (then 202), can verify our draft-cavage
signature with a third-party implementation (apsig), and can play a tarpit that accepts and never answers."""

import json
import select
import socket
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from apsig.draft.verify import Verifier


@dataclass
class Post:
    path: str
    headers: dict
    body: bytes
    verified_key_id: str | None

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class InboxServer:
    def __init__(self, host: str = "127.0.0.1", *, public_pem: str | None = None, hang: bool = False,
                 delay: float = 0.0):
        self.public_pem, self.hang, self.delay = public_pem, hang, delay
        self.posts: list[Post] = []
        self.statuses: list[int | tuple[int, dict]] = []  # answers in order, then 202
        self.active = self.max_active = 0
        self.lock, self.release = threading.Lock(), threading.Event()
        self.server = ThreadingHTTPServer((host, 0), _handler(self))
        self.server.daemon_threads = True
        self.domain = f"{host}:{self.server.server_address[1]}"
        self.base = "http://" + self.domain
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def inbox(self) -> str:
        return self.base + "/inbox"

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def verify(self, path: str, headers: dict, body: bytes) -> str | None:
        """apsig's verdict on our signature: the keyId, or None."""
        if not self.public_pem:
            return None
        try:
            return Verifier(self.public_pem, "POST", self.base + path, headers, body).verify(raise_on_fail=True)
        except Exception:
            return None

    def answer(self) -> tuple[int, dict]:
        with self.lock:
            scripted = self.statuses.pop(0) if self.statuses else 202
        return scripted if isinstance(scripted, tuple) else (scripted, {})


def _handler(inbox: InboxServer):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            with inbox.lock:
                inbox.active += 1
                inbox.max_active = max(inbox.max_active, inbox.active)
            try:
                self._receive()
            finally:
                with inbox.lock:
                    inbox.active -= 1

        def _receive(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            headers = dict(self.headers.items())
            key_id = inbox.verify(self.path, headers, body)
            with inbox.lock:
                inbox.posts.append(Post(self.path, headers, body, key_id))
            if inbox.hang:
                self._hold()
                return
            if inbox.delay:
                time.sleep(inbox.delay)
            status, extra = (401, {}) if inbox.public_pem and key_id is None else inbox.answer()
            self.send_response(status)
            for name, value in {"Content-Length": "0", **extra}.items():
                self.send_header(name, value)
            self.end_headers()

        def _hold(self):
            """Never answer; return when the client gives up (closes) so `active` counts open requests."""
            while not inbox.release.is_set():
                if select.select([self.connection], [], [], 0.05)[0]:
                    try:
                        if not self.connection.recv(1, socket.MSG_PEEK):
                            return
                    except OSError:
                        return

    return Handler


def servers(count: int, *, first: int = 2, **options) -> list[InboxServer]:
    """`count` inbox servers on 127.0.0.<first>, 127.0.0.<first+1> …: one remote domain each."""
    return [InboxServer(f"127.0.0.{first + n}", **options) for n in range(count)]


def add_followers(host, server: InboxServer, count: int, *, shared: bool = True) -> list:
    """`count` accepted followers of `host` on `server`'s domain (behind its shared inbox, or each with its own)."""
    from federation.models import Actor, Follow

    actors = []
    for _ in range(count):
        ap_id = f"{server.base}/users/{uuid.uuid4().hex[:10]}"
        actors.append(Actor(ap_id=ap_id, username=ap_id.rsplit("/", 1)[1], domain=server.domain,
                            inbox=ap_id + "/inbox", shared_inbox=server.inbox if shared else ""))
    actors = Actor.objects.bulk_create(actors)
    actors = list(Actor.objects.filter(ap_id__in=[a.ap_id for a in actors]))
    Follow.objects.bulk_create([Follow(follower=a, followed=host, state=Follow.State.ACCEPTED) for a in actors])
    return actors


def note_activity(host, text: str = "An answer") -> dict:
    from federation.activities import activity, new_id

    note = {"id": new_id("notes"), "type": "Note", "attributedTo": host.ap_id, "content": f"<p>{text}</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"], "cc": [host.followers_url]}
    return activity("Create", actor=host.ap_id, obj=note, to=note["to"], cc=note["cc"])
