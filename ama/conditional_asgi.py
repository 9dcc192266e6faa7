"""Anonymous revalidations answered on the ASGI event loop, before Django runs (config/asgi.py puts this in front
of the page threads).

A crowd on an AMA mostly revalidates: a browser reloading, a proxy in front asking again every few seconds
(README "A cache or a proxy in front"). Django answers those with a 304 after one query, but the request still
waits for a page thread and crosses every middleware and the URL resolver. Here a GET with If-None-Match (or
If-Modified-Since) on one of the cached URL shapes, from an anonymous visitor, is checked against the AMA's
version, with the same ETag function as the views
(ama.views.caching.etag_of); a match is answered 304 with the headers Django would send, anything else passes
through untouched. Anonymous: no session cookie, no messages cookie, no Authorization header (those requests
are answered by Django, which knows who is asking).

The version: the stamp this process last read for the AMA, while the live hub (ama/live/stream.py), which
re-reads the version on every event it hears of, has read no other, i.e. while the AMA has viewers here; else
one query on this module's two threads. So a change is seen as soon as the hub hears of it: at once with Redis
or from this process, within FEDIAMA_LIVE_POLL_INTERVAL (0.5 s) from another process on the embedded default."""

import asyncio
import re
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.db import close_old_connections
from django.http import HttpRequest
from django.http.cookie import parse_cookie

from .live import stream
from .views import caching

SLUG = r"(?P<slug>[-a-zA-Z0-9_]+)"  # Django's slug converter
PAGES = re.compile(rf"^/amas/{SLUG}(/questions/[0-9]+(/card)?|/cards/[0-9]+|/answers/[^/]+|/stage)?$")
API = re.compile(rf"^/api/amas/{SLUG}/questions/([0-9]+/)?$")
VALIDATORS = (b"if-none-match", b"if-modified-since")
MESSAGES_COOKIE = "messages"  # django.contrib.messages' CookieStorage: a message waiting is shown by Django
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="conditional")
_known: dict[str, caching.Stamp] = {}  # slug -> the stamp last read (public AMAs only)


class Revalidations:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET" and not settings.SECURE_SSL_REDIRECT:
            answer = await not_modified(scope)
            if answer is not None:
                return await _send(send, answer)
        return await self.application(scope, receive, send)


def _shape(path: str):
    """(slug, format_of, vary) of a cached URL, or None."""
    if match := PAGES.match(path):
        return match["slug"], caching.page_format, caching.PAGE_VARY
    if match := API.match(path):
        return match["slug"], caching.api_format, caching.API_VARY
    return None


def request_of(scope) -> HttpRequest:
    """The Django request a page thread would build for this scope, as far as the ETag and the validators go."""
    request = HttpRequest()
    request.method = scope["method"]
    request.path = scope["path"]
    request.path_info = scope["path"].removeprefix(scope.get("root_path", ""))
    server = scope.get("server") or ("localhost", 80)
    meta = {"REQUEST_METHOD": request.method, "QUERY_STRING": scope.get("query_string", b"").decode("latin-1"),
            "SERVER_NAME": str(server[0]), "SERVER_PORT": str(server[1] or 80)}
    for name, value in scope["headers"]:
        key = "HTTP_" + name.decode("latin-1").upper().replace("-", "_")
        value = value.decode("latin-1")
        meta[key] = f"{meta[key]},{value}" if key in meta else value
    request.META = meta
    request.COOKIES = parse_cookie(meta.get("HTTP_COOKIE", ""))
    return request


def _anonymous(request: HttpRequest) -> bool:
    cookies = request.COOKIES
    return ("HTTP_AUTHORIZATION" not in request.META and settings.SESSION_COOKIE_NAME not in cookies
            and MESSAGES_COOKIE not in cookies)


async def not_modified(scope):
    """The 304 for a matching anonymous revalidation of a cached URL, else None (Django answers)."""
    shape = _shape(scope["path"].removeprefix(scope.get("root_path", "")))
    if shape is None or not any(name in VALIDATORS for name, _ in scope["headers"]):
        return None
    request = request_of(scope)
    if not _anonymous(request):
        return None
    try:
        variant = caching.Variant.of(request)
    except DisallowedHost:
        return None  # Django answers 400
    slug, format_of, vary = shape
    stamp = await _stamp(slug)
    if stamp is None:
        return None  # a draft, deleted or unknown AMA: Django answers 404 or 410
    etag, _, answer = caching.conditional_response(request, stamp, variant, format_of)
    if answer is None or answer.status_code != 304:
        return None
    answer = caching.label(answer, request, etag, stamp, vary, personal=False)
    answer.headers.setdefault("Content-Language", variant.language())  # as LocaleMiddleware adds
    return answer


async def _stamp(slug: str) -> caching.Stamp | None:
    known = _known.get(slug)
    if known is not None and stream.known_version(known.pk) == known.version:
        return known
    stamp = await asyncio.get_running_loop().run_in_executor(_executor, _read_stamp, slug)
    if stamp is None:
        _known.pop(slug, None)
    else:
        _known[slug] = stamp
    return stamp


def _read_stamp(slug: str) -> caching.Stamp | None:
    close_old_connections()
    return caching.ama_stamp(slug)


async def _send(send, response) -> None:
    headers = [(name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response.items()]
    await send({"type": "http.response.start", "status": response.status_code, "headers": headers})
    await send({"type": "http.response.body", "body": b""})
