"""votes_changed, coalesced: at most one event per question per FEDIAMA_LIVE_VOTE_WINDOW seconds, and the
final count always delivered.

The events table is the shared state, so the rule holds across web and worker processes. A vote whose
question had no votes_changed event in the window publishes at once; otherwise the first vote of the window
schedules `flush_votes` for the window's end and the others add nothing (a key in the cache every process
shares, named after the window's event: Redis, or files in var/; taken after the vote commits). The flush publishes the count then, unless
it is the count last published; every vote and flush of a question runs under that question's row lock, so a
vote that found the flush scheduled committed before the flush reads the count, and a vote after the flush
finds its window over or a new window's key. Losing the key (a cache emptied) only schedules one flush more.
With eager tasks (FEDIAMA_TASKS_EAGER, development) the flush runs at once: no coalescing there."""

from datetime import timedelta

from celery import current_app, shared_task
from django.conf import settings
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from ..models import LiveEvent, Question
from .events import publish

KIND = "votes_changed"
SCHEDULED_KEPT = 5  # seconds a window's "flush scheduled" key outlives the window


def votes_changed(*questions: Question) -> None:
    """Call in the vote's transaction, after the questions' vote_count was written (an inbox batch's votes call
    it once, at the batch's end, for all the questions whose votes moved: ama.services.votes.counted_once_per_batch).
    Their open windows are read in one query: only an event of the last window can hold a vote back."""
    open_windows = _events_in_window([question.pk for question in questions])
    for question in questions:
        last = open_windows.get(question.pk)
        wait = _wait(last)
        if wait <= 0:
            publish(question.ama, KIND, question=question)
        else:
            _flush_once_after_commit(question.pk, last, wait)


@shared_task(name="ama.live.flush_votes")
def flush_votes(question_id: int) -> None:
    with transaction.atomic():
        question = Question.objects.select_for_update().select_related("ama").filter(pk=question_id).first()
        if question is None:
            return
        last = _last_event(question)
        if last is not None and last.payload.get("vote_count") == question.score:
            return
        wait = _wait(last)
        if wait > 0 and not current_app.conf.task_always_eager:
            _flush_later(question.pk, wait)  # a clock ahead of ours ran it early
            return
        publish(question.ama, KIND, question=question)


def _last_event(question: Question) -> LiveEvent | None:
    return LiveEvent.objects.filter(question=question, kind=KIND).order_by("-seq").only(
        "pk", "created_at", "payload").first()


def _events_in_window(question_ids: list[int]) -> dict[int, LiveEvent]:
    """Each question's last votes_changed event, for those that had one less than a window ago (the others' windows
    are over, whatever their last event was)."""
    since = timezone.now() - timedelta(seconds=settings.FEDIAMA_LIVE_VOTE_WINDOW)
    last = {}
    for event in LiveEvent.objects.filter(kind=KIND, question_id__in=question_ids, created_at__gt=since).order_by(
            "seq").only("pk", "question_id", "created_at"):
        last[event.question_id] = event  # by seq: the last one stays
    return last


def _wait(last: LiveEvent | None) -> float:
    """Seconds until the window after `last` ends (<= 0: none is open)."""
    if last is None:
        return 0
    return settings.FEDIAMA_LIVE_VOTE_WINDOW - (timezone.now() - last.created_at).total_seconds()


def _flush_once_after_commit(question_id: int, last: LiveEvent, wait: float) -> None:
    """After the vote commits, the first vote of the window since `last` schedules the window's flush; the others
    find its key and add nothing. The key is taken only after commit: a vote rolled back (an inbox batch with a
    failing row) leaves no key behind that would make the window's later votes think a flush is on its way."""
    key = f"votes-flush:{last.pk}:{last.created_at.timestamp()}"

    def schedule() -> None:
        if caches["throttle"].add(key, 1, timeout=int(wait) + SCHEDULED_KEPT):
            flush_votes.apply_async(args=[question_id], countdown=wait)
    transaction.on_commit(schedule)


def _flush_later(question_id: int, wait: float) -> None:
    transaction.on_commit(lambda: flush_votes.apply_async(args=[question_id], countdown=wait))
