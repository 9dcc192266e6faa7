"""Activities addressed to an AMA's Group (FEP-1b12, as Lemmy, Mbin and PieFed send them): votes, their
undoing and an author's `Delete`, handled by the generic handlers and relayed by the Group to its followers;
a moderator's removal (`Delete` of another's comment, `Remove`). Each returns None for an activity that does
not concern a Group, and the generic handlers then run (table.py lists these first). Comments (Create(Note)
with `audience`) need nothing here: questions.py turns them into questions; approval announces them."""

from collections.abc import Callable

from federation.activities import id_of, ids_of, text_of, type_of
from federation.routing import Handler, Ignore, Incoming

from .. import services
from ..activitypub import publish_group
from ..models import Ama, Question
from .edits import on_delete
from .votes import on_dislike, on_like, undo_vote


def addressed_group_ama(incoming: Incoming) -> Ama | None:
    """The AMA whose Group this activity is addressed to: `audience`, `to`/`cc`, or the Group's inbox."""
    body = incoming.activity
    inner = body.get("object") if isinstance(body.get("object"), dict) else {}
    named = ids_of(body.get("audience")) + ids_of(body.get("to")) + ids_of(body.get("cc")) + ids_of(
        inner.get("audience"))
    via = incoming.message.received_via
    ama = Ama.objects.filter(group__ap_id__in=named).select_related("group").first() if named else None
    if ama is None and via.startswith("/c/") and via.endswith("/inbox"):
        ama = Ama.objects.filter(group__username=via[3:-6]).select_related("group").first()
    return ama


def _relay(incoming: Incoming, generic: Handler, *, relay_if: Callable[[Ama], bool] | None = None) -> str | None:
    """Run the generic handler for an activity addressed to a Group; the Group relays it when it did
    something (and `relay_if(ama)`, when given)."""
    ama = addressed_group_ama(incoming)
    if ama is None:
        return None
    result = generic(incoming)
    if result is not None and (relay_if is None or relay_if(ama)):
        publish_group.send_received(ama, incoming.activity)
    return result


def _allows_downvotes(ama: Ama) -> bool:
    return ama.allow_downvotes


def on_group_like(incoming: Incoming) -> str | None:
    return _relay(incoming, on_like)


def on_group_dislike(incoming: Incoming) -> str | None:
    """Stored as a vote either way; counted and relayed only where the AMA allows downvotes."""
    return _relay(incoming, on_dislike, relay_if=_allows_downvotes)


def on_group_undo(incoming: Incoming) -> str | None:
    inner = incoming.object
    if isinstance(inner, dict) and type_of(inner) not in ("Like", "Dislike"):
        return None
    return _relay(incoming, undo_vote)


def _published_question(incoming: Incoming) -> Question | None:
    return Question.objects.filter(ap_id=id_of(incoming.object) or "", state=Question.State.PUBLISHED) \
        .select_related("ama", "author").first()


def on_group_delete(incoming: Incoming) -> str | None:
    """The author deletes a comment that the Group had announced: tombstoned here, relayed to followers.
    Someone else's Delete of it is a moderator's removal (Lemmy's, the reason in `summary`)."""
    question = _published_question(incoming)
    if question is None:
        return None
    if question.author_id != incoming.actor.pk:
        return _removed_by_remote_moderator(incoming, question)
    result = on_delete(incoming)
    publish_group.send_received(question.ama, incoming.activity)
    return result


def on_group_remove(incoming: Incoming) -> str | None:
    """`Remove` of a comment (older Lemmy, Mbin): a moderator's removal."""
    question = _published_question(incoming)
    return _removed_by_remote_moderator(incoming, question) if question is not None else None


def _removed_by_remote_moderator(incoming: Incoming, question: Question) -> str:
    """A verified remote co-host removes a question as a local moderator would (audited, and the Group
    announces the removal); anyone else's removal is ignored."""
    if not services.is_verified_remote_host(question.ama, incoming.actor):
        raise Ignore("removal of another's comment by someone who does not moderate this AMA")
    reason = text_of(incoming.activity, "summary") or "removed by a moderator"
    services.question_reject(question=question, note=reason[:2000], by_actor=incoming.actor)
    return f"question {question.pk} removed by {incoming.actor.ap_id}"
