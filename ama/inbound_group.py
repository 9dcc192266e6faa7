"""Inbox handlers for activities addressed to an AMA's Group (FEP-1b12, as Lemmy, Mbin and PieFed send them).

Imported before ama.inbound (see apps.py), so these run first for their keys: each either handles an
activity that concerns a Group (calling the generic handlers of ama.inbound, then announcing what the Group
must relay to its followers) or returns None and lets the generic handlers run. Comments (Create(Note) with
`audience`) need nothing here: ama.inbound turns them into questions; approval announces them."""

from federation import actors
from federation.activities import host_of, id_of, ids_of, text_of, type_of
from federation.routing import Ignore, Incoming, handlers_for, register, run_handlers, trusted_object

from . import services
from .activitypub import publish_group
from .models import Ama, Question

RELAYED_INNER = {"Create", "Update", "Delete", "Like", "Dislike", "Undo"}


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


# ---- a remote host proves a claim -----------------------------------------------------------------

@register("Create", "Note")
def on_claim_code(incoming: Incoming) -> str | None:
    """A post carrying a claim code from the claimed account verifies it (it is not also a question)."""
    if incoming.actor.is_local or not services.remote_hosts.has_waiting_claim(incoming.actor):
        return None
    note = incoming.trusted_object()
    if id_of(note.get("attributedTo")) not in (None, incoming.actor.ap_id):
        return None
    from federation.activities import content_and_language
    content, _ = content_and_language(note)
    claims = services.remote_host_claim_verify(actor=incoming.actor, content_html=content,
                                               evidence_ap_id=note.get("id", ""))
    if not claims:
        return None
    return "remote host verified for " + ", ".join(claim.ama.slug for claim in claims)


# ---- votes, their undoing and an author's Delete, relayed by the Group --------------------------

def _relay(incoming: Incoming, generic, *, relay_if=lambda ama: True) -> str | None:
    ama = addressed_group_ama(incoming)
    if ama is None:
        return None
    result = generic(incoming)
    if result is not None and relay_if(ama):
        publish_group.send_received(ama, incoming.activity)
    return result


@register("Like")
def on_group_like(incoming: Incoming) -> str | None:
    from .inbound import on_like
    return _relay(incoming, on_like)


@register("Dislike")
def on_group_dislike(incoming: Incoming) -> str | None:
    """Stored as a vote either way; counted and relayed only where the AMA allows downvotes."""
    from .inbound import on_dislike
    return _relay(incoming, on_dislike, relay_if=lambda ama: ama.allow_downvotes)


def on_group_undo(incoming: Incoming) -> str | None:
    from .inbound import _undo_vote
    inner = incoming.object
    if isinstance(inner, dict) and type_of(inner) not in ("Like", "Dislike"):
        return None
    return _relay(incoming, _undo_vote)


register("Undo", "Like")(on_group_undo)
register("Undo", "Dislike")(on_group_undo)
register("Undo")(on_group_undo)


def _published_question(incoming: Incoming) -> Question | None:
    return Question.objects.filter(ap_id=id_of(incoming.object) or "", state=Question.State.PUBLISHED) \
        .select_related("ama", "author").first()


@register("Delete")
def on_group_delete(incoming: Incoming) -> str | None:
    """The author deletes a comment that the Group had announced: tombstoned here, relayed to followers.
    Someone else's Delete of it is a moderator's removal (Lemmy's, the reason in `summary`)."""
    from .inbound import on_delete
    question = _published_question(incoming)
    if question is None:
        return None
    if question.author_id != incoming.actor.pk:
        return _removed_by_remote_moderator(incoming, question)
    result = on_delete(incoming)
    publish_group.send_received(question.ama, incoming.activity)
    return result


@register("Remove")
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


# ---- Announce-wrapped activities (a Lemmy community relaying its members' activities) -------------

@register("Announce")
def on_announce(incoming: Incoming) -> str | None:
    """Unwrap; believe the inner activity only if it is the signer's own, otherwise fetch it by id; then
    route it as if its own actor had sent it. A boost of a post (object: a link or a Note) is not ours."""
    inner = incoming.object
    if not isinstance(inner, dict) or type_of(inner) not in RELAYED_INNER:
        return None
    inner = trusted_object(inner, incoming.actor)
    if type_of(inner) not in RELAYED_INNER:
        raise Ignore(f"announced {type_of(inner) or 'untyped object'} is not an activity we relay")
    actor_id = id_of(inner.get("actor"))
    if not actor_id or host_of(actor_id) != host_of(id_of(inner)):
        raise Ignore("announced activity is not on its actor's host")
    actor = incoming.actor if actor_id == incoming.actor.ap_id else _resolve(actor_id)
    unwrapped = Incoming(activity=inner, actor=actor, message=incoming.message)
    return "announced " + run_handlers(handlers_for(inner), unwrapped)


def _resolve(actor_id: str):
    try:
        return actors.resolve_actor(actor_id)
    except actors.ActorError as error:
        raise Ignore(str(error)) from error

