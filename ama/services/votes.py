"""Votes: one per actor and question. Likes count +1; Dislikes -1 only where the AMA allows downvotes."""

from django.db import IntegrityError, transaction
from django.db.models import Q, Sum

from federation.models import Actor

from .. import live
from ..models import Question, Vote
from .tallies import question_tally_recount


def _recount(question: Question) -> int:
    counted = Q(value__gt=0) if not question.ama.allow_downvotes else Q()
    total = Vote.objects.filter(counted, question=question).aggregate(total=Sum("value"))["total"] or 0
    Question.objects.filter(pk=question.pk).update(vote_count=total)
    question.vote_count = total
    question_tally_recount(question=question)  # a voter may be one of the likers its origin lists
    return total


def vote_add(*, question: Question, actor: Actor, value: int = 1, ap_id: str = "") -> bool:
    """Record a vote; False when this actor's vote was already there with the same value."""
    value = 1 if value >= 0 else -1
    with transaction.atomic():
        existing = Vote.objects.select_for_update().filter(question=question, actor=actor).first()
        if existing and existing.value == value:
            return False
        if existing:
            existing.value, existing.ap_id = value, ap_id[:500]
            existing.save(update_fields=["value", "ap_id"])
        else:
            try:
                with transaction.atomic():
                    Vote.objects.create(question=question, actor=actor, value=value, ap_id=ap_id[:500])
            except IntegrityError:
                return False
        _recount(question)
        live.votes_changed(question)
    return True


def vote_remove(*, actor: Actor, question: Question | None = None, ap_id: str = "") -> bool:
    """Undo a vote, found by its Like's id or by (question, actor)."""
    with transaction.atomic():
        votes = Vote.objects.filter(actor=actor)
        votes = votes.filter(ap_id=ap_id) if ap_id and not question else votes.filter(question=question)
        vote = votes.select_related("question__ama").first()
        if vote is None:
            return False
        vote.delete()
        _recount(vote.question)
        live.votes_changed(vote.question)
    return True
