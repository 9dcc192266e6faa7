"""Likes of answers ("found helpful by 9"): one per actor and answer, counted on the answer alone. They never
touch a question's votes, score or place in the ranking."""

from django.db import IntegrityError, transaction

from federation.models import Actor

from .. import live
from ..models import Answer, AnswerLike


def _recount(answer: Answer) -> None:
    answer.like_count = AnswerLike.objects.filter(answer=answer).count()
    Answer.objects.filter(pk=answer.pk).update(like_count=answer.like_count)
    live.answer_likes_changed(answer)


def answer_like_add(*, answer: Answer, actor: Actor, ap_id: str = "") -> bool:
    """Record `actor`'s like of `answer`; False when it was already there. Publishes answer_likes_changed."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                AnswerLike.objects.create(answer=answer, actor=actor, ap_id=ap_id[:500])
        except IntegrityError:
            return False
        _recount(answer)
    return True


def answer_like_remove(*, actor: Actor, answer: Answer | None = None, ap_id: str = "") -> bool:
    """Undo a like, found by (answer, actor) or, without an answer, by its Like's id; False when none was there."""
    with transaction.atomic():
        likes = AnswerLike.objects.filter(actor=actor)
        likes = likes.filter(answer=answer) if answer is not None else likes.filter(ap_id=ap_id or None)
        like = likes.select_related("answer__question__ama").first()
        if like is None:
            return False
        like.delete()
        _recount(like.answer)
    return True
