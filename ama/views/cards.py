"""One question's card, for a live page that learns from a votes_changed event of a question it does not hold
(on the AMA page sorted by votes, a question from another page rising into this page's range; on the stage view,
one rising into the next questions). Events stay small (the worker renders no HTML per vote); the few pages that
need the card ask for it here, and the render is cached by the AMA's version like the page's (`public_view`:
ETag, 304, one render shared by every anonymous viewer of that version).

    GET /amas/<slug>/questions/<pk>/card?sort=top|unanswered|interview&lang=<code>
    200 {"question_id", "parent_id", "rank", "html"}: `rank` is the question's place (0 first) in that list as the
        page lists it (sort and language filter; top: threads, follow-ups under their question); null, and no html,
        when the list does not hold it (a follow-up in a threaded list, another language, answered on unanswered).
        `html`: the <article> as the AMA page renders it for this viewer (a signed-in one's vote form included).
    404 {"error": reason}: unknown AMA or id, or a question the public page does not show (pending, hidden...).

    GET /amas/<slug>/cards/<rank>?sort=…&lang=…
    the same for the question at that place of the list (a page whose card left its range asks for the next)."""

from django.db.models import F, Q
from django.http import Http404, JsonResponse
from django.template.loader import render_to_string
from django.views.decorators.http import require_GET

from ..models import Ama, Question
from . import listing
from .caching import public_view, token_free
from .common import get_ama, viewer_actor

MAX_RANK = 100_000  # a place further down than any AMA's list (an OFFSET the database would walk to)
LISTS = ("top", "unanswered", "interview")  # the pages ordered by score, where a card can move in from elsewhere


def list_key(value: str | None) -> str:
    return value if value in LISTS else "top"


def list_rows(ama: Ama, key: str, language: str):
    """The questions of the list a page shows, in its order: what listing.page_of (and interview_page) pages."""
    rows = listing.visible_questions().filter(ama=ama)
    if key == "interview":
        return rows.answered().sorted_by("top")
    if language:
        rows = rows.filter(language=language)
    if not listing.is_flat(key, language):
        rows = rows.exclude(parent__in=listing.visible_questions().filter(ama=ama).values("pk"))
    return rows.sorted_by(key)


def rank_in(rows, question: Question) -> int | None:
    """How many questions of `rows` (ordered by score) come before `question`; None when `rows` do not hold it.
    The order is sorted_by's: higher score, then received first, then lower id."""
    if not rows.filter(pk=question.pk).exists():
        return None
    score = question.vote_count + question.remote_like_count
    before = Q(score__gt=score) | Q(score=score, received_at__lt=question.received_at) | Q(
        score=score, received_at=question.received_at, pk__lt=question.pk)
    return rows.alias(score=F("vote_count") + F("remote_like_count")).filter(before).count()


def _card_html(request, ama: Ama, question: Question, flat: bool) -> str:
    context = {"ama": ama, "question": question, "flat": flat, "depth": 0 if flat else listing.THREAD_DEPTH,
               "voted": listing.voted_ids(ama, viewer_actor(request)), **token_free(request)}
    return render_to_string("ama/_question.html", context, request=request)


def _not_found(reason: str) -> JsonResponse:
    return JsonResponse({"error": reason}, status=404)


def _public_ama(request, slug) -> Ama | JsonResponse:
    try:
        ama = get_ama(request, slug)
    except Http404:
        return _not_found("no such AMA")
    return _not_found("this AMA was deleted") if ama.deleted_at else ama


def _card(request, ama: Ama, rows, key: str, language: str, question: Question, rank: int | None) -> JsonResponse:
    data = {"question_id": question.pk, "parent_id": question.parent_id, "rank": rank}
    if rank is not None:
        flat = key == "interview" or listing.is_flat(key, language)
        found = rows.select_related(*listing.AUTHOR).prefetch_related(listing.live_answers()) if flat else \
            listing.with_thread(rows)
        data["html"] = _card_html(request, ama, found.get(pk=question.pk), flat)
    return JsonResponse(data)


def _list_of(request, ama: Ama):
    key, language = list_key(request.GET.get("sort")), listing.language_key(request.GET.get("lang"))
    return list_rows(ama, key, language), key, language


@require_GET
@public_view(query=("sort", "lang"))
def question_card(request, slug, pk):
    ama = _public_ama(request, slug)
    if isinstance(ama, JsonResponse):
        return ama
    question = listing.visible_questions().filter(ama=ama, pk=pk).first()
    if question is None:
        return _not_found("no such question on this AMA's page")
    rows, key, language = _list_of(request, ama)
    return _card(request, ama, rows, key, language, question, rank_in(rows, question))


@require_GET
@public_view(query=("sort", "lang"))
def card_at(request, slug, rank):
    """GET /amas/<slug>/cards/<rank>?sort=&lang=: the card of the question at that place (0 first) of the list,
    as question_card answers it (the rank is the one asked for). A page by score whose card left its range at an
    edge asks here for the one that takes its place. 404 past the list's end."""
    ama = _public_ama(request, slug)
    if isinstance(ama, JsonResponse):
        return ama
    rows, key, language = _list_of(request, ama)
    question = next(iter(rows[rank:rank + 1]), None) if rank < MAX_RANK else None
    if question is None:
        return _not_found("no question at that place of the list")
    return _card(request, ama, rows, key, language, question, rank)
