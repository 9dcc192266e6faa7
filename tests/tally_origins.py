"""Loopback origin servers for remote tallies: each serves question notes carrying `likes` in the shapes real
servers use, answers conditional GETs, can be down, gone or slow, and records what it saw (requests per path,
the most requests in flight at once, when each arrived)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def mastodon_likes(note_id: str, total: int) -> dict:
    """Mastodon 4.3 and later: an embedded Collection with its count only."""
    return {"id": note_id + "/likes", "type": "Collection", "totalItems": total}


def listed_likes(note_id: str, likers: list[str], total: int | None = None, *, paged: bool = False) -> dict:
    """A collection naming its likers (Like activities with their actor), directly or in an embedded first page."""
    items = [{"type": "Like", "id": f"{liker}#likes/{abs(hash(note_id))}", "actor": liker} for liker in likers]
    collection = {"id": note_id + "/likes", "type": "OrderedCollection",
                  "totalItems": len(likers) if total is None else total}
    if paged:
        collection["first"] = {"type": "OrderedCollectionPage", "partOf": note_id + "/likes", "orderedItems": items}
    else:
        collection["orderedItems"] = items
    return collection


class Origin:
    """One origin server on 127.0.0.1 (its own port: its own host for per-origin limits)."""

    def __init__(self, *, delay: float = 0.0, address: str = "127.0.0.1"):
        self.notes: dict[str, dict] = {}  # path → document
        self.status: dict[str, int] = {}  # path → status to answer instead (410, 503, ...)
        self.etags: dict[str, str] = {}  # path → ETag (answered 304 to a matching If-None-Match)
        self.delay = delay
        self.down = False  # every request is answered 503
        self.lock = threading.Lock()
        self.gets: list[tuple[float, str, dict]] = []  # (monotonic time, path, headers)
        self.in_flight = 0
        self.most_in_flight = 0
        self.server = ThreadingHTTPServer((address, 0), self._handler())
        self.server.daemon_threads = True
        self.server.request_queue_size = 256
        self.base = f"http://{address}:{self.server.server_address[1]}"
        self.domain = f"{address}:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def note(self, path: str, *, content: str = "<p>Why?</p>", likes: dict | str | None = None,
             author: str = "", **extra) -> str:
        ap_id = self.base + path
        document = {"@context": "https://www.w3.org/ns/activitystreams", "id": ap_id, "type": "Note",
                    "attributedTo": author or self.base + "/users/asker", "content": content, **extra}
        if likes is not None:
            document["likes"] = likes
        self.notes[path] = document
        return ap_id

    def requests_to(self, path: str) -> int:
        with self.lock:
            return sum(1 for _, seen, _ in self.gets if seen == path)

    def most_per_minute(self) -> int:
        """The most requests that arrived within any 60 s."""
        with self.lock:
            times = sorted(moment for moment, _, _ in self.gets)
        return max((sum(1 for t in times if start <= t < start + 60) for start in times), default=0)

    def _handler(self):
        origin = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args):
                pass

            def do_GET(self):
                with origin.lock:
                    origin.gets.append((time.monotonic(), self.path, dict(self.headers.items())))
                    origin.in_flight += 1
                    origin.most_in_flight = max(origin.most_in_flight, origin.in_flight)
                self.counted = True
                try:
                    if origin.delay:
                        time.sleep(origin.delay)
                    self._answer()
                finally:
                    self._finished()

            def _finished(self):
                """No longer in flight: called before the body's bytes leave (the client cannot have the whole
                answer, and send its next request, before this request stops counting)."""
                if self.counted:
                    self.counted = False
                    with origin.lock:
                        origin.in_flight -= 1

            def _answer(self):
                path = self.path.split("?")[0]
                status = 503 if origin.down else origin.status.get(path)
                if status:
                    return self._send(status, {"error": "no"})
                if path.endswith("/likes") and path[:-len("/likes")] in origin.notes:
                    likes = origin.notes[path[:-len("/likes")]].get("likes_collection")
                    return self._send(200, likes) if likes else self._send(404, {})
                document = origin.notes.get(path)
                if document is None:
                    return self._send(404, {})
                etag = origin.etags.get(path)
                if etag and self.headers.get("If-None-Match") == etag:
                    return self._send(304, None, etag=etag)
                self._send(200, {k: v for k, v in document.items() if k != "likes_collection"}, etag=etag)

            def _send(self, status: int, document: dict | None, etag: str | None = None):
                payload = json.dumps(document).encode() if document is not None else b""
                self.send_response(status)
                self.send_header("Content-Type", "application/activity+json")
                if etag:
                    self.send_header("ETag", etag)
                self.send_header("Content-Length", str(len(payload)))
                self._finished()
                self.end_headers()
                self.wfile.write(payload)

        return Handler
