"""The outbound HTTP client against real HTTP servers on loopback (no test reaches the internet)."""

import base64
import hashlib
import json
import socket
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from federation import http, netguard, signatures
from federation.http import AS2_ACCEPT, FetchError, Signer, UnsafeURL, check_url, fetch_json, post_activity

AS2 = "application/activity+json"
MIB = 1024 * 1024

# ---- local servers ------------------------------------------------------------------------------


@dataclass
class Received:
    method: str
    path: str
    headers: dict  # lower-case names
    body: bytes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner = self.server.owner
        owner.requests.append(Received(self.command, self.path, {k.lower(): v for k, v in self.headers.items()},
                                       body))
        owner.routes.get(self.path, respond(404, b"not found", "text/plain"))(self)

    do_GET = do_POST = _handle


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # clients that stop reading (body cap, deadline) break the pipe: expected here


class Server:
    """A real HTTP server in a thread that records every request it receives."""

    def __init__(self, host="127.0.0.1"):
        self.requests: list[Received] = []
        self.routes = {}
        self.httpd = _QuietServer((host, 0), _Handler)
        self.httpd.owner = self
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True).start()

    def paths(self):
        return [received.path for received in self.requests]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def respond(status=200, body=b"", content_type=AS2, headers=()):
    def route(handler):
        handler.send_response(status)
        if content_type:
            handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            handler.send_header(name, value)
        handler.end_headers()
        handler.wfile.write(body)
    return route


def document(doc, content_type=AS2, status=200):
    return respond(status, json.dumps(doc).encode(), content_type)


def redirect(location, status=302):
    return respond(status, b"", "text/plain", [("Location", location)])


def undeclared(size):
    """A body with no Content-Length, delimited by closing the connection."""
    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", AS2)
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            handler.wfile.write(b'{"a": "' + b"x" * (size - 9) + b'"}')
        except OSError:
            pass
        handler.close_connection = True
    return route


def trickle(head: bytes):
    """Writes ``head`` then one byte every 0.1 s, forever (until the client goes, at most 30 s)."""
    def route(handler):
        try:
            handler.wfile.write(head)
            for _ in range(300):
                handler.wfile.write(b" ")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass
        handler.close_connection = True
    return route


TRICKLE_BODY = b"HTTP/1.1 200 OK\r\nContent-Type: application/activity+json\r\nContent-Length: 1000000\r\n\r\n{"
TRICKLE_HEADERS = b"HTTP/1.1 200 OK\r\nX-Slow: "


@pytest.fixture
def server():
    made = Server()
    yield made
    made.close()


@pytest.fixture
def other_server():
    made = Server()
    yield made
    made.close()


@pytest.fixture
def silent_port():
    """A port that accepts TCP connections (kernel backlog) and never answers."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    yield sock.getsockname()[1]
    sock.close()


@pytest.fixture
def closed_port():
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


FAKE_DNS = {"evil.example": "127.0.0.1", "internal.example": "127.0.0.1", "a.test": "127.0.0.1",
            "b.test": "127.0.0.1"}


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch):
    """Test names resolve to loopback; other names fail (no test reaches the internet)."""
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in FAKE_DNS:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (FAKE_DNS[host], int(port)))]
        if host == "localhost" or ":" in host or _is_inet_aton(host):
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, f"{host} is not a test name")

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def _is_inet_aton(host):
    try:
        socket.inet_aton(host)
    except OSError:
        return False
    return True


@pytest.fixture
def dev(settings):
    """Development settings: loopback federation allowed, http allowed, short deadlines."""
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = True
    settings.FEDIAMA_SCHEME = "http"
    settings.FEDIAMA_FETCH_TIMEOUT = 2
    return settings


@pytest.fixture
def guarded(settings):
    """The production guard (explicitly), with http allowed so the scheme is not what refuses."""
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = False
    settings.FEDIAMA_SCHEME = "http"
    settings.FEDIAMA_FETCH_TIMEOUT = 2
    return settings


@pytest.fixture(scope="module")
def keys():
    """A fresh RSA-2048 signer and its public key."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    return Signer(key_id="http://testserver/actor#main-key", private_key_pem=pem), public


# ---- the guard: hostile URLs are refused and nothing reaches the server -------------------------

HOSTILE = [
    "http://127.0.0.1:{port}/good",
    "http://127.1:{port}/good",
    "http://2130706433:{port}/good",
    "http://0x7f000001:{port}/good",
    "http://017700000001:{port}/good",
    "http://0x7f.1:{port}/good",
    "http://127.0.0.1.:{port}/good",
    "http://0:{port}/good",
    "http://[::1]:{port}/good",
    "http://[::ffff:127.0.0.1]:{port}/good",
    "http://[::ffff:7f00:1]:{port}/good",
    "http://[2002:7f00:1::]:{port}/good",
    "http://[64:ff9b::7f00:1]:{port}/good",
    "http://0.0.0.0:{port}/good",
    "http://[::]:{port}/good",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://10.0.0.1/",
    "http://172.16.0.1/",
    "http://100.64.0.1/",
    "http://192.168.1.1/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://255.255.255.255/",
    "http://240.0.0.1/",
    "http://192.0.2.1/",
    "http://[2001:db8::1]/",
    "http://[fc00::1]/",
    "http://localhost:{port}/good",
    "http://evil.example:{port}/good",
    "http://a@evil.example:{port}/good",
    "http://a:b@127.0.0.1:{port}/good",
    "http://evil.example\\@127.0.0.1:{port}/good",
    "http://127.0.0.1:{port}\\good",
    "http://%31%32%37.0.0.1:{port}/good",
    "http://127.0.0.1:{port}/go\nod",
    "http://evil.example\x00.com:{port}/good",
    "http://evil.example :{port}/good",
    "http://127.0.0.1:{port}/\tgood",
    "ftp://127.0.0.1:{port}/good",
    "file:///etc/passwd",
    "gopher://127.0.0.1:{port}/_GET%20/good",
    "javascript:alert(1)",
    "http://evil.example:99999/good",
    "http://evil.example:0/good",
    "http://evil.example:+80/good",
    "http:///good",
    "http://:{port}/good",
    "http://[::1/good",
    "http://exa\u200dmple.test/",
    "http://\u2603.example/",
    "http://xn--zz.example/",
    "http://256.0.0.1/",
]


@pytest.mark.parametrize("template", HOSTILE, ids=repr)
def test_hostile_url_is_refused_before_any_request(template, server, guarded):
    server.routes["/good"] = document({"id": "x"})
    with pytest.raises(UnsafeURL):
        fetch_json(template.replace("{port}", str(server.port)), signer=None)
    assert server.requests == []


def test_default_settings_refuse_loopback(server, settings):
    assert settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES is False  # not overridden: the shipped default
    server.routes["/good"] = document({"id": f"{server.base}/good"})
    with pytest.raises(UnsafeURL):
        fetch_json(f"{server.base}/good", signer=None)
    assert server.requests == []


@pytest.mark.parametrize("host", ["127.1", "2130706433", "0x7f.1", "017700000001", "localhost", "evil.example"])
def test_connect_level_guard_refuses_even_when_syntax_check_is_bypassed(host, server, guarded, monkeypatch):
    monkeypatch.setattr(netguard, "normalise_url", lambda url: url)
    server.routes["/good"] = document({"id": "x"})
    with pytest.raises(UnsafeURL, match="refused"):
        fetch_json(f"http://{host}:{server.port}/good", signer=None)
    assert server.requests == []


def test_http_is_refused_when_the_server_runs_https(server, dev):
    dev.FEDIAMA_SCHEME = "https"
    with pytest.raises(UnsafeURL, match="scheme"):
        fetch_json(f"{server.base}/good", signer=None)
    assert server.requests == []


def test_post_to_a_refused_address_is_a_result_not_an_exception(server, guarded, keys):
    result = post_activity(f"http://evil.example:{server.port}/inbox", b"{}", signer=keys[0])
    assert result.status is None and result.retry_after is None
    assert "refused" in result.error
    assert server.requests == []


@pytest.mark.parametrize(("url", "normalised"), [
    ("https://Example.COM:443/a/b?c=1#frag", "https://example.com/a/b?c=1"),
    ("https://example.com", "https://example.com/"),
    ("https://example.com:8443/x", "https://example.com:8443/x"),
    ("https://bücher.example/x", "https://xn--bcher-kva.example/x"),
    ("https://раypal.com/", "https://xn--ypal-43d9g.com/"),
    ("http://127.1:8000/x", "http://127.0.0.1:8000/x"),
    ("http://[0:0::1]:8000/", "http://[::1]:8000/"),
])
def test_check_url_normalises(url, normalised, dev):
    assert check_url(url) == normalised


def test_check_url_reads_the_setting_at_call_time(settings):
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = True
    assert check_url("http://127.1/") == "http://127.0.0.1/"
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = False
    with pytest.raises(UnsafeURL):
        check_url("http://127.1/")


@pytest.mark.parametrize("address", ["169.254.169.254", "fe80::1", "224.0.0.1", "0.0.0.0", "::", "fd00:ec2::254"])
def test_some_addresses_stay_refused_with_private_addresses_allowed(address):
    assert netguard.refusal(address, allow_private=True) is not None


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "::1", "fd12::1", "::ffff:192.168.0.1"])
def test_private_addresses_are_allowed_only_with_the_flag(address):
    assert netguard.refusal(address, allow_private=True) is None
    assert netguard.refusal(address, allow_private=False) is not None


@pytest.mark.parametrize("address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "::ffff:93.184.216.34"])
def test_public_addresses_are_allowed(address):
    assert netguard.refusal(address, allow_private=False) is None


# ---- GET ----------------------------------------------------------------------------------------

def test_fetch_returns_the_document_with_as2_accept(server, dev):
    doc = {"id": f"{server.base}/good", "type": "Note"}
    server.routes["/good"] = document(doc)
    assert fetch_json(f"{server.base}/good", signer=None) == doc
    (received,) = server.requests
    assert received.headers["accept"] == AS2_ACCEPT
    assert received.headers["user-agent"].startswith("fediama/")
    assert "signature" not in received.headers


def test_fetch_signs_host_date_and_request_target(server, dev, keys):
    signer, public = keys
    server.routes["/good?page=1"] = document({"id": f"{server.base}/good?page=1"})
    fetch_json(f"{server.base}/good?page=1", signer=signer)
    (received,) = server.requests
    assert 'headers="(request-target) host date"' in received.headers["signature"]
    assert received.headers["host"] == f"127.0.0.1:{server.port}"
    signatures.verify_request(method="GET", path="/good", query="page=1", headers=received.headers, body=b"",
                              public_key_pem=public)


@pytest.mark.parametrize("content_type", [
    AS2, 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"', "application/ld+json",
    "application/json; charset=utf-8", "Application/Activity+JSON",
])
def test_fetch_accepts_as2_content_types(content_type, server, dev):
    server.routes["/good"] = document({"id": f"{server.base}/good"}, content_type)
    assert fetch_json(f"{server.base}/good", signer=None)["id"] == f"{server.base}/good"


@pytest.mark.parametrize(("route", "message"), [
    (respond(200, b"<html></html>", "text/html"), "not an ActivityStreams document"),
    (respond(200, b'{"id": "x"}', None), "not an ActivityStreams document"),
    (respond(200, b"[1, 2]"), "expected a JSON object"),
    (respond(200, b'"text"'), "expected a JSON object"),
    (respond(200, b"{not json"), "invalid JSON"),
    (respond(200, b"{}"), "no id"),
])
def test_fetch_refuses_bad_documents(route, message, server, dev):
    server.routes["/doc"] = route
    with pytest.raises(FetchError, match=message):
        fetch_json(f"{server.base}/doc", signer=None)


@pytest.mark.parametrize("status", [404, 410, 500, 401])
def test_fetch_error_carries_the_status(status, server, dev):
    server.routes["/doc"] = respond(status, b"{}")
    with pytest.raises(FetchError) as caught:
        fetch_json(f"{server.base}/doc", signer=None)
    assert caught.value.status == status
    assert not isinstance(caught.value, UnsafeURL)


def test_fetch_refuses_a_declared_two_mib_body(server, dev):
    server.routes["/big"] = respond(200, b"{" + b" " * (2 * MIB) + b"}")
    with pytest.raises(FetchError, match="larger than"):
        fetch_json(f"{server.base}/big", signer=None)


def test_fetch_stops_reading_an_undeclared_two_mib_body_at_the_cap(server, dev):
    server.routes["/big"] = undeclared(2 * MIB)
    with pytest.raises(FetchError, match="larger than 1048576 bytes"):
        fetch_json(f"{server.base}/big", signer=None)


def test_body_cap_boundary(server, dev):
    dev.FEDIAMA_MAX_BODY_BYTES = 1000
    doc = json.dumps({"id": f"{server.base}/at-cap", "pad": ""}).encode()
    server.routes["/at-cap"] = respond(200, doc[:-2] + b"x" * (1000 - len(doc)) + b'"}')
    server.routes["/over-cap"] = undeclared(1001)
    assert fetch_json(f"{server.base}/at-cap", signer=None)["id"] == f"{server.base}/at-cap"
    with pytest.raises(FetchError, match="larger than 1000 bytes"):
        fetch_json(f"{server.base}/over-cap", signer=None)


@pytest.mark.parametrize("hops", [1, 2])
def test_fetch_follows_up_to_two_redirects(hops, server, dev):
    server.routes["/good"] = document({"id": f"{server.base}/good"})
    server.routes["/hop1"] = redirect(f"{server.base}/good", 301)
    server.routes["/hop2"] = redirect("/hop1", 307)  # relative Location
    assert fetch_json(f"{server.base}/hop{hops}", signer=None)["id"] == f"{server.base}/good"
    assert len(server.requests) == hops + 1


def test_fetch_refuses_a_third_redirect(server, dev):
    server.routes["/good"] = document({"id": f"{server.base}/good"})
    server.routes["/hop1"] = redirect("/good")
    server.routes["/hop2"] = redirect("/hop1")
    server.routes["/hop3"] = redirect("/hop2")
    with pytest.raises(FetchError, match="redirects"):
        fetch_json(f"{server.base}/hop3", signer=None)
    assert server.paths() == ["/hop3", "/hop2", "/hop1"]


@pytest.mark.parametrize("target", [
    "http://127.0.0.1:{internal}/good", "http://internal.example:{internal}/good",
    "http://[::ffff:127.0.0.1]:{internal}/good", "file:///etc/passwd",
])
def test_redirect_to_a_private_address_is_refused(target, server, guarded, monkeypatch):
    """A 'public' server (127.0.0.2, declared public for this test) redirects to a private one."""
    public = Server("127.0.0.2")
    real_refusal = netguard.refusal
    monkeypatch.setattr(netguard, "refusal",
                        lambda ip, *, allow_private: None if ip == "127.0.0.2" else real_refusal(
                            ip, allow_private=allow_private))
    try:
        server.routes["/good"] = document({"id": "x"})
        public.routes["/moved"] = redirect(target.replace("{internal}", str(server.port)))
        with pytest.raises(UnsafeURL):
            fetch_json(f"{public.base}/moved", signer=None)
        assert public.paths() == ["/moved"]
        assert server.requests == []
    finally:
        public.close()


def test_cross_host_redirect_never_carries_the_first_hosts_signature(server, other_server, dev, keys):
    signer, public = keys
    target = f"http://b.test:{other_server.port}/doc"
    server.routes["/moved"] = redirect(target)
    other_server.routes["/doc"] = document({"id": target})
    assert fetch_json(f"http://a.test:{server.port}/moved", signer=signer)["id"] == target
    (first,), (second,) = server.requests, other_server.requests
    assert first.headers["host"] == f"a.test:{server.port}"
    assert second.headers["host"] == f"b.test:{other_server.port}"
    assert second.headers["signature"] != first.headers["signature"]
    signatures.verify_request(method="GET", path="/doc", query="", headers=second.headers, body=b"",
                              public_key_pem=public)
    with pytest.raises(signatures.SignatureError):
        signatures.verify_request(method="GET", path="/doc", query="",
                                  headers={**second.headers, "signature": first.headers["signature"]},
                                  body=b"", public_key_pem=public)


def test_fetch_refetches_once_by_id_when_the_id_differs(server, dev):
    server.routes["/alias"] = document({"id": f"{server.base}/good", "type": "Note", "content": "stale"})
    server.routes["/good"] = document({"id": f"{server.base}/good", "type": "Note", "content": "real"})
    assert fetch_json(f"{server.base}/alias", signer=None)["content"] == "real"
    assert server.paths() == ["/alias", "/good"]


def test_fetch_fails_when_the_refetched_id_differs_again(server, dev):
    server.routes["/liar"] = document({"id": f"{server.base}/other"})
    server.routes["/other"] = document({"id": f"{server.base}/third"})
    server.routes["/third"] = document({"id": f"{server.base}/third"})
    with pytest.raises(FetchError, match="does not match"):
        fetch_json(f"{server.base}/liar", signer=None)
    assert server.paths() == ["/liar", "/other"]


def test_same_origin_redirect_may_keep_the_requested_id(server, dev):
    server.routes["/users/bob"] = redirect("/users/bob/")
    server.routes["/users/bob/"] = document({"id": f"{server.base}/users/bob"})
    assert fetch_json(f"{server.base}/users/bob", signer=None)["id"] == f"{server.base}/users/bob"
    assert server.paths() == ["/users/bob", "/users/bob/"]


def test_another_origin_cannot_vouch_for_the_requested_id(server, other_server, dev):
    """a.test redirects (an open redirect) to b.test, which claims to serve a.test's object."""
    forged = f"http://a.test:{server.port}/open-redirect"
    server.routes["/open-redirect"] = redirect(f"http://b.test:{other_server.port}/forged")
    other_server.routes["/forged"] = document({"id": forged, "type": "Note"})
    with pytest.raises(FetchError, match="does not match"):
        fetch_json(forged, signer=None)
    assert server.paths() == ["/open-redirect", "/open-redirect"]


def test_fetch_refetch_by_id_passes_the_guard(server, guarded, monkeypatch):
    public = Server("127.0.0.2")
    real_refusal = netguard.refusal
    monkeypatch.setattr(netguard, "refusal",
                        lambda ip, *, allow_private: None if ip == "127.0.0.2" else real_refusal(
                            ip, allow_private=allow_private))
    try:
        public.routes["/doc"] = document({"id": f"http://internal.example:{server.port}/good"})
        server.routes["/good"] = document({"id": f"http://internal.example:{server.port}/good"})
        with pytest.raises(UnsafeURL):
            fetch_json(f"{public.base}/doc", signer=None)
        assert server.requests == []
    finally:
        public.close()


@pytest.mark.parametrize("head", [TRICKLE_BODY, TRICKLE_HEADERS], ids=["body", "headers"])
def test_fetch_cuts_off_a_trickling_server_at_the_deadline(head, server, dev):
    dev.FEDIAMA_FETCH_TIMEOUT = 1
    server.routes["/slow"] = trickle(head)
    started = time.monotonic()
    with pytest.raises(FetchError, match="timeout after 1s"):
        fetch_json(f"{server.base}/slow", signer=None)
    assert time.monotonic() - started < 1 + 3


def test_fetch_times_out_on_a_server_that_never_answers(silent_port, dev):
    dev.FEDIAMA_FETCH_TIMEOUT = 1
    started = time.monotonic()
    with pytest.raises(FetchError, match="timeout after 1s"):
        fetch_json(f"http://127.0.0.1:{silent_port}/", signer=None)
    assert time.monotonic() - started < 1 + 3


def test_fetch_connection_refused(closed_port, dev):
    with pytest.raises(FetchError, match="connection failed") as caught:
        fetch_json(f"http://127.0.0.1:{closed_port}/", signer=None)
    assert caught.value.status is None


def test_fetch_unknown_name(dev):
    with pytest.raises(FetchError, match="DNS"):
        fetch_json("http://unknown.invalid/", signer=None)


# ---- POST ---------------------------------------------------------------------------------------

def test_post_202_is_success_and_carries_signed_headers(server, dev, keys):
    signer, public = keys
    body = b'{"type": "Create"}'
    server.routes["/inbox"] = respond(202, b"", "text/plain")
    result = post_activity(f"{server.base}/inbox", body, signer=signer)
    assert (result.status, result.retry_after, result.error) == (202, None, "")
    (received,) = server.requests
    headers = received.headers
    assert received.method == "POST" and received.body == body
    assert {"signature", "digest", "date"} <= set(headers)
    assert headers["content-type"] == "application/activity+json"
    assert headers["user-agent"].startswith("fediama/")
    assert headers["digest"] == "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode()
    signatures.verify_request(method="POST", path="/inbox", query="", headers=headers, body=body,
                              public_key_pem=public)


def test_post_signs_at_call_time(server, dev, keys, monkeypatch):
    server.routes["/inbox"] = respond(202)
    calls = []
    real = signatures.sign_cavage
    monkeypatch.setattr(signatures, "sign_cavage", lambda **kwargs: calls.append(kwargs) or real(**kwargs))
    post_activity(f"{server.base}/inbox", b"{}", signer=keys[0])
    post_activity(f"{server.base}/inbox", b'{"a": 1}', signer=keys[0])
    assert [call["body"] for call in calls] == [b"{}", b'{"a": 1}']
    assert [r.headers["digest"] for r in server.requests] == [
        "SHA-256=" + base64.b64encode(hashlib.sha256(b).digest()).decode() for b in (b"{}", b'{"a": 1}')]


def test_post_with_rfc9421(server, dev, keys):
    signer, public = keys
    server.routes["/inbox"] = respond(202)
    assert post_activity(f"{server.base}/inbox", b"{}", signer=signer, scheme="rfc9421").status == 202
    (received,) = server.requests
    assert "signature-input" in received.headers
    signatures.verify_request(method="POST", path="/inbox", query="", headers=received.headers, body=b"{}",
                              public_key_pem=public, scheme="http")


def test_post_500_reports_status_and_body_start(server, dev, keys):
    server.routes["/inbox"] = respond(500, b"boom\n  " * 100, "text/plain")
    result = post_activity(f"{server.base}/inbox", b"{}", signer=keys[0])
    assert result.status == 500
    assert result.error.startswith("HTTP 500: boom boom")
    assert len(result.error) <= len("HTTP 500: ") + 200


def test_post_429_retry_after_seconds(server, dev, keys):
    server.routes["/inbox"] = respond(429, b"slow down", "text/plain", [("Retry-After", "120")])
    result = post_activity(f"{server.base}/inbox", b"{}", signer=keys[0])
    assert (result.status, result.retry_after) == (429, 120)
    assert result.error == "HTTP 429: slow down"


def test_post_503_retry_after_http_date(server, dev, keys):
    server.routes["/inbox"] = respond(503, b"", "text/plain",
                                      [("Retry-After", formatdate(time.time() + 120, usegmt=True))])
    result = post_activity(f"{server.base}/inbox", b"{}", signer=keys[0])
    assert result.status == 503
    assert 115 <= result.retry_after <= 121


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("", None), ("soon", None), ("0", 0.0),
                                                 ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_parse_retry_after(value, expected):
    assert http.parse_retry_after(value) == expected


def test_post_does_not_follow_redirects(server, other_server, dev, keys):
    server.routes["/inbox"] = redirect(f"{other_server.base}/inbox", 307)
    result = post_activity(f"{server.base}/inbox", b"{}", signer=keys[0])
    assert result.status == 307 and "redirect" in result.error
    assert other_server.requests == []


def test_post_connection_refused(closed_port, dev, keys):
    result = post_activity(f"http://127.0.0.1:{closed_port}/inbox", b"{}", signer=keys[0])
    assert result.status is None and result.retry_after is None
    assert "connection failed" in result.error


def test_post_times_out_on_a_server_that_never_answers(silent_port, dev, keys):
    started = time.monotonic()
    result = post_activity(f"http://127.0.0.1:{silent_port}/inbox", b"{}", signer=keys[0], timeout=1)
    assert result.status is None
    assert result.error == "timeout after 1s"
    assert time.monotonic() - started < 1 + 3


def test_post_uses_the_delivery_timeout_setting(silent_port, dev, keys):
    dev.FEDIAMA_DELIVERY_TIMEOUT = 0.5
    started = time.monotonic()
    result = post_activity(f"http://127.0.0.1:{silent_port}/inbox", b"{}", signer=keys[0])
    assert result.error == "timeout after 0.5s"
    assert time.monotonic() - started < 0.5 + 3


def test_post_error_body_read_is_bounded_by_the_deadline(server, dev, keys):
    server.routes["/inbox"] = trickle(b"HTTP/1.1 500 Oops\r\nContent-Length: 100000\r\n\r\nerr")
    started = time.monotonic()
    result = post_activity(f"{server.base}/inbox", b"{}", signer=keys[0], timeout=1)
    assert result.status == 500 and "timeout after 1s" in result.error
    assert time.monotonic() - started < 1 + 3


# ---- TLS: the connection goes to the checked address, SNI and the certificate use the hostname ---

@pytest.fixture
def tls_server(tmp_path):
    """An HTTPS server with a self-signed certificate for a.test; records the SNI names it sees."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "a.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("a.test")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    made = Server()
    made.sni = []
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    context.sni_callback = lambda sock, server_name, ctx: made.sni.append(server_name)
    made.httpd.socket = context.wrap_socket(made.httpd.socket, server_side=True)
    made.cafile = str(cert_file)
    yield made
    made.close()


def test_https_keeps_the_hostname_for_sni_and_certificate(tls_server, dev, monkeypatch):
    dev.FEDIAMA_SCHEME = "https"

    class TrustingTestCA(http.requests.Session):
        def __init__(self):
            super().__init__()
            self.verify = tls_server.cafile

    monkeypatch.setattr(http.requests, "Session", TrustingTestCA)
    url = f"https://a.test:{tls_server.port}/doc"
    tls_server.routes["/doc"] = document({"id": url})
    assert fetch_json(url, signer=None)["id"] == url
    assert tls_server.sni == ["a.test"]
    assert tls_server.requests[0].headers["host"] == f"a.test:{tls_server.port}"
    with pytest.raises(FetchError, match="TLS error"):  # b.test resolves to the same address: wrong name
        fetch_json(f"https://b.test:{tls_server.port}/doc", signer=None)
    assert len(tls_server.requests) == 1


def test_post_on_a_kept_alive_connection_the_server_dropped_is_sent_again_once(dev, keys):
    """Servers close idle kept-alive connections; one closed just as we sent on it is not a failed delivery."""
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    answered, connections = [], []

    def read_request(conn) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return b""
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = int(next((line.split(b":")[1] for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length")), b"0"))
        while len(body) < length:
            body += conn.recv(65536)
        return head

    def serve():
        try:
            while len(answered) < 2:
                conn, _ = listener.accept()
                connections.append(conn)
                if read_request(conn):
                    answered.append(conn)
                    conn.sendall(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n")  # and keeps it open
                if read_request(conn):  # a second request on the same connection: dropped unanswered
                    conn.close()
        except OSError:  # the test closed the listener and its connections: the server ends
            return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/inbox"
    try:
        assert post_activity(url, b"{}", signer=keys[0]).status == 202
        result = post_activity(url, b"{}", signer=keys[0])
        assert (result.status, result.error) == (202, "")
        assert len(connections) == 2  # the second POST was sent again on a new connection
    finally:
        listener.close()
        for conn in connections:
            conn.close()


def test_a_server_that_drops_every_connection_gets_two_tries_then_a_failed_delivery(dev, keys):
    import socket
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(5)
    accepted = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            accepted.append(conn)
            conn.recv(65536)
            conn.close()  # the request read, never answered

    threading.Thread(target=serve, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/inbox"
    try:
        result = post_activity(url, b"{}", signer=keys[0])
        assert result.status is None and "connection failed" in result.error
        assert len(accepted) == 2  # once more on a new connection, and no more than that
        with pytest.raises(FetchError, match="connection failed"):
            fetch_json(url, signer=None)  # a fetch has no kept-alive connection to lose: one try
        assert len(accepted) == 3
    finally:
        listener.close()
        for conn in accepted:
            conn.close()


def test_conditional_refetches_reuse_the_threads_connection_and_keep_no_cookie(server, dev, keys):
    """The remote tallies refetch the same origins again and again: one kept-alive connection per origin and
    thread, and a cookie an origin sets is never sent back (nor to anyone else)."""
    note = {"id": server.base + "/notes/1", "type": "Note"}
    seen_from = []

    def note_with_cookie(handler):
        seen_from.append(handler.client_address)
        respond(200, json.dumps(note).encode(), AS2, [("ETag", '"v1"'), ("Set-Cookie", "track=me; Path=/")])(handler)

    server.routes["/notes/1"] = note_with_cookie
    first = http.fetch_json_if_changed(note["id"], signer=keys[0])
    second = http.fetch_json_if_changed(note["id"], signer=keys[0], etag=first.etag)

    assert first.document == second.document == note and first.etag == '"v1"'
    assert len(seen_from) == 2 and seen_from[0] == seen_from[1]  # the same client port: the same connection
    assert [received.headers.get("cookie") for received in server.requests] == [None, None]
    assert server.requests[1].headers["if-none-match"] == '"v1"'
