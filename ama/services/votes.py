"""Votes: one per actor and question. Likes count +1; Dislikes -1 only where the AMA allows downvotes.

A Like (the inbox's common case) is one `INSERT … ON CONFLICT DO NOTHING` that the unique (question, actor)
constraint makes idempotent (no savepoint, no error to catch) and, only when it inserted, `vote_count + 1` in the
database (its Undo: a delete, then `- 1` only when it deleted): exact under concurrent and repeated Likes without
reading the votes. Anything with a Dislike in it counts the question's votes again, since whether a Dislike counts
is the AMA's setting.

Inside an inbox batch (`counted_once_per_batch`, which ama/inbox/votes.py enters around it) the counting waits
for the batch's end: each question's count then moves once (`vote_count + n`, or a recount), its remote part is
worked out once, and its votes_changed is asked for once, whatever the number of its votes in the batch."""

import functools
import threading
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from federation.bulk_insert import insert_rows
from federation.models import Actor
from federation.routing import in_shared_row

from .. import live
from ..models import Question, Vote
from .tallies import question_tally_recount, questions_tally_recount


def _counted_votes(ama) -> Q:
    """Which votes count: Likes always, Dislikes only where the AMA allows downvotes."""
    return Q(value__gt=0) if not ama.allow_downvotes else Q()


def _recount(question: Question) -> None:
    total = Vote.objects.filter(_counted_votes(question.ama), question=question).aggregate(
        total=Sum("value"))["total"] or 0
    Question.objects.filter(pk=question.pk).update(vote_count=total)
    question.vote_count = total


def _add_like(question: Question, by: int) -> None:
    """Likes were recorded (by > 0) or removed (by < 0): the count moves by that much in the database."""
    Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + by)
    question.__dict__.pop("vote_count", None)  # deferred: read back (one query) only by whoever shows it


@dataclass
class _Waiting:
    """A vote an inbox batch inserts at its end (vote_add_at_batch_end); `added` is known then."""
    vote: Vote
    question: Question
    added: bool | None = None


@dataclass
class _Change:
    """A question's votes changed in this batch: its Likes' net move, or a recount (a Dislike or a flip)."""
    question: Question
    like_delta: int = 0
    recount: bool = False


_batch = threading.local()


@contextmanager
def counted_once_per_batch():
    """Around an inbox batch, inside its transaction: the votes' counting is done once per question at the
    end (see the module's docstring). Row locks are taken there, in one order: the questions' tally rows, then
    the questions by id, then (votes_changed) their AMAs, so two batches of votes never wait on each other in a
    circle. On an exception nothing is counted: the batch rolls back."""
    changes: dict[int, _Change] = {}
    _batch.changes, _batch.waiting = changes, []
    try:
        yield
        _insert_waiting()
    finally:
        _batch.changes, _batch.waiting = None, None
    _count_changes(changes)


def vote_add_at_batch_end(*, question: Question, actor: Actor, value: int = 1, ap_id: str = ""):
    """vote_add for a shared row of an inbox batch (ama/inbox/votes.py): the vote waits for the batch's end, where
    the batch's votes go in one INSERT instead of one each (a Like's round trip to PostgreSQL was a third of its
    processing). Returns a function that tells, after the batch's end, what vote_add would have returned; None
    outside a shared row of a batch (then call vote_add: a row with a savepoint of its own could roll back a vote
    left waiting). Every other vote write of the batch inserts the waiting ones first, so the batch's votes take
    effect in their order (a Like and its Undo in one batch leave no vote)."""
    waiting = getattr(_batch, "waiting", None)
    if waiting is None or not in_shared_row():
        return None
    entry = _Waiting(Vote(question=question, actor=actor, value=1 if value >= 0 else -1, ap_id=ap_id[:500]), question)
    waiting.append(entry)
    return lambda: entry.added


def _insert_waiting() -> None:
    """The batch's waiting votes in one INSERT … ON CONFLICT DO NOTHING; those that conflict (the voter had voted
    on the question before, or earlier in the batch) then take vote_add's way, in their order."""
    waiting = getattr(_batch, "waiting", None)
    if not waiting:
        return
    _batch.waiting = []
    by_key = sorted((entry.vote for entry in waiting), key=lambda vote: (vote.question_id, vote.actor_id))  # stable:
    # two drains inserting the same (question, actor) pairs take their keys in one order, never waiting in a circle
    inserted = {id(vote) for vote in insert_rows(by_key, skip_conflict_on=("question", "actor"))}
    for entry in waiting:
        vote = entry.vote
        if id(vote) in inserted:
            entry.added = True
            _counted(entry.question, like_delta=1 if vote.value > 0 else 0)
        else:
            entry.added = _changed_vote(entry.question, vote.actor, vote.value, vote.ap_id)


def _count_changes(changes: dict[int, _Change]) -> None:
    if not changes:
        return
    ordered = [changes[pk] for pk in sorted(changes)]
    questions = [change.question for change in ordered]
    questions_tally_recount(questions=questions)  # tally rows locked first (as the refresher takes them)
    if connection.vendor == "postgresql":  # the questions' rows locked by id, before any is written
        list(Question.objects.select_for_update().filter(pk__in=sorted(changes)).order_by("pk").values_list("pk"))
    by_delta: dict[int, list[int]] = {}
    for change in ordered:
        if change.recount:
            _recount(change.question)
        elif change.like_delta:
            by_delta.setdefault(change.like_delta, []).append(change.question.pk)
    for delta, ids in by_delta.items():  # usually one statement: every question moved by the same number
        Question.objects.filter(pk__in=ids).update(vote_count=F("vote_count") + delta)
    counts = dict(Question.objects.filter(pk__in=list(changes)).values_list("pk", "vote_count"))
    for question in questions:
        question.vote_count = counts.get(question.pk, question.vote_count)
    live.votes_changed(*(question for question in questions if question.pk in counts))


def _counted(question: Question, *, like_delta: int = 0) -> None:
    """The question's votes changed (inside the vote's transaction): the count, the credited remote part (a
    voter may be one of the likers its origin lists), and the coalesced live event; in an inbox batch, once per
    question at its end."""
    changes = getattr(_batch, "changes", None)
    if changes is not None:
        change = changes.setdefault(question.pk, _Change(question))
        change.recount = change.recount or not like_delta
        change.like_delta += like_delta
        return
    question_tally_recount(question=question)  # its tally row locked before the question's, as everywhere
    if like_delta:
        _add_like(question, like_delta)
    else:
        _recount(question)
    live.votes_changed(question)


def _insert(question: Question, actor: Actor, value: int, ap_id: str) -> bool:
    """Whether the vote was inserted (False: the actor had voted on the question already)."""
    sql, created_at = _insert_statement(connection.alias)
    params = [question.pk, actor.pk, value, ap_id[:500], created_at.get_db_prep_save(timezone.now(), connection)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return bool(cursor.fetchall())  # read to the end: SQLite finishes a RETURNING statement only then


@functools.cache
def _insert_statement(alias: str):
    """INSERT … ON CONFLICT (question, actor) DO NOTHING RETURNING id, and the created_at field (to prepare
    its value); built once per database."""
    quote, meta = connection.ops.quote_name, Vote._meta
    columns = ", ".join(quote(meta.get_field(name).column) for name in ("question", "actor", "value", "ap_id",
                                                                          "created_at"))
    conflict = ", ".join(quote(meta.get_field(name).column) for name in ("question", "actor"))
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES (%s, %s, %s, %s, %s) "
           f"ON CONFLICT ({conflict}) DO NOTHING RETURNING {quote(meta.pk.column)}")
    return sql, meta.get_field("created_at")


def vote_add(*, question: Question, actor: Actor, value: int = 1, ap_id: str = "") -> bool:
    """Record a vote; False when this actor's vote was already there with the same value. No savepoint inside
    an inbox batch: each write is one statement that either happens or fails the batch."""
    value = 1 if value >= 0 else -1
    with transaction.atomic(savepoint=False):
        _insert_waiting()
        if _insert(question, actor, value, ap_id):
            _counted(question, like_delta=1 if value > 0 else 0)
            return True
        return _changed_vote(question, actor, value, ap_id)


def _changed_vote(question: Question, actor: Actor, value: int, ap_id: str) -> bool:
    """The actor's vote on the question was there: its value changed (and counted) if it was another."""
    changed = Vote.objects.filter(question=question, actor=actor).exclude(value=value).update(
        value=value, ap_id=ap_id[:500])
    if changed:
        _counted(question)
    return bool(changed)


def vote_remove(*, actor: Actor, question: Question | None = None, ap_id: str = "") -> bool:
    """Undo a vote, found by its Like's id or by (question, actor)."""
    with transaction.atomic(savepoint=False):
        _insert_waiting()
        votes = Vote.objects.filter(actor=actor)
        votes = votes.filter(ap_id=ap_id) if ap_id and not question else votes.filter(question=question)
        vote = votes.select_related("question__ama").first()
        if vote is None or not Vote.objects.filter(pk=vote.pk, value=vote.value).delete()[0]:
            return False  # gone (or changed) meanwhile: that Undo or vote counted it
        _counted(vote.question, like_delta=-1 if vote.value > 0 else 0)
    return True


def ama_votes_recount(*, ama) -> None:
    """Every question of the AMA counted again by its current downvote setting, in one UPDATE (inside the
    caller's transaction: ama_update, when allow_downvotes changes)."""
    totals = (Vote.objects.filter(_counted_votes(ama), question=OuterRef("pk")).values("question")
              .annotate(total=Sum("value")).values("total"))
    Question.objects.filter(ama=ama).update(vote_count=Coalesce(Subquery(totals), 0))
