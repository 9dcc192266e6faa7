"""The stage view: an AMA on a projector or a stream overlay (the question being answered, large; the next top
questions; the answer as it is published; whom to follow and a QR code of the AMA's address). It is a public page
of the AMA, cached like the others, and kept current by ama/static/ama/stage.js from the public event stream."""

import io

import segno
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from ..models import Ama
from . import listing
from .caching import public_view

THEMES = ("light", "dark")
NEXT_QUESTIONS = 10  # rendered; the stylesheet shows the first five, the rest step up as questions leave
QR_MAX_AGE = 86400  # the code depends only on the AMA's address


def _stage_ama(slug: str) -> Ama:
    """A published AMA: 404 for drafts, deleted and unknown ones."""
    return get_object_or_404(Ama.objects.visible().select_related("host"), slug=slug)


def _next_questions(ama: Ama, answering):
    rows = listing.visible_questions().filter(ama=ama, state="published").sorted_by("unanswered")
    if answering is not None:
        rows = rows.exclude(pk=answering.pk)
    return rows.select_related("author")[:NEXT_QUESTIONS]


def _with_answers(pk: int | None, ama: Ama):
    """The question being answered (pk), or else the one answered last: the stage keeps an answer up until
    the host marks the next question."""
    rows = listing.visible_questions().filter(ama=ama).select_related("author").prefetch_related(
        listing.live_answers())
    return rows.filter(pk=pk).first() if pk else rows.sorted_by("answered").first()


@require_GET
@public_view(query=("theme",))
def stage(request, slug):
    ama = _stage_ama(slug)
    answering = listing.now_answering(ama)
    shown = _with_answers(answering.pk if answering else None, ama)
    theme = request.GET.get("theme")
    context = {"ama": ama, "answering": shown, "just_answered": shown is not None and answering is None,
               "queue": _next_questions(ama, answering), "queue_size": NEXT_QUESTIONS, "theme": theme if theme in THEMES else ""}
    return render(request, "ama/stage.html", context)


def qr_svg(url: str) -> bytes:
    """The QR code of `url` as a scalable SVG, dark on white with its quiet zone, readable on any theme."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", border=2, light="#fff", dark="#000", xmldecl=False,
                                      omitsize=True, svgclass="qr")
    return out.getvalue()


@require_GET
def qr(request, slug):
    ama = _stage_ama(slug)
    if not ama.ap_id:
        raise Http404("no address yet")
    response = HttpResponse(qr_svg(ama.ap_id), content_type="image/svg+xml")
    response["Cache-Control"] = f"public, max-age={QR_MAX_AGE}"
    return response
