"""Reads behind the pages: the questions of an AMA page, threaded and paginated, in a constant number of queries."""

from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.utils.translation import gettext_lazy as _

from federation import languages

from ..models import Answer, Question, Vote

PAGE_SIZE = 50
THREAD_DEPTH = 2  # follow-ups nested under a question on the AMA page; deeper ones on the permalink page
SORTS = [("top", _("Top votes")), ("newest", _("Newest")), ("oldest", _("Oldest")),
         ("unanswered", _("Unanswered")), ("answered", _("Answered"))]
THREADED_SORTS = {"top", "newest", "oldest"}
AUTHOR = ("author", "author__avatar")  # the author and their picture ({% avatar %}), in the rows' own query


def sort_key(value: str | None) -> str:
    return value if value in dict(SORTS) else "top"


def visible_questions():
    return Question.objects.on_page()


def live_answers() -> Prefetch:
    rows = Answer.objects.filter(deleted_at__isnull=True).select_related(*AUTHOR).order_by("created_at", "pk")
    return Prefetch("answers", queryset=rows, to_attr="live_answers")


def follow_ups(depth: int = THREAD_DEPTH) -> Prefetch:
    rows = visible_questions().select_related(*AUTHOR).prefetch_related(live_answers()).order_by(
        "received_at", "pk")
    if depth > 1:
        rows = rows.prefetch_related(follow_ups(depth - 1))
    return Prefetch("follow_ups", queryset=rows, to_attr="shown_follow_ups")


def with_thread(rows, depth: int = THREAD_DEPTH):
    """Rows with their answers and `depth` levels of follow-ups, plus one more level, so that the last
    rendered level knows whether a "more replies" link is needed."""
    return rows.select_related(*AUTHOR).prefetch_related(live_answers(), follow_ups(depth + 1))


def language_key(value: str | None) -> str:
    """The page's language filter (`?lang=fr`): a known ISO 639-1 code, or "" for every language."""
    return languages.iso_code(value)


def languages_of(ama) -> list[str]:
    """The languages the AMA's shown questions are written in, for the filter's links."""
    found = visible_questions().filter(ama=ama).exclude(language="").values_list("language", flat=True)
    return sorted(set(found))


def is_flat(sort: str, language: str = "") -> bool:
    """Answered/unanswered and a language filter list questions one by one, follow-ups included."""
    return sort not in THREADED_SORTS or bool(language)


def page_of(ama, sort: str, page_number, language: str = ""):
    """One page of the AMA's questions: threads (top-level questions and their follow-ups) for the
    ordering sorts; a flat list, follow-ups included, for the answered/unanswered and language filters."""
    rows = visible_questions().filter(ama=ama)
    if language:
        rows = rows.filter(language=language)
    if not is_flat(sort, language):
        rows = rows.exclude(parent__in=visible_questions().filter(ama=ama).values("pk"))
    rows = with_thread(rows.sorted_by(sort)) if not is_flat(sort, language) else rows.sorted_by(sort).select_related(
        *AUTHOR).prefetch_related(live_answers())
    return Paginator(rows, PAGE_SIZE).get_page(page_number)


def is_interview(ama, sort_given: bool, language: str) -> bool:
    """After the end, the page's default view is the interview the AMA became (answered questions first)."""
    return ama.state in (ama.State.ENDED, ama.State.ARCHIVED) and not sort_given and not language


def interview_page(ama, page_number):
    """The answered questions in vote order, each with its answers, one by one (follow-ups too)."""
    rows = visible_questions().filter(ama=ama).answered().sorted_by("top")
    return Paginator(rows.select_related(*AUTHOR).prefetch_related(live_answers()), PAGE_SIZE).get_page(page_number)


def unanswered_of(ama):
    """The questions the AMA left unanswered, in vote order, one page's worth (follow-ups too)."""
    return list(visible_questions().filter(ama=ama).unanswered().sorted_by("top").select_related(*AUTHOR)[:PAGE_SIZE])


def now_answering(ama):
    """The question the host marked as being answered now, while the AMA is live and the page lists it."""
    if ama.state != ama.State.LIVE:
        return None
    return visible_questions().filter(ama=ama, now_answering=True).select_related("author").first()


def voted_ids(ama, actor) -> set[int]:
    if actor is None:
        return set()
    return set(Vote.objects.filter(actor=actor, question__ama=ama, value__gt=0).values_list("question_id", flat=True))
