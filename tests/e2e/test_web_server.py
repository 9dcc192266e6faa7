"""The production web server (gunicorn -c config/gunicorn.py config.asgi:application, as docker-compose runs
it) seen from the wire: what its HTTP parser and the inbox door make of raw requests, and pages beside them."""

import json
import socket

import pytest

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
