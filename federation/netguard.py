"""The guard under federation.http: URL syntax, addresses at the socket-connect level, and the
whole-request deadline.

The address check is made on the address actually connected to, after DNS resolution, so spellings of an
address (``127.1``, ``0x7f.1``, ``[::ffff:127.0.0.1]``) and names resolving to private addresses
(DNS rebinding) are refused the same way. The original hostname is kept for TLS SNI, certificate
checks and the Host header: only ``_new_conn`` (resolve + connect) is replaced.
"""

import functools
import ipaddress
import math
import re
import socket
import threading
import unicodedata
from urllib.parse import urlsplit

import idna
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError

from .deadlines import Deadline

# Cloud metadata endpoints, refused even when private addresses are allowed (AWS/GCP/Azure/OCI,
# AWS over IPv6, Alibaba). Link-local as a whole is refused always too, see refusal().
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200",
))
DEFAULT_PORTS = {"http": 80, "https": 443}
_HOST_LABEL = re.compile(r"^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$")
_NUMBER = re.compile(r"^(0[xX][0-9a-fA-F]*|[0-9]+)$")
NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))


class Refused(Exception):
    """A URL or address refused by the guard; federation.http turns it into UnsafeURL."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries: mapped, 6to4, Teredo client, NAT64."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if any(address in network for network in NAT64_NETWORKS):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _never_allowed(address) -> bool:
    """Refused whatever the setting: nobody federates over these."""
    if address.is_multicast or address.is_unspecified or address.is_link_local:
        return True
    if address in METADATA_ADDRESSES:
        return True
    return isinstance(address, ipaddress.IPv4Address) and address == ipaddress.IPv4Address("255.255.255.255")


def _not_public(address) -> bool:
    if not address.is_global:
        return True
    if address.is_private or address.is_loopback or address.is_reserved:
        return True
    return isinstance(address, ipaddress.IPv6Address) and address.is_site_local


def refusal(ip: str, *, allow_private: bool) -> str | None:
    """Why connecting to ``ip`` is refused, or None when it is allowed.

    Decision: with FEDIAMA_ALLOW_PRIVATE_ADDRESSES on (development, tests federating over loopback,
    docker networks) loopback, private, CGNAT, unique-local and reserved addresses are allowed, but
    multicast, unspecified, broadcast, link-local (fe80::/10, 169.254/16) and cloud metadata
    addresses stay refused: nobody federates over those, and the metadata service is the prize of
    every SSRF. The flag cannot be on in production (config/env.py refuses to start).
    """
    try:
        address = ipaddress.ip_address(ip.split("%", 1)[0])
    except ValueError:
        return f"{ip!r} is not an IP address"
    candidates = [address]
    if isinstance(address, ipaddress.IPv6Address) and (inner := _embedded_ipv4(address)) is not None:
        # A mapped address is its IPv4 address; other embeddings must pass as both.
        candidates = [inner] if address.ipv4_mapped else [address, inner]
    for candidate in candidates:
        if _never_allowed(candidate) or (not allow_private and _not_public(candidate)):
            return f"address {address} is not a public address"
    return None


def allow_private() -> bool:
    return bool(settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES)


# ---- URL syntax, before any network --------------------------------------------------------------

def _refuse_characters(url: str) -> None:
    if "\\" in url:
        raise Refused("backslash in URL")
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        raise Refused("control character or whitespace in URL")


def _split_netloc(netloc: str) -> tuple[str, int | None]:
    if not netloc:
        raise Refused("URL has no host")
    if "@" in netloc:
        raise Refused("userinfo in URL")
    if "%" in netloc:
        raise Refused("percent-encoding in host")
    if netloc.startswith("["):
        host, bracket, rest = netloc[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise Refused("malformed IPv6 host")
        return "[" + host + "]", _port(rest[1:]) if rest else None
    host, colon, port = netloc.rpartition(":") if ":" in netloc else (netloc, "", "")
    if ":" in host:
        raise Refused("malformed host")
    return host, _port(port) if colon else None


def _port(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 65535:
        raise Refused(f"invalid port {text[:10]!r}")
    return int(text)


def _ipv4_number(host: str) -> str | None:
    """WHATWG IPv4 parsing: '127.1', '2130706433', '0x7f.1', '017700000001' are all 127.0.0.1."""
    parts = host.split(".")
    if parts[-1] == "" and len(parts) > 1:
        parts.pop()
    if not _NUMBER.match(parts[-1]):
        return None
    if len(parts) > 4 or not all(_NUMBER.match(part) for part in parts):
        raise Refused("invalid IPv4 host")
    numbers = [_parse_number(part) for part in parts]
    if any(number > 255 for number in numbers[:-1]) or numbers[-1] >= 256 ** (5 - len(numbers)):
        raise Refused("invalid IPv4 host")
    value = numbers[-1] + sum(number << (8 * (3 - index)) for index, number in enumerate(numbers[:-1]))
    return ".".join(str((value >> shift) & 0xFF) for shift in (24, 16, 8, 0))


def _parse_number(part: str) -> int:
    if part[:2].lower() == "0x":
        return int(part[2:] or "0", 16)
    if len(part) > 1 and part.startswith("0"):
        if not set(part) <= set("01234567"):
            raise Refused("invalid IPv4 host")
        return int(part, 8)
    return int(part)


def _refuse_literal(address: str) -> None:
    reason = refusal(address, allow_private=allow_private())
    if reason:
        raise Refused(reason)


def _normalise_host(host: str) -> str:
    if host.startswith("["):
        try:
            address = ipaddress.IPv6Address(host[1:-1])
        except ValueError as error:
            raise Refused("invalid IPv6 host") from error
        _refuse_literal(str(address))
        return f"[{address.compressed}]"
    host = host.lower()
    if host.endswith(".") and len(host) > 1:
        host = host[:-1]
    if (dotted := _ipv4_number(host)) is not None:
        _refuse_literal(dotted)
        return dotted
    return _dns_name(host)


def _dns_name(host: str) -> str:
    if not host.isascii() or "xn--" in host:
        try:
            host = idna.encode(host, uts46=True).decode("ascii")
        except (idna.IDNAError, UnicodeError) as error:
            raise Refused("invalid internationalised host") from error
    if not host or len(host) > 253 or not all(_HOST_LABEL.match(label) for label in host.split(".")):
        raise Refused(f"invalid host {host[:60]!r}")
    return host


def normalise_url(url: str) -> str:
    """See federation.http.check_url; raises Refused."""
    if not isinstance(url, str) or not url:
        raise Refused("empty URL")
    _refuse_characters(url)
    try:
        parts = urlsplit(url)
    except ValueError as error:
        raise Refused("malformed URL") from error
    allowed = {"https", "http"} if settings.FEDIAMA_SCHEME == "http" else {"https"}
    if parts.scheme not in allowed:
        raise Refused(f"scheme {parts.scheme[:10]!r} not allowed")
    host, port = _split_netloc(parts.netloc)
    host = _normalise_host(host)
    netloc = host if port in (None, DEFAULT_PORTS[parts.scheme]) else f"{host}:{port}"
    query = f"?{parts.query}" if parts.query else ""
    return f"{parts.scheme}://{netloc}{parts.path or '/'}{query}"


def _numeric(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
        return True
    except ValueError:
        return False


def _resolve(host: str, port: int, timeout: float) -> list:
    """getaddrinfo bounded by the deadline (a slow resolver cannot hold the request past it).

    An IP literal needs no resolver: it is answered in place, without the lookup thread."""
    if _numeric(host):
        return socket.getaddrinfo(host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_NUMERICHOST)
    box: dict = {}

    def run():
        try:
            box["infos"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except OSError as error:
            box["error"] = error

    worker = threading.Thread(target=run, name="fediama-dns", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        raise TimeoutError(f"DNS lookup of {host} timed out")
    if "error" in box:
        raise box["error"]
    return box["infos"]


class _GuardedConnectionMixin:
    """Replaces urllib3's resolve-and-connect with one that refuses non-public addresses."""

    def __init__(self, *args, deadline, **kwargs):
        self._deadline_of = deadline if callable(deadline) else (lambda: deadline)
        super().__init__(*args, **kwargs)

    @property
    def _deadline(self) -> Deadline | None:
        """The deadline of the request in progress (a pooled connection serves many requests)."""
        return self._deadline_of()

    def request(self, *args, **kwargs):
        if self.sock is not None:  # a kept-alive connection: the new request's deadline watches it
            self._deadline.watch(self, self.sock)
        return super().request(*args, **kwargs)

    def _socket_timeout(self) -> float:
        configured = self.timeout if isinstance(self.timeout, int | float) else math.inf
        return max(0.001, min(self._deadline.remaining(), configured))

    def _new_conn(self) -> socket.socket:
        if self._deadline.expired:
            raise ConnectTimeoutError(self, "deadline passed before connecting")
        try:
            infos = _resolve(self._dns_host, self.port, self._socket_timeout())
        except socket.gaierror as error:
            raise NameResolutionError(self.host, self, error) from error
        except TimeoutError as error:
            raise ConnectTimeoutError(self, str(error)) from error
        allowed = [info for info in infos if refusal(info[4][0], allow_private=allow_private()) is None]
        if not allowed:
            addresses = ", ".join(sorted({info[4][0] for info in infos}))
            raise Refused(f"{self.host} resolves only to refused addresses ({addresses})")
        return self._connect_first(allowed)

    def _connect_first(self, infos: list) -> socket.socket:
        last_error: OSError | None = None
        for family, kind, proto, _canonical, sockaddr in infos:
            sock = socket.socket(family, kind, proto)
            try:
                for option in self.socket_options or ():
                    sock.setsockopt(*option)
                sock.settimeout(self._socket_timeout())
                self._deadline.watch(self, sock)
                sock.connect(sockaddr)
                return sock
            except OSError as error:
                self._deadline.forget(self)
                sock.close()
                last_error = error
        if isinstance(last_error, TimeoutError) or self._deadline.expired:
            raise ConnectTimeoutError(self, f"connection to {self.host} timed out") from last_error
        raise NewConnectionError(self, f"connection failed: {last_error}") from last_error

    def close(self) -> None:
        deadline = self._deadline  # None when a pooled connection is closed from another thread (finalizer)
        if deadline is not None:
            deadline.forget(self)
        super().close()


class GuardedHTTPConnection(_GuardedConnectionMixin, HTTPConnection):
    pass


class GuardedHTTPSConnection(_GuardedConnectionMixin, HTTPSConnection):
    pass


class _GuardedHTTPPool(HTTPConnectionPool):
    ConnectionCls = GuardedHTTPConnection


class _GuardedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = GuardedHTTPSConnection


class GuardedAdapter(HTTPAdapter):
    """A requests adapter whose connections pass the guard and share one Deadline, or, for a session
    reused across requests, a callable returning the deadline of the request in progress.

    Extra pool keyword arguments reach the connection class (urllib3 passes them as conn_kw).
    """

    def __init__(self, deadline):
        self.deadline = deadline
        super().__init__(max_retries=0)

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": functools.partial(_GuardedHTTPPool, deadline=self.deadline),
            "https": functools.partial(_GuardedHTTPSPool, deadline=self.deadline),
        }
