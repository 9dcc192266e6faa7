"""Notes posted by local actors (federation.social), served at their ids; a deleted note answers 410."""

from django.http import Http404, HttpResponse
from django.utils.cache import patch_vary_headers
from django.utils.html import escape
from django.views.decorators.http import require_GET

from .activities import AS_CONTEXT
from .models import OutboxActivity
from .negotiation import activity_response, wants_activity_json
from .urls_helper import absolute


def _html(note: dict, status: int) -> HttpResponse:
    content = note.get("content", "") if status == 200 else "<p>This post was deleted.</p>"
    author = escape(str(note.get("attributedTo", "")))
    page = (f'<!doctype html><meta charset="utf-8"><title>{escape(note["id"])}</title>'
            f'<article><p><a href="{author}">{author}</a></p>{content}</article>')
    return HttpResponse(page, status=status)


def _negotiated(request, document: dict, status: int) -> HttpResponse:
    if wants_activity_json(request):
        return activity_response(document, status=status)
    response = _html(document, status)
    patch_vary_headers(response, ["Accept"])
    return response


@require_GET
def note_view(request, note_uuid):
    note_id = absolute(request.path)
    deleted = OutboxActivity.objects.filter(ap_id=note_id + "/delete", activity_type="Delete").first()
    if deleted is not None:
        return _negotiated(request, {"@context": AS_CONTEXT, **deleted.body["object"]}, 410)
    stored = OutboxActivity.objects.filter(ap_id=note_id + "/activity", activity_type="Create", public=True).first()
    if stored is None or not isinstance(stored.body.get("object"), dict):
        raise Http404
    return _negotiated(request, {"@context": AS_CONTEXT, **stored.body["object"]}, 200)
