"""Votes: one per actor and question. Likes count +1; Dislikes -1 only where the AMA allows downvotes.

A Like (the inbox's common case) is one insert that the unique (question, actor) constraint makes idempotent
and, only when it inserted, `vote_count + 1` in the database (its Undo: a delete, then `- 1` only when it
deleted): exact under concurrent and repeated Likes without reading the votes. Anything with a Dislike in it
counts the question's votes again, since whether a Dislike counts is the AMA's setting."""

from django.db import IntegrityError, transaction
from django.db.models import F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from federation.models import Actor

from .. import live
from ..models import Question, Vote
from .tallies import question_tally_recount


def _counted_votes(ama) -> Q:
    """Which votes count: Likes always, Dislikes only where the AMA allows downvotes."""
    return Q(value__gt=0) if not ama.allow_downvotes else Q()


def _recount(question: Question) -> None:
    total = Vote.objects.filter(_counted_votes(question.ama), question=question).aggregate(
        total=Sum("value"))["total"] or 0
    Question.objects.filter(pk=question.pk).update(vote_count=total)
    question.vote_count = total


def _add_like(question: Question, by: int) -> None:
    """A Like was recorded (by=1) or removed (by=-1): the count moves by one in the database."""
    Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + by)
    question.__dict__.pop("vote_count", None)  # deferred: read back (one query) only by whoever shows it


def _counted(question: Question, *, like_delta: int = 0) -> None:
    """The question's votes changed (inside the vote's transaction): the count, the credited remote part (a
    voter may be one of the likers its origin lists), and the coalesced live event."""
    if like_delta:
        _add_like(question, like_delta)
    else:
        _recount(question)
    question_tally_recount(question=question)
    live.votes_changed(question)


def _insert(question: Question, actor: Actor, value: int, ap_id: str) -> Vote | None:
    """The new vote, or None when the actor had voted on the question already."""
    try:
        with transaction.atomic():
            return Vote.objects.create(question=question, actor=actor, value=value, ap_id=ap_id[:500])
    except IntegrityError:
        return None


def vote_add(*, question: Question, actor: Actor, value: int = 1, ap_id: str = "") -> bool:
    """Record a vote; False when this actor's vote was already there with the same value."""
    value = 1 if value >= 0 else -1
    with transaction.atomic():
        if _insert(question, actor, value, ap_id) is not None:
            _counted(question, like_delta=1 if value > 0 else 0)
            return True
        changed = Vote.objects.filter(question=question, actor=actor).exclude(value=value).update(
            value=value, ap_id=ap_id[:500])
        if not changed:
            return False
        _counted(question)
    return True


def vote_remove(*, actor: Actor, question: Question | None = None, ap_id: str = "") -> bool:
    """Undo a vote, found by its Like's id or by (question, actor)."""
    with transaction.atomic():
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
