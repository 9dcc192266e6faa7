"""The one outbound HTTP client of the server: signed AS2 GETs and signed activity POSTs.

Every request passes check_url (syntax, before any network) and the connect-level address guard
in federation.netguard (after DNS), and runs under a whole-request deadline. Proxies, .netrc and
other environment settings are ignored (``trust_env = False``): a proxy would bypass the guard.
"""

import email.utils
import http.client
import http.cookiejar
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import requests
from django.conf import settings

from . import netguard, signatures, strictjson

AS2_ACCEPT = 'application/activity+json, application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
AS2_CONTENT_TYPES = frozenset({"application/activity+json", "application/ld+json", "application/json"})
AS2_POST_TYPE = "application/activity+json"
MAX_REDIRECTS = 2
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
ERROR_SNIPPET_CHARS = 200
DRAIN_LIMIT = 4096


class FetchError(Exception):
    def __init__(self, reason: str, status: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.status = status

    @property
    def transient(self) -> bool:
        """Worth another try later: the server was not reached or did not answer in time, or answered
        408, 429 or 5xx. Anything else (404, 410, other 4xx, a document we refuse) is final."""
        return isinstance(self, NetworkError) or self.status in (408, 429) or (self.status or 0) >= 500


class NetworkError(FetchError):
    """Connection refused or reset, DNS lookup or TLS failed, or the deadline passed."""


class UnsafeURL(FetchError):
    """The URL, or the address it resolves to, is refused by the guard."""


@dataclass(frozen=True)
class Signer:
    key_id: str
    private_key_pem: str


@dataclass
class PostResult:
    status: int | None
    retry_after: float | None
    error: str


def user_agent() -> str:
    return f"fediama/{settings.FEDIAMA_VERSION} (+{settings.FEDIAMA_SCHEME}://{settings.FEDIAMA_DOMAIN}/)"


def check_url(url: str) -> str:
    """The normalised URL (lower-case scheme and host, punycode, no default port, no fragment).

    Raises UnsafeURL for anything but http(s) URLs with a plain host; http only in development.
    Literal addresses are checked here too; names are checked after resolution, at connect time.
    """
    try:
        return netguard.normalise_url(url)
    except netguard.Refused as error:
        raise UnsafeURL(str(error)) from error


# ---- transport ----------------------------------------------------------------------------------

def _timeout_reason(deadline: netguard.Deadline) -> str:
    return f"timeout after {deadline.seconds:g}s"


def _causes(error: BaseException):
    """The error and those it wraps, outermost first: requests and urllib3 keep the one inside in `reason`,
    `__cause__` or among their `args`."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        yield error
        inside = (getattr(error, "reason", None), error.__cause__, *error.args)
        error = next((item for item in inside if isinstance(item, BaseException)), None)


def _root_cause(error: BaseException) -> BaseException:
    *_, root = _causes(error)
    return root


def _network_error(error: Exception, deadline: netguard.Deadline) -> FetchError:
    if deadline.expired or isinstance(error, requests.Timeout):
        return NetworkError(_timeout_reason(deadline))
    if isinstance(error, requests.exceptions.SSLError):
        return NetworkError(f"TLS error: {str(_root_cause(error))[:120]}")
    root = _root_cause(error)
    if "NameResolution" in type(root).__name__ or "gaierror" in type(root).__name__:
        return NetworkError("DNS lookup failed")
    text = getattr(root, "strerror", None) or str(root) or type(root).__name__
    return NetworkError(f"connection failed: {text[:120]}")


def _new_session(deadline) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.cookies.set_policy(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))  # no server's cookie kept
    adapter = netguard.GuardedAdapter(deadline)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    return session


_thread = threading.local()


def _pooled_session() -> requests.Session:
    """This thread's session for POSTs and conditional refetches, built once: its connections are pooled per
    host, and its adapter reads the deadline of the request in progress from the thread."""
    session = getattr(_thread, "session", None)
    if session is None:
        session = _thread.session = _new_session(lambda: getattr(_thread, "deadline", None))
    return session


# How a server's close of an idle kept-alive connection shows when we had just sent on it. Inboxes
# deduplicate by activity id, so sending the same POST again is harmless; a GET is harmless anyway.
_DROPPED = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError, ConnectionAbortedError)


class _Client:
    """One request's deadline, and a session of its own (closed with it) or this thread's pooled one."""

    def __init__(self, seconds: float, *, pooled: bool = False):
        self.deadline = netguard.Deadline(seconds)
        self.pooled = pooled
        self.session = _pooled_session() if pooled else _new_session(self.deadline)

    def __enter__(self):
        if self.pooled:
            _thread.deadline = self.deadline
        self.deadline.__enter__()
        return self

    def __exit__(self, *exc_info):
        if not self.pooled:
            self.session.close()
        self.deadline.__exit__(*exc_info)

    def send(self, method: str, url: str, headers: dict, body: bytes | None = None) -> requests.Response:
        for first_try in (True, False):
            remaining = self.deadline.remaining()
            if remaining <= 0:
                raise NetworkError(_timeout_reason(self.deadline))
            try:
                response = self.session.request(method, url, headers=headers, data=body, stream=True,
                                                allow_redirects=False, timeout=(remaining, remaining))
                break
            except netguard.Refused as error:
                raise UnsafeURL(str(error)) from error
            except (requests.RequestException, OSError) as error:
                if first_try and self.pooled and isinstance(_root_cause(error), _DROPPED):
                    continue  # a kept-alive connection the server closed meanwhile: once more, on a new one
                raise _network_error(error, self.deadline) from error
        if self.deadline.expired:  # the headers may have been cut short by the shutdown
            response.close()
            raise NetworkError(_timeout_reason(self.deadline))
        return response

    def read(self, response: requests.Response, limit: int, *, truncate: bool = False) -> bytes:
        """At most ``limit`` bytes of the (decoded) body, FetchError past the deadline.

        A longer body is a FetchError too, or cut at ``limit`` with ``truncate``.
        """
        declared = response.headers.get("Content-Length", "")
        if not truncate and declared.isdigit() and int(declared) > limit:
            raise FetchError(f"body larger than {limit} bytes", response.status_code)
        chunks, size = [], 0
        try:
            for chunk in response.iter_content(chunk_size=min(limit + 1, 16384)):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit and not truncate:
                    raise FetchError(f"body larger than {limit} bytes", response.status_code)
                if (truncate and size >= limit) or self.deadline.expired:
                    break
        except (requests.RequestException, OSError) as error:
            raise _network_error(error, self.deadline) from error
        if self.deadline.expired:
            raise NetworkError(_timeout_reason(self.deadline), response.status_code)
        return b"".join(chunks)[:limit]


# ---- GET ----------------------------------------------------------------------------------------

def _get_headers(url: str, signer: Signer | None, accept: str = AS2_ACCEPT) -> dict:
    headers = {"Accept": accept, "User-Agent": user_agent()}
    if signer is None:
        return headers
    signed = signatures.sign_cavage(method="GET", url=url, headers=dict(headers), body=None,
                                    key_id=signer.key_id, private_key_pem=signer.private_key_pem)
    return {**headers, **signed}


def _get_following_redirects(client: _Client, url: str, signer: Signer | None,
                             accept: str = AS2_ACCEPT, conditions: dict | None = None
                             ) -> tuple[requests.Response, str]:
    """The first non-redirect response and the URL that served it.

    Headers are built (and signed) afresh for every hop, for that hop's URL only; `conditions`
    (If-None-Match, If-Modified-Since) ride along unsigned.
    """
    url = check_url(url)
    for _hop in range(MAX_REDIRECTS + 1):
        response = client.send("GET", url, {**_get_headers(url, signer, accept), **(conditions or {})})
        location = response.headers.get("Location")
        if response.status_code not in REDIRECT_STATUSES or not location:
            return response, url
        response.close()
        url = check_url(urljoin(url, location))
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _document(client: _Client, url: str, signer: Signer | None) -> tuple[dict, set[str]]:
    """The document and the ids it may carry: the URL that served it, and the URL asked for
    when the redirects stayed on the same origin (another origin must not vouch for it)."""
    requested = check_url(url)
    response, final_url = _get_following_redirects(client, requested, signer)
    return _read_document(client, response), _allowed_ids(requested, final_url)


def _allowed_ids(requested: str, final_url: str) -> set[str]:
    return {final_url, requested} if _origin(requested) == _origin(final_url) else {final_url}


def _read_document(client: _Client, response: requests.Response) -> dict:
    with response:
        status = response.status_code
        if status == 410:
            raise FetchError("gone", 410)
        if not 200 <= status < 300:
            raise FetchError(f"HTTP {status}", status)
        media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
        if media_type not in AS2_CONTENT_TYPES:
            raise FetchError(f"not an ActivityStreams document ({media_type[:60] or 'no content type'})", status)
        body = client.read(response, settings.FEDIAMA_MAX_BODY_BYTES)
    try:
        return strictjson.parse_object(body)
    except strictjson.BadJSON as error:
        raise FetchError(str(error)[:200], status) from error


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc


def _has_id(document: dict, allowed_ids: set[str]) -> bool:
    document_id = document.get("id")
    if not isinstance(document_id, str):
        return False
    try:
        return check_url(document_id) in allowed_ids
    except UnsafeURL:
        return False


def fetch_json(url: str, *, signer: Signer | None) -> dict:
    """A (signed) GET of an AS2 document whose id is the URL that served it (see _document).

    When the id differs, the document is fetched once more by its id, which must then match.
    One deadline (FEDIAMA_FETCH_TIMEOUT) covers the whole call, redirects and refetch included.
    Callers check that the id's host is the one they expect.
    """
    with _Client(settings.FEDIAMA_FETCH_TIMEOUT) as client:
        document, allowed_ids = _document(client, url, signer)
        if _has_id(document, allowed_ids):
            return document
        document_id = document.get("id")
        if not isinstance(document_id, str):
            raise FetchError("document has no id")
        document, allowed_ids = _document(client, document_id, signer)
        if not _has_id(document, allowed_ids):
            raise FetchError("document id does not match its URL")
        return document


@dataclass(frozen=True)
class Refetched:
    """A conditional GET's outcome: the document (None: 304, unchanged) and the validators to send next time."""
    document: dict | None
    etag: str
    last_modified: str


def fetch_json_if_changed(url: str, *, signer: Signer | None, etag: str = "", last_modified: str = "") -> Refetched:
    """A (signed) conditional GET of an AS2 document we hold: If-None-Match / If-Modified-Since from the
    validators it gave last time; 304 is Refetched(None, ...). The document's id must be the URL asked for
    (no second fetch by id: the caller knows the id). 410 is FetchError(status=410), as in fetch_json."""
    conditions = {name: value for name, value in (("If-None-Match", etag), ("If-Modified-Since", last_modified))
                  if value}
    with _Client(settings.FEDIAMA_FETCH_TIMEOUT, pooled=True) as client:  # the same origins again and again
        requested = check_url(url)
        response, final_url = _get_following_redirects(client, requested, signer, conditions=conditions)
        if response.status_code == 304:
            response.close()
            return Refetched(None, etag, last_modified)
        validators = (response.headers.get("ETag", "")[:200], response.headers.get("Last-Modified", "")[:64])
        document = _read_document(client, response)
    if not _has_id(document, _allowed_ids(requested, final_url)):
        raise FetchError("document id does not match its URL")
    return Refetched(document, *validators)


JRD_ACCEPT = "application/jrd+json, application/json;q=0.9"
JRD_CONTENT_TYPES = frozenset({"application/jrd+json", "application/json"})  # and any other "+json" type


def fetch_jrd(url: str) -> dict:
    """An unsigned GET of a WebFinger document (JRD), under the same guard, deadline and size cap."""
    with _Client(settings.FEDIAMA_FETCH_TIMEOUT) as client:
        response, _ = _get_following_redirects(client, url, None, accept=JRD_ACCEPT)
        with response:
            status = response.status_code
            if not 200 <= status < 300:
                raise FetchError(f"HTTP {status}", status)
            media_type = response.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()
            if media_type not in JRD_CONTENT_TYPES and not media_type.endswith("+json"):
                raise FetchError(f"not a JRD document ({media_type[:60] or 'no content type'})", status)
            body = client.read(response, settings.FEDIAMA_MAX_BODY_BYTES)
    try:
        return strictjson.parse_object(body)
    except strictjson.BadJSON as error:
        raise FetchError(str(error)[:200], status) from error


def fetch_bytes(url: str, *, accept: str, limit: int) -> bytes:
    """An unsigned GET of a file (an avatar), under the same guard and deadline; a body over `limit` bytes
    is a FetchError. The caller checks what the bytes are: the declared content type is not trusted."""
    with _Client(settings.FEDIAMA_FETCH_TIMEOUT) as client:
        response, _ = _get_following_redirects(client, url, None, accept=accept)
        with response:
            if not 200 <= response.status_code < 300:
                raise FetchError(f"HTTP {response.status_code}", response.status_code)
            return client.read(response, limit)


# ---- POST ---------------------------------------------------------------------------------------

def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP-date), None when absent or invalid."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _post_headers(url: str, body: bytes, signer: Signer, scheme: str) -> dict:
    headers = {"Content-Type": AS2_POST_TYPE, "Accept": AS2_ACCEPT, "User-Agent": user_agent()}
    if scheme == "cavage":
        sign = signatures.sign_cavage
    elif scheme == "rfc9421":
        sign = signatures.sign_rfc9421
    else:
        raise ValueError(f"unknown signature scheme {scheme!r}")
    signed = sign(method="POST", url=url, headers=dict(headers), body=body,
                  key_id=signer.key_id, private_key_pem=signer.private_key_pem)
    return {**headers, **signed}


def _error_text(client: _Client, response: requests.Response) -> str:
    try:
        raw = client.read(response, 4 * ERROR_SNIPPET_CHARS, truncate=True)
    except FetchError as error:
        return error.reason
    return " ".join(raw.decode("utf-8", "replace").split())[:ERROR_SNIPPET_CHARS]


def _drain(client: _Client, response: requests.Response) -> None:
    """Read a short success body, so the connection goes back to the pool instead of being closed."""
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) <= DRAIN_LIMIT:
        try:
            client.read(response, DRAIN_LIMIT, truncate=True)
        except FetchError:
            pass


def _post_result(client: _Client, response: requests.Response) -> PostResult:
    status = response.status_code
    retry_after = parse_retry_after(response.headers.get("Retry-After"))
    if 200 <= status < 300:
        _drain(client, response)
        return PostResult(status=status, retry_after=retry_after, error="")
    if status in REDIRECT_STATUSES:
        location = response.headers.get("Location", "")[:150]
        return PostResult(status=status, retry_after=retry_after,
                          error=f"HTTP {status}: redirect not followed for POST (to {location})")
    return PostResult(status=status, retry_after=retry_after, error=f"HTTP {status}: {_error_text(client, response)}")


def post_activity(url: str, body: bytes, *, signer: Signer, scheme: str = "cavage",
                  timeout: float | None = None) -> PostResult:
    """POST a signed activity; network failures come back as a PostResult, never raised.

    Signs at call time (fresh Date and Digest each call). Redirects are not followed.
    The deadline is ``timeout`` or FEDIAMA_DELIVERY_TIMEOUT for the whole request.
    """
    seconds = settings.FEDIAMA_DELIVERY_TIMEOUT if timeout is None else timeout
    try:
        url = check_url(url)
        headers = _post_headers(url, body, signer, str(scheme))
        with _Client(seconds, pooled=True) as client:
            response = client.send("POST", url, headers, body)
            with response:
                return _post_result(client, response)
    except FetchError as error:
        return PostResult(status=error.status, retry_after=None, error=error.reason)
