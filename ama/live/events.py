"""The one publisher of live events, and the rule that turns a question's change into event kinds.

Services call these inside their transaction: `publish` bumps the AMA's version (the row stays locked until
commit, so events of one AMA commit in `seq` order), stores the LiveEvent and, on commit, tells the transport.
Inside an inbox batch (`stored_once_per_batch`, which federation.routing enters around it) the events wait for
the batch's end: each AMA's version then moves once, by its events' count, and they are stored in one statement."""

import threading
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from federation.bulk_insert import insert_rows
from federation.delivery_batch import update_returning
from federation.domain_policy import is_suspended

from ..models import Ama, Answer, LiveEvent, Question
from . import fragments, transport

PUBLIC, MODERATORS = LiveEvent.Audience.PUBLIC, LiveEvent.Audience.MODERATORS
# Kinds only moderators receive (the public page shows neither the queue nor the stars).
MODERATOR_KINDS = {"question_pending", "question_moderated", "starred"}
# Public kinds whose payload shows the question: never published for a question the public page does not list.
SHOWS_QUESTION = {"question_published", "question_updated", "answer_published", "answer_edited",
                  "answer_deleted", "votes_changed", "now_answering", "answer_likes_changed"}
# The public kind of a question leaving the page, by its new state (anything else: question_removed).
LEAVING = {Question.State.HIDDEN: "question_hidden", Question.State.MERGED: "question_merged"}
SHOWN, PENDING, HIDDEN = "shown", "pending", "unseen"
NOBODY_ANSWERING = {"question_id": None, "parent_id": None, "html": ""}


@dataclass(frozen=True)
class Seen:
    """Where a question stood for the streams: `view` SHOWN on the public page, PENDING in the review queue,
    or HIDDEN from both; `answering`: it was the one being answered now."""
    view: str
    answering: bool = False


UNSEEN = Seen(HIDDEN)  # a question that did not exist yet


def publish(ama: Ama, kind: str, *, question: Question | None = None, answer: Answer | None = None,
            data: dict | None = None, shown: bool | None = None) -> LiveEvent | None:
    """Record one event. Must run inside the service's transaction.atomic; the stream learns of it on commit.
    Returns None (and changes nothing) for a public event about a question the public page does not show
    (`shown`: whether it does, when the caller just read it; None: read it here)."""
    if kind in SHOWS_QUESTION and question is not None and not (on_page(question) if shown is None else shown):
        return None
    payload = _payload(kind, question, answer) | (data or {})
    event = LiveEvent(ama_id=ama.pk, kind=kind, question=question, payload=payload,
                      audience=MODERATORS if kind in MODERATOR_KINDS else PUBLIC)
    deferred = getattr(_batch, "events", None)
    if deferred is not None:
        deferred.append((ama, event))  # seq and row at the batch's end
        return event
    with transaction.atomic(savepoint=False):  # the caller's (one when there is none)
        _store([(ama, event)])
    return event


def _store(events: list[tuple[Ama, LiveEvent]]) -> None:
    """Number and write events, in the order given: each AMA's version moves once by its events' count (in AMA id
    order, so two writers never lock AMAs in a circle), all rows go in one statement, each AMA's streams are told
    once, on commit."""
    by_ama: dict[int, list[tuple[Ama, LiveEvent]]] = {}
    for ama, event in events:
        by_ama.setdefault(ama.pk, []).append((ama, event))
    for pk in sorted(by_ama):
        own = by_ama[pk]
        first = own[0][0]
        last = bump_version(first, by=len(own))
        for seq, (ama, event) in enumerate(own, start=last - len(own) + 1):
            event.seq, ama.version, ama.changed_at = seq, last, first.changed_at
        transaction.on_commit(lambda pk=pk, last=last: transport.notify(pk, last))
    insert_rows([event for _ama, event in events])


def bump_version(ama: Ama, *, by: int = 1) -> int:
    """version + `by` and changed_at = now, atomically (one UPDATE … RETURNING); returns the new version (and
    sets it on `ama`)."""
    now = timezone.now()
    (ama.version,), = update_returning(Ama.objects.filter(pk=ama.pk), ("version",), version=F("version") + by,
                                       changed_at=now)
    ama.changed_at = now
    return ama.version


_batch = threading.local()


@contextmanager
def stored_once_per_batch():
    """federation.routing.wrap_batches, entered before (so left after) the votes' counting: the events a batch's
    rows publish are numbered and stored at its end (_store), so a row that publishes takes no AMA row lock as it
    runs (replies share a batch's transaction on PostgreSQL too). On an exception nothing is stored: the batch
    rolls back."""
    events: list[tuple[Ama, LiveEvent]] = []
    _batch.events = events
    try:
        yield
    finally:
        _batch.events = None
    if events:
        _store(events)


def _payload(kind: str, question: Question | None, answer: Answer | None) -> dict:
    if answer is not None:
        return fragments.answer_data(question or answer.question, answer)
    if question is None:
        return {}
    if kind in ("question_pending", "question_moderated"):
        return fragments.pending_data(question)
    if kind == "votes_changed":
        return fragments.votes_data(question)
    if kind in ("question_published", "question_updated", "now_answering"):
        return fragments.question_data(question)
    if kind == "question_merged":
        return {"question_id": question.pk, "merged_into": question.merged_into_id}
    return {"question_id": question.pk}


def answer_likes_changed(answer: Answer) -> None:
    """An answer's likes changed (inside the like's transaction, after like_count was written)."""
    publish(answer.question.ama, "answer_likes_changed", question=answer.question,
            data=fragments.answer_likes_data(answer))


def on_page(question: Question) -> bool:
    return Question.objects.on_page().filter(pk=question.pk).exists()


def question_view(question: Question) -> Seen:
    """Where a question stands now: take it before a change and hand it to `question_changed` after."""
    if question.pk is None:
        return UNSEEN
    if question.state == Question.State.PENDING:
        return Seen(PENDING)
    shown = on_page(question)
    return Seen(SHOWN if shown else HIDDEN, answering=shown and question.now_answering)


def new_question_view(question: Question) -> Seen:
    """question_view of a question created in this transaction, from the row in hand: it has no answer yet, so
    it is on the page when it is shown (Question.objects.on_page without its deleted-but-answered part), which
    needs only the suspended domains (one small query instead of on_page's)."""
    if question.state == Question.State.PENDING:
        return Seen(PENDING)
    shown = question.state == Question.State.PUBLISHED and (
        not question.is_late or question.ama.show_late_questions) and not is_suspended(question.author.domain)
    return Seen(SHOWN if shown else HIDDEN, answering=shown and question.now_answering)


def question_changed(question: Question, before: Seen) -> None:
    """Publish what the change of one question means for each audience (inside the service's transaction).
    `before` UNSEEN: the question was created in this transaction."""
    after = new_question_view(question) if before is UNSEEN else question_view(question)
    ama = question.ama
    if after.view == SHOWN:
        with fragments.just_created(question) if before is UNSEEN else nullcontext():
            publish(ama, "question_updated" if before.view == SHOWN else "question_published", question=question,
                    shown=True)
    elif before.view == SHOWN:
        publish(ama, LEAVING.get(question.state, "question_removed"), question=question)
    if before.answering and not after.answering:
        now_answering(ama, None)
    if after.view == PENDING:
        publish(ama, "question_pending", question=question)
    elif before.view == PENDING:
        publish(ama, "question_moderated", question=question)


def now_answering(ama: Ama, question: Question | None) -> None:
    """The question being answered now (None: none is); any other is no longer."""
    if question is None:
        publish(ama, "now_answering", data=NOBODY_ANSWERING)
    else:
        publish(ama, "now_answering", question=question)


def ama_changed(ama: Ama, was_state: str) -> None:
    """An AMA's schedule, state or text changed: ama_opened when it went live, ama_closed when it stopped
    taking questions, else ama_updated (drafts have no stream and publish nothing)."""
    if ama.state == Ama.State.DRAFT:
        return
    kind = "ama_updated"
    if ama.state == Ama.State.LIVE and was_state != Ama.State.LIVE:
        kind = "ama_opened"
    elif was_state in (Ama.State.SCHEDULED, Ama.State.LIVE) and not ama.is_open:
        kind = "ama_closed"
    publish(ama, kind, data=fragments.ama_data(ama))


def team_changed(ama: Ama) -> None:
    """Co-hosts or moderators changed: the public host card and the team's own links (the dashboard's) change
    with them, so the version moves (no cached render or 304 shows the old team); an ama_updated event."""
    if ama.state != Ama.State.DRAFT:
        publish(ama, "ama_updated", data=fragments.ama_data(ama))


def shown_from_domains(domains) -> set[int]:
    """The questions the public pages list whose author is on one of `domains` or their subdomains."""
    from federation.domain_policy import normalize_domain

    match = Q(pk__in=[])
    for name in filter(None, map(normalize_domain, domains)):
        match |= Q(author__domain=name) | Q(author__domain__endswith="." + name) | Q(
            author__domain__startswith=name + ":")
    return set(Question.objects.on_page().filter(match).values_list("pk", flat=True))


def domains_changed(domains, before: set[int]) -> None:
    """A domain policy changed: the questions it took off the public pages, or put back, as events.
    `before`: shown_from_domains(domains) taken before the change, in the same transaction."""
    after = shown_from_domains(domains)
    for pks, kind in ((before - after, "question_removed"), (after - before, "question_published")):
        for question in Question.objects.filter(pk__in=pks).select_related("ama").order_by("pk"):
            publish(question.ama, kind, question=question)


def purge_old_events(*, now=None) -> int:
    """Forget events older than FEDIAMA_LIVE_RETENTION_HOURS (a viewer back after that gets a `reset`)."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.FEDIAMA_LIVE_RETENTION_HOURS)
    deleted, _ = LiveEvent.objects.filter(created_at__lt=cutoff).delete()
    return deleted
