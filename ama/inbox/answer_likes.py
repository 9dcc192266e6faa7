"""Likes of our answers ("found helpful"), from any server, and their `Undo`. Tried after the question votes:
a Like whose object is no question may be an answer's."""

from federation.activities import id_of, text_of
from federation.routing import Incoming

from .. import services
from ..models import Answer


def _liked_answer(object_id: str | None) -> Answer | None:
    if not object_id:
        return None
    return Answer.objects.filter(ap_id=object_id, deleted_at__isnull=True).select_related("question__ama").first()


def on_like(incoming: Incoming) -> str | None:
    answer = _liked_answer(id_of(incoming.object))
    if answer is None:
        return None
    added = services.answer_like_add(answer=answer, actor=incoming.actor, ap_id=text_of(incoming.activity, "id"))
    return f"answer like {'added' if added else 'unchanged'} on {answer.pk}"


def undo_like(incoming: Incoming) -> str | None:
    """`Undo` of a Like of an answer (embedded, or named by its id alone)."""
    inner = incoming.object
    answer = _liked_answer(id_of(inner.get("object"))) if isinstance(inner, dict) else None
    if isinstance(inner, dict) and answer is None:
        return None
    removed = services.answer_like_remove(actor=incoming.actor, answer=answer, ap_id=id_of(inner) or "")
    return "answer like removed" if removed else None


def on_undo_by_id(incoming: Incoming) -> str | None:
    return None if isinstance(incoming.object, dict) else undo_like(incoming)
