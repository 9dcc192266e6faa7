"""A page that holds a crowd: conditional GETs and cached anonymous renders for the public views of one AMA
(its page, question permalinks, answer pages, the API's questions list and detail).

The AMA's version, bumped on every change a public page shows, is in the ETag of each of these responses
(W/"<version>-<digest of the variant>") and in the key of its cached render; `changed_at` is Last-Modified.
One query reads them; a matching If-None-Match (or If-Modified-Since) answers 304 without rendering. The ETag
is a pure function of the version and the request's raw inputs (`Variant`, `etag_of`): the ASGI layer in front
of Django (ama/conditional_asgi.py) answers anonymous revalidations with the same function before Django runs.

The variant is everything else a response depends on: the path (which question, which answer), the query
(sort, page, limit...), the host, the language, the negotiated format (HTML, AS2 JSON; the API's Accept) and,
for a signed-in viewer, their user id (their vote state, moderator links). Only anonymous renders are cached,
and only those that hold nothing personal: no cookie set, no CSRF token read (anonymous pages render their
forms without one, see `token_free`). Anonymous responses say `public, max-age=5, stale-while-revalidate=30`
so a proxy in front may share them for a few seconds and then revalidate with the ETag; signed-in ones say
`private, no-cache`. A new version is a new key: old renders are never served, their timeout only collects
them."""

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps
from types import SimpleNamespace

from django.conf import settings
from django.contrib.messages import get_messages
from django.core.cache import caches
from django.db import connection
from django.http import HttpResponse, QueryDict
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language_from_request

from federation.negotiation import prefers_activity_json

from ..models import Ama

SHARED_CACHE_CONTROL = {"public": True, "max_age": 5, "stale_while_revalidate": 30}
PERSONAL_CACHE_CONTROL = {"private": True, "no_cache": True}
RENDER_TIMEOUT = 600  # seconds a render is kept (settings.CACHES["pages"]): garbage collection, not freshness
MAX_QUERY_VALUE = 12  # longer query values (or names a view does not read) are served, never cached
PAGE_VARY = ("Accept", "Accept-Language", "Cookie")
API_VARY = (*PAGE_VARY, "Authorization")


@dataclass(frozen=True)
class Stamp:
    pk: int
    version: int
    changed_at: datetime


def _stamp_sql() -> str:
    quote, table = connection.ops.quote_name, Ama._meta.db_table
    return (f"SELECT id, version, changed_at FROM {quote(table)} "  # what Ama.objects.visible() shows
            "WHERE slug = %s AND deleted_at IS NULL AND state <> %s LIMIT 1")


def ama_stamp(slug: str) -> Stamp | None:
    """A public AMA's version in one query; None for drafts, deleted and unknown AMAs (the view answers them).
    Plain SQL: building the same query with the ORM cost ~0.5 ms, most of a cached page's time."""
    with connection.cursor() as cursor:
        cursor.execute(_stamp_sql(), [slug, Ama.State.DRAFT.value])
        row = cursor.fetchone()
    if row is None:
        return None
    pk, version, changed_at = row
    return Stamp(pk, version, changed_at if changed_at.tzinfo else changed_at.replace(tzinfo=UTC))


def token_free(request) -> dict:
    """Template context for a page an anonymous viewer shares with every other (our cache, a proxy): no CSRF
    token, so no per-visitor secret in it and no cookie set. Its forms post without one: "ask from my
    account" (ama.views.ask) and the language switch (config/urls.py) are CSRF-exempt, as neither changes
    anything but where the visitor goes next and in which language."""
    return {} if request.user.is_authenticated else {"csrf_token": "NOTPROVIDED"}


def page_format(accept: str) -> str:
    """What a page's Accept selects: the HTML page or its AS2 document."""
    return "as2" if prefers_activity_json(accept) else "html"


def api_format(accept: str) -> str:
    return accept


@dataclass(frozen=True)
class Variant:
    """Everything but the AMA's version that a public view's response depends on, as the request carries it.
    `viewer`: "user:<id>:<site roles>" for a signed-in viewer (their votes, moderator links), "" for anonymous ones."""
    host: str  # as validated by request.get_host()
    path: str
    query: str  # the raw query string
    accept: str
    accept_language: str
    language_cookie: str | None
    viewer: str = ""

    @classmethod
    def of(cls, request, viewer: str = "") -> "Variant":
        headers = request.headers
        return cls(request.get_host(), request.path, request.META.get("QUERY_STRING", ""),
                   headers.get("Accept", ""), headers.get("Accept-Language", ""),
                   request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME), viewer)

    def language(self) -> str:
        """The language LocaleMiddleware activates for this request (Django's own negotiation)."""
        cookies = {} if self.language_cookie is None else {settings.LANGUAGE_COOKIE_NAME: self.language_cookie}
        return get_language_from_request(SimpleNamespace(COOKIES=cookies,
                                                         META={"HTTP_ACCEPT_LANGUAGE": self.accept_language}))


def etag_of(stamp: Stamp, variant: Variant, format_of) -> tuple[str, str]:
    """(the ETag, the digest of the variant that names its render in the cache). `format_of(accept)`."""
    query = sorted(QueryDict(variant.query).lists())
    key = repr((stamp.pk, stamp.changed_at.isoformat(), variant.host, variant.path, query, variant.language(),
                format_of(variant.accept), variant.viewer))
    digest = hashlib.sha256(key.encode()).hexdigest()[:20]
    return f'W/"{stamp.version}-{digest}"', digest


def conditional_response(request, stamp: Stamp, variant: Variant, format_of):
    """(ETag, digest, the 304 or 412 the request's validators call for, else None)."""
    etag, digest = etag_of(stamp, variant, format_of)
    answer = get_conditional_response(request, etag=etag, last_modified=int(stamp.changed_at.timestamp()))
    return etag, digest, answer


def _bypasses(request) -> bool:
    """Requests answered as if this module did not exist: writes, API tokens (the user is known only to DRF),
    and a viewer with messages waiting to be shown once."""
    if request.method not in ("GET", "HEAD") or "HTTP_AUTHORIZATION" in request.META:
        return True
    return len(get_messages(request)) > 0


def _viewer(request) -> str:
    """Who is looking, as far as a page differs by it: the account, and its site-wide roles (an admin who makes
    someone staff changes no AMA's version; per-AMA roles move the version, see ama.live.team_changed)."""
    user = request.user
    if not user.is_authenticated:
        return ""
    return f"user:{user.pk}:{'s' if user.is_staff else ''}{'a' if user.is_superuser else ''}"


def _cacheable_query(request, names: tuple[str, ...]) -> bool:
    return all(name in names and len(values) == 1 and len(values[0]) <= MAX_QUERY_VALUE
               for name, values in request.GET.lists())


def _shareable(request, response) -> bool:
    """Whether this render may be served to other anonymous viewers."""
    return (response.status_code == 200 and not response.streaming and not response.cookies
            and not request.META.get("CSRF_COOKIE_NEEDS_UPDATE"))


class _Recent:
    """This process's most recently served renders, in front of the shared cache (whose file or network read
    of a 100 kB page costs ~0.4 ms). Safe without invalidation: a key names one version's render for good."""

    def __init__(self, size: int):
        self.size, self.items, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key: str):
        with self.lock:
            if key in self.items:
                self.items.move_to_end(key)
            return self.items.get(key)

    def put(self, key: str, value) -> None:
        with self.lock:
            self.items[key] = value
            while len(self.items) > self.size:
                self.items.popitem(last=False)


_recent = _Recent(size=64)


def _stored(key: str):
    if (stored := _recent.get(key)) is None and (stored := caches["pages"].get(key)) is not None:
        _recent.put(key, stored)
    return stored


def _render(view, request, args, kwargs, key: str | None):
    if key and (stored := _stored(key)) is not None:
        content, headers = stored
        return HttpResponse(content, headers=headers)
    response = view(request, *args, **kwargs)
    if hasattr(response, "render") and not response.is_rendered:
        response.render()  # a TemplateResponse or DRF Response: its bytes are what is cached
    if key and _shareable(request, response):
        stored = (response.content, dict(response.items()))
        caches["pages"].set(key, stored, RENDER_TIMEOUT)
        _recent.put(key, stored)
    return response


def label(response, request, etag: str, stamp: Stamp, vary: tuple[str, ...], personal: bool):
    """The validators and caching headers of a public view's response (a 304 included)."""
    patch_vary_headers(response, vary)
    if response.status_code not in (200, 304):
        return response  # a 404 or 410 of a question or answer: no validator to revalidate it with
    response.headers.setdefault("ETag", etag)
    response.headers.setdefault("Last-Modified", http_date(stamp.changed_at.timestamp()))
    shared = not personal and (response.status_code == 304 or _shareable(request, response))
    patch_cache_control(response, **(SHARED_CACHE_CONTROL if shared else PERSONAL_CACHE_CONTROL))
    return response


def public_view(*, query: tuple[str, ...], format_of=page_format, vary=PAGE_VARY):
    """Wrap a view of one AMA (its slug in the `slug` or `ama_slug` argument). `query`: the query names that
    select what the view renders (others are allowed but keep the render out of the cache)."""
    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if _bypasses(request) or not (stamp := ama_stamp(kwargs.get("slug") or kwargs["ama_slug"])):
                return view(request, *args, **kwargs)
            viewer = _viewer(request)
            etag, digest, response = conditional_response(request, stamp, Variant.of(request, viewer), format_of)
            if response is None:
                cacheable = not viewer and _cacheable_query(request, query)
                key = f"ama-render:{stamp.pk}:{stamp.version}:{digest}" if cacheable else None
                response = _render(view, request, args, kwargs, key)
            return label(response, request, etag, stamp, vary, personal=bool(viewer))
        return wrapper
    return decorate
