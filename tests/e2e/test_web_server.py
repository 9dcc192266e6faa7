"""The production web server (gunicorn -c config/gunicorn.py config.asgi:application, as docker-compose runs
it) seen from the wire: what its HTTP parser and the inbox door make of raw requests, and pages beside them."""

import json
import socket
import sqlite3
import uuid

import pytest

from federation.signatures import sign_cavage
from tests.peer import Peer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]


def exchange(instance, raw: bytes, *, connection: socket.socket | None = None) -> tuple[int, dict, bytes]:
    """Send `raw` and read one response: (status, lower-cased headers, body)."""
    sock = connection or socket.create_connection((instance.address, instance.port), timeout=10)
    sock.sendall(raw)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed after {data!r}"
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    while len(body) < int(headers.get("content-length", "0")):
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        body += chunk
    if connection is None:
        sock.close()
    return int(lines[0].split()[1]), headers, body


def post_inbox(instance, body: bytes, extra: str = "", length: int | None = None) -> bytes:
    declared = "" if length == -1 else f"Content-Length: {len(body) if length is None else length}\r\n"
    return (f"POST /inbox HTTP/1.1\r\nHost: {instance.domain}\r\nContent-Type: application/activity+json\r\n"
            f"{declared}{extra}\r\n").encode() + body


def test_an_unsigned_activity_is_a_401_with_a_reason_and_the_connection_stays_open(instance_a):
    activity = {"id": "https://remote.example/a/1", "type": "Create", "actor": "https://remote.example/u/x"}
    with socket.create_connection((instance_a.address, instance_a.port), timeout=10) as sock:
        for _ in range(2):  # two requests over one kept-alive connection
            status, headers, body = exchange(instance_a, post_inbox(instance_a, json.dumps(activity).encode()),
                                             connection=sock)
            assert status == 401 and "signature" in json.loads(body)["error"]
            assert headers["content-type"].startswith("application/json")
            assert headers["x-content-type-options"] == "nosniff"


def test_a_chunked_body_is_a_411_and_malformed_json_a_400(instance_a):
    chunked = post_inbox(instance_a, b"2\r\n{}\r\n0\r\n\r\n", "Transfer-Encoding: chunked\r\n", length=-1)
    status, _, body = exchange(instance_a, chunked)
    assert status == 411 and json.loads(body) == {"error": "a Content-Length is required"}
    status, _, body = exchange(instance_a, post_inbox(instance_a, b'{"id": '))
    assert status == 400 and json.loads(body)["error"].startswith("invalid JSON")


def test_an_oversized_body_is_refused_before_it_is_sent(instance_a):
    """The 413 comes from the declared length: the server answers without waiting for 2 MiB that never come."""
    status, _, body = exchange(instance_a, post_inbox(instance_a, b"", length=2 * 1024 * 1024))
    assert status == 413 and "larger than" in json.loads(body)["error"]


def test_pages_and_static_files_are_served_beside_the_inbox(instance_a):
    status, headers, body = exchange(instance_a, f"GET / HTTP/1.1\r\nHost: {instance_a.domain}\r\n\r\n".encode())
    assert status == 200 and headers["content-type"].startswith("text/html") and b"</html>" in body
    status, headers, _ = exchange(instance_a, f"GET /inbox HTTP/1.1\r\nHost: {instance_a.domain}\r\n\r\n".encode())
    assert status == 405 and headers["allow"] == "POST"
    status, headers, body = exchange(instance_a, f"GET /static/ama/site.css HTTP/1.1\r\nHost: {instance_a.domain}\r\n\r\n"
                                     .encode())
    assert status == 200 and headers["content-type"].startswith("text/css") and body


def request_head(instance, *header_lines: str, target: str = "/healthz") -> bytes:
    lines = "".join(f"{line}\r\n" for line in header_lines)
    return f"GET {target} HTTP/1.1\r\nHost: {instance.domain}\r\n{lines}\r\n".encode()


def refusal(instance, raw: bytes) -> tuple[int, dict, bytes, bytes]:
    """Send `raw` on a kept-alive connection; the response, then what the connection gives after it (b"": closed)."""
    with socket.create_connection((instance.address, instance.port), timeout=10) as sock:
        status, headers, body = exchange(instance, raw, connection=sock)
        try:
            after = sock.recv(1)
        except ConnectionResetError:
            after = b""
    return status, headers, body, after


def test_a_header_line_over_8_kib_is_a_431_and_the_connection_is_closed(instance_a):
    status, headers, body, after = refusal(instance_a, request_head(instance_a, "X-Big: " + "a" * 9 * 1024))
    assert (status, after) == (431, b"") and headers["connection"] == "close"
    assert b"header line longer than 8192 bytes" in body
    assert "Refused a request from" in instance_a.log_path("web").read_text()


def test_headers_over_64_kib_in_all_are_a_431_though_each_line_is_short(instance_a):
    lines = [f"X-Part-{n}: " + "b" * 1000 for n in range(70)]  # 70 KiB in lines of 1 KiB
    status, _, body, after = refusal(instance_a, request_head(instance_a, *lines))
    assert (status, after) == (431, b"") and b"larger than 65536 bytes" in body


def test_a_request_line_over_8_kib_is_a_414(instance_a):
    status, _, body, after = refusal(instance_a, request_head(instance_a, target="/?q=" + "c" * 9 * 1024))
    assert (status, after) == (414, b"") and b"request line longer than 8192 bytes" in body


def test_an_endless_header_line_is_refused_before_it_is_read(instance_a):
    """8 MB of one header line, sent in pieces: the 431 comes and the server closes while most is unsent."""
    start = request_head(instance_a)[:-2] + b"X-Endless: "
    sent = 0
    with socket.create_connection((instance_a.address, instance_a.port), timeout=10) as sock:
        try:
            sock.sendall(start)
            while sent < 8 * 1024 * 1024:
                sock.sendall(b"d" * 16384)
                sent += 16384
        except (BrokenPipeError, ConnectionResetError):
            pass
        response = sock.recv(4096)
    assert response.startswith(b"HTTP/1.1 431 ") and sent < 8 * 1024 * 1024


def test_a_signed_inbox_post_with_100_kb_of_headers_is_a_431_and_nothing_is_stored(instance_a):
    peer = Peer()
    try:
        actor = peer.actor("padded")
        padded, activity_id = signed_like(instance_a, peer, actor, padding=100_000)
        status, _, _, after = refusal(instance_a, padded)
        assert (status, after) == (431, b"") and not stored_inbox_messages(instance_a, activity_id)
        plain, activity_id = signed_like(instance_a, peer, actor, padding=0)  # the same, of a normal size
        assert exchange(instance_a, plain)[0] == 202 and stored_inbox_messages(instance_a, activity_id) == 1
    finally:
        peer.close()


def test_a_request_within_the_bounds_is_served(instance_a):
    lines = [f"X-Part-{n}: " + "e" * 1000 for n in range(50)] + ["X-Long: " + "f" * 8000]
    status, _, body = exchange(instance_a, request_head(instance_a, *lines))
    assert status == 200 and json.loads(body)


def signed_like(instance, peer, actor, *, padding: int) -> tuple[bytes, str]:
    """A signed Like to the shared inbox as raw bytes, with `padding` bytes of an unsigned extra header."""
    activity_id = f"{peer.base}/likes/{uuid.uuid4()}"
    body = json.dumps({"@context": "https://www.w3.org/ns/activitystreams", "id": activity_id, "type": "Like",
                       "actor": actor.ap_id, "object": f"{peer.base}/notes/1"}).encode()
    headers = sign_cavage(method="POST", url=f"{instance.base}/inbox", body=body, key_id=actor.key_id,
                          headers={"Content-Type": "application/activity+json"}, private_key_pem=peer.private_pem)
    if padding:
        headers["X-Padding"] = "p" * padding
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    return f"POST /inbox HTTP/1.1\r\n{head}Content-Length: {len(body)}\r\n\r\n".encode() + body, activity_id


def stored_inbox_messages(instance, activity_id: str) -> int:
    with sqlite3.connect(instance.dir / "db.sqlite3") as db:
        return db.execute("SELECT COUNT(*) FROM federation_inboxmessage WHERE ap_id = ?", (activity_id,)).fetchone()[0]
