"""The activities we mint under an AMA's URLs, served at their ids (rebuilt from the models with the
builders that sent them): the host's Create of the AMA note, and each answer's Create and Announce.
Deleted things answer 410 with a Tombstone."""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from federation.activity_views import serve_activity

from ..activitypub import ids, notes
from ..models import Answer
from . import listing
from .common import get_ama, gone


@require_GET
def ama_activity(request, slug):
    ama = get_ama(request, slug)
    if not ama.published_at or not ama.host.is_local:
        raise Http404("this AMA was not posted from here")
    if ama.deleted_at:
        return gone(request, ids.create_id(ama.ap_id), ama.deleted_at, former_type="Create")
    return serve_activity(request, notes.ama_create(ama))


@require_GET
def answer_activity(request, slug, token, kind: str):
    """`kind`: "create" or "announce" (the author's boost of the answer, undone when it is deleted)."""
    ama = get_ama(request, slug)
    rows = Answer.objects.select_related("author", "question__author", "question__ama__host")
    answer = get_object_or_404(rows, ap_id=ids.answer_id(ama, token), author__is_local=True)
    ap_id = ids.create_id(answer.ap_id) if kind == "create" else answer.announce_ap_id
    if answer.deleted_at or ama.deleted_at:
        return gone(request, ap_id, answer.deleted_at or ama.deleted_at, former_type=kind.capitalize())
    if not listing.visible_questions().filter(pk=answer.question_id).exists():
        raise Http404("no such answer")
    return serve_activity(request, notes.answer_create(answer) if kind == "create" else notes.answer_announce(answer))
