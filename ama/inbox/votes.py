"""Votes: `Like` and `Dislike` of an approved question, and their `Undo`."""

from federation.activities import id_of, text_of
from federation.routing import Incoming

from .. import services
from ..models import Question


def _voted_question(object_id: str | None) -> Question | None:
    if not object_id:
        return None
    return Question.objects.filter(ap_id=object_id, state=Question.State.PUBLISHED).select_related("ama").first()


def _vote(incoming: Incoming, value: int) -> str | None:
    question = _voted_question(id_of(incoming.object))
    if question is None:
        return None
    added = services.vote_add(question=question, actor=incoming.actor, value=value,
                              ap_id=text_of(incoming.activity, "id"))
    return f"vote {'added' if added else 'unchanged'} on {question.pk}"


def on_like(incoming: Incoming) -> str | None:
    return _vote(incoming, 1)


def on_dislike(incoming: Incoming) -> str | None:
    return _vote(incoming, -1)


def undo_vote(incoming: Incoming) -> str | None:
    """`Undo` of a vote (its Like or Dislike embedded, or named by its id alone)."""
    inner = incoming.object
    question = _voted_question(id_of(inner.get("object"))) if isinstance(inner, dict) else None
    removed = services.vote_remove(actor=incoming.actor, question=question, ap_id=id_of(inner) or "")
    return "vote removed" if removed else None


def on_undo_by_id(incoming: Incoming) -> str | None:
    """`Undo` naming what it undoes by id alone: perhaps a vote (an embedded object was routed by its type)."""
    return None if isinstance(incoming.object, dict) else undo_vote(incoming)
