"""A remote server for avatar tests: a real HTTP server on loopback serving files (pictures, or anything else a
hostile server might answer) and redirects, counting every GET by path."""

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class ImageOrigin:
    def __init__(self, host: str = "127.0.0.1"):
        self.files: dict[str, tuple[int, dict, bytes]] = {}  # path -> (status, headers, body)
        self.hits: Counter = Counter()
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer((host, 0), self._handler_class())
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://{host}:{self.port}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def serve(self, path: str, body: bytes, content_type: str = "image/png", *, status: int = 200,
              headers: dict | None = None) -> str:
        self.files[path] = (status, {"Content-Type": content_type, "Content-Length": str(len(body)),
                                     **(headers or {})}, body)
        return self.base + path

    def redirect(self, path: str, location: str) -> str:
        self.files[path] = (302, {"Location": location, "Content-Length": "0"}, b"")
        return self.base + path

    def _handler_class(self):
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with origin.lock:
                    origin.hits[self.path] += 1
                status, headers, body = origin.files.get(self.path, (404, {"Content-Length": "0"}, b""))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                try:
                    self.wfile.write(body)
                except OSError:  # the client stopped reading (a body over its limit)
                    pass

        return Handler
