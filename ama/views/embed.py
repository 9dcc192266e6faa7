"""Embedding an AMA in another site: the widget (/amas/<slug>/embed, the only page any site may frame) and the
oEmbed endpoint (/oembed, https://oembed.com) that tells a site how to embed an AMA, question or answer page."""

from urllib.parse import urlsplit

from csp.decorators import csp_replace
from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve, reverse
from django.utils.cache import patch_cache_control
from django.utils.html import escape
from django.views.decorators.clickjacking import xframe_options_exempt
from django.views.decorators.http import require_GET

from federation.urls_helper import absolute, base_url

from .. import sharing
from ..models import Ama
from .caching import public_view, token_free
from .common import get_ama, gone
from .listing import live_answers, visible_questions

EMBED_QUESTIONS = 5
EMBED_WIDTH, EMBED_HEIGHT = 560, 640
MIN_SIZE = 100
EMBEDDABLE_PAGES = {"ama", "question", "answer", "ama-embed"}


def top_answered(ama: Ama):
    rows = visible_questions().filter(ama=ama).answered().filter(answers__deleted_at__isnull=True).distinct()
    return rows.sorted_by("top").select_related("author").prefetch_related(live_answers())[:EMBED_QUESTIONS]


@xframe_options_exempt  # outermost: cached renders and 304s are rebuilt inside, and must stay frameable too
@csp_replace({"frame-ancestors": ["*"]})
@public_view(query=())
def embed(request, slug):
    ama = get_ama(request, slug)
    if ama.deleted_at:
        return gone(request, ama.ap_id, ama.deleted_at)
    context = {"ama": ama, "questions": top_answered(ama), "card": sharing.ama_card(ama), **token_free(request)}
    return render(request, "ama/embed.html", context)


class OEmbedError(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status


def _ama_of(url: str) -> Ama:
    """The published AMA whose page (the AMA, one of its questions or answers, its widget) `url` is."""
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base_url():
        raise OEmbedError(404, "not a page of this server")
    try:
        match = resolve(parts.path)
    except Resolver404:
        raise OEmbedError(404, "no such page") from None
    if match.url_name not in EMBEDDABLE_PAGES:
        raise OEmbedError(404, "this page cannot be embedded")
    ama = Ama.objects.visible().select_related("host").filter(slug=match.kwargs["slug"]).first()
    if ama is None:
        raise OEmbedError(404, "no such AMA")
    return ama


def _size(request, name: str, default: int) -> int:
    """The default size, or the consumer's maximum when it is smaller (oEmbed 2.2: maxwidth/maxheight)."""
    value = request.GET.get(name)
    if value is None:
        return default
    if not value.isdigit() or int(value) < MIN_SIZE:
        raise OEmbedError(400, f"{name} must be a whole number of pixels, at least {MIN_SIZE}")
    return min(default, int(value))


def oembed_document(request, ama: Ama) -> dict:
    width, height = _size(request, "maxwidth", EMBED_WIDTH), _size(request, "maxheight", EMBED_HEIGHT)
    src = absolute(reverse("ama-embed", args=[ama.slug]))
    frame = (f'<iframe src="{src}" width="{width}" height="{height}" title="{escape(ama.title)}" '
             'loading="lazy"></iframe>')
    return {"version": "1.0", "type": "rich", "title": ama.title, "html": frame, "width": width, "height": height,
            "author_name": sharing.host_name(ama), "author_url": ama.host.url or ama.host.ap_id,
            "provider_name": sharing.SITE_NAME, "provider_url": base_url() + "/", "cache_age": 3600}


@require_GET
def oembed(request):
    """oEmbed 1.0 for this server's AMA pages: JSON only (501 for any other format), 404 for any other URL."""
    try:
        if request.GET.get("format", "json") != "json":
            raise OEmbedError(501, "only format=json is served")
        if not request.GET.get("url"):
            raise OEmbedError(400, "url is required")
        response = JsonResponse(oembed_document(request, _ama_of(request.GET["url"])))
    except OEmbedError as error:
        response = HttpResponse(str(error) + "\n", status=error.status, content_type="text/plain; charset=utf-8")
    patch_cache_control(response, public=True, max_age=300)
    return response
