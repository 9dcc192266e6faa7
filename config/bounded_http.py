"""uvicorn's worker with a bounded request head: the web server itself refuses an oversized request line (414)
or header section (431) and closes the connection, instead of reading megabytes of header before Django sees
the request. gunicorn's limit_request_* settings bind only its own parsers, and uvicorn's httptools protocol
sets no limit at all; config/gunicorn.py names this worker.

How the head is measured: httptools hands the URL over in fragments (counted as they come) and each header
only once it is complete (counted then, per line and in all). A header still arriving is measured by the
chunks read while the head is open, so an endless header line is refused after MAX_HEAD plus one read."""

import httptools
from uvicorn.protocols.http.httptools_impl import STATUS_LINE, HttpToolsProtocol
from uvicorn_worker import UvicornWorker

MAX_LINE = 8 * 1024  # bytes in the request line, and in one header line
MAX_HEAD = 64 * 1024  # bytes in the request line and all header lines together


class HeadTooLarge(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """HttpToolsProtocol answering 414/431 and closing when a request head passes MAX_LINE or MAX_HEAD."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.head_open = False  # a request began and its headers are not complete yet
        self.head_seen = 0  # bytes of the open head the parser has handed over (URL, complete headers)
        self.head_read = 0  # bytes of chunks read wholly inside the open head
        self.began_in_chunk = False

    def data_received(self, data: bytes) -> None:
        self._unset_keepalive_if_required()
        self.began_in_chunk = False
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserCallbackError as error:
            if isinstance(error.__context__, HeadTooLarge):
                self.refuse(error.__context__)
            else:
                self.reject_invalid()
            return
        except httptools.HttpParserError:
            self.reject_invalid()
            return
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()
            return
        self.measure_chunk(len(data))

    def measure_chunk(self, size: int) -> None:
        """Count a chunk read wholly inside an open head (one in which a request began is not: its start is
        unknown, so an open head is measured from the next chunk on)."""
        if self.head_open and not self.began_in_chunk:
            self.head_read += size
            if self.head_read > MAX_HEAD:
                self.refuse(HeadTooLarge(431, f"request header fields larger than {MAX_HEAD} bytes"))

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self.head_open, self.began_in_chunk = True, True
        self.head_seen = self.head_read = 0

    def on_url(self, url: bytes) -> None:
        super().on_url(url)
        self.head_seen += len(url)
        if len(self.url) > MAX_LINE:
            raise HeadTooLarge(414, f"request line longer than {MAX_LINE} bytes")

    def on_header(self, name: bytes, value: bytes) -> None:
        line = len(name) + len(value) + 4  # "name: value\r\n", as near as the parser lets us see
        self.head_seen += line
        if line > MAX_LINE:
            raise HeadTooLarge(431, f"a request header line longer than {MAX_LINE} bytes")
        if self.head_seen > MAX_HEAD:
            raise HeadTooLarge(431, f"request header fields larger than {MAX_HEAD} bytes")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self.head_open = False
        super().on_headers_complete()

    def reject_invalid(self) -> None:
        message = "Invalid HTTP request received."
        self.logger.warning(message)
        self.send_400_response(message)

    def refuse(self, too_large: HeadTooLarge) -> None:
        client = f"{self.client[0]}:{self.client[1]}" if self.client else "unknown client"
        self.logger.warning("Refused a request from %s: %s (%d)", client, too_large.reason, too_large.status)
        self.send_error_and_close(too_large.status, too_large.reason)

    def send_error_and_close(self, status: int, message: str) -> None:
        body = message.encode("ascii")
        content = [STATUS_LINE[status]]
        for name, value in self.server_state.default_headers:
            content.extend([name, b": ", value, b"\r\n"])
        content.extend([b"content-type: text/plain; charset=utf-8\r\n",
                        b"content-length: " + str(len(body)).encode("ascii") + b"\r\n",
                        b"connection: close\r\n\r\n", body])
        self.transport.write(b"".join(content))
        self.transport.close()


class BoundedUvicornWorker(UvicornWorker):
    """uvicorn's gunicorn worker (httptools parser) with the bounded request head above."""

    CONFIG_KWARGS = {"loop": "auto", "http": BoundedHttpToolsProtocol}
