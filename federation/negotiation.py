"""Content negotiation on every ActivityPub URL: servers get AS2 JSON, browsers get HTML, always Vary: Accept."""

import json

from django.http import HttpResponse
from django.utils.cache import patch_vary_headers

AS2_MEDIA_TYPE = "application/activity+json"
AS2_PROFILE = "https://www.w3.org/ns/activitystreams"


def _media_ranges(accept: str):
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        params = {}
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            params[name.strip().lower()] = value.strip().strip('"')
        try:
            quality = float(params.get("q", "1"))
        except ValueError:
            quality = 1.0
        yield media, params, quality


def wants_activity_json(request) -> bool:
    """True when the client asks for AS2 (activity+json, ld+json with the AS profile, or plain JSON) in
    preference to HTML."""
    return prefers_activity_json(request.headers.get("Accept", ""))


def prefers_activity_json(accept: str) -> bool:
    """wants_activity_json for an Accept header's value."""
    best_as2, best_html = 0.0, 0.0
    for media, params, quality in _media_ranges(accept):
        if media == AS2_MEDIA_TYPE or media == "application/json" or (
                media == "application/ld+json" and AS2_PROFILE in params.get("profile", AS2_PROFILE)):
            best_as2 = max(best_as2, quality)
        elif media in ("text/html", "application/xhtml+xml", "*/*", "text/*"):
            best_html = max(best_html, quality if media != "*/*" else quality * 0.5)
    return best_as2 > 0 and best_as2 >= best_html


def activity_response(document: dict, *, status: int = 200) -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False), status=status,
                            content_type=AS2_MEDIA_TYPE + "; charset=utf-8")
    patch_vary_headers(response, ["Accept"])
    return response


def json_response(document: dict, *, status: int = 200, content_type: str = "application/json") -> HttpResponse:
    response = HttpResponse(json.dumps(document, ensure_ascii=False), status=status,
                            content_type=content_type + "; charset=utf-8")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def negotiated(request, document_factory, html_factory):
    """Serve the AS2 document or the HTML page for the same URL."""
    if wants_activity_json(request):
        return activity_response(document_factory())
    response = html_factory()
    patch_vary_headers(response, ["Accept"])
    return response
