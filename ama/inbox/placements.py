"""Inbox handlers for the communities elsewhere where an AMA is posted (ama/models/placements.py): comments
under our post there become questions; the community's moderation (Lock of our post, a Block of the host, the
removal of a comment or of our post) is honoured here. Listed in ama/inbox/table.py before the AMA's own
handlers, so they see a community's Announce first; anything not about a placement passes on.

Announced activities are believed only when the community's own (the signer's) or fetched from their origin
(federation.routing.trusted_object): the Group is never trusted for another actor's words."""

from federation.activities import content_and_language, id_of, text_of, type_of
from federation.routing import Ignore, Incoming, trusted_object
from federation.safe_urls import http_url

from .. import services
from ..activitypub import ids
from ..models import Placement, Question
from .questions import note_from

MODERATION = {"Lock", "Undo", "Block", "Delete", "Remove"}


def _placement_for_post(post_id: str | None) -> Placement | None:
    if not post_id or not ids.may_be_placement_post(post_id):
        return None
    return Placement.objects.filter(post_ap_id=post_id).select_related("ama", "community").first()


def on_comment(incoming: Incoming) -> str | None:
    """A comment replying to our post in a community: a question, as a reply to the AMA would be."""
    obj = incoming.object
    placement = _placement_for_post(id_of(obj.get("inReplyTo"))) if isinstance(obj, dict) else None
    if placement is None:
        return None
    note = note_from(incoming)
    ama = placement.ama
    if ama.deleted_at or placement.state in (Placement.State.ENDED, Placement.State.WITHDRAWN):
        raise Ignore("the AMA is no longer held in that community")
    if placement.locked_at:
        raise Ignore("our post is locked in that community")
    content, language = content_and_language(note)
    question = services.question_receive(
        ama=ama, author=incoming.actor, ap_id=note["id"], content_html=content, language=language or _lemmy_language(note),
        in_reply_to=placement.post_ap_id, url=http_url(note.get("url")) or "", received_message=incoming.message)
    return f"question {question.pk} {question.state} (from {placement.community.handle})"


def _lemmy_language(note: dict) -> str:
    """Lemmy's and PieFed's `language`: {"identifier": "fr", "name": "Français"}."""
    tag = note.get("language")
    return text_of(tag, "identifier")[:16] if isinstance(tag, dict) else ""


def _community_placements(incoming: Incoming):
    return Placement.objects.filter(community=incoming.actor).select_related("ama__host", "community")


def on_community_moderation(incoming: Incoming) -> str | None:
    """A community where an AMA is posted announces its moderators' Lock, Block, Delete or Remove."""
    inner = incoming.object
    if not isinstance(inner, dict) or type_of(inner) not in MODERATION:
        return None
    placements = list(_community_placements(incoming))
    if not placements:
        return None
    inner = trusted_object(inner, incoming.actor)
    for handler in (_lock, _block, _removal):
        result = handler(incoming, inner, placements)
        if result is not None:
            return result
    return None


def _lock(incoming: Incoming, inner: dict, placements: list[Placement]) -> str | None:
    kind, target = type_of(inner), inner.get("object")
    locking = kind == "Lock"
    if kind == "Undo" and isinstance(target, dict) and type_of(target) == "Lock":
        target = target.get("object")
    elif not locking:
        return None
    placement = next((p for p in placements if p.post_ap_id == id_of(target)), None)
    if placement is None:
        return None
    services.placement_locked(placement=placement, locked=locking)
    return f"post {'locked' if locking else 'unlocked'} in {placement.community.handle}"


def _block(incoming: Incoming, inner: dict, placements: list[Placement]) -> str | None:
    if type_of(inner) != "Block":
        return None
    banned = [p for p in placements if p.ama.host.ap_id == id_of(inner.get("object"))]
    reason = "the community banned the host" + (f": {text_of(inner, 'summary')}" if text_of(inner, "summary") else "")
    for placement in banned:
        services.placement_end(placement=placement, reason=reason)
    return f"host banned in {incoming.actor.ap_id}" if banned else None


def _removal(incoming: Incoming, inner: dict, placements: list[Placement]) -> str | None:
    """A moderator's Delete (Lemmy 0.19, with the reason in `summary`) or Remove (Mbin, older Lemmy) of our
    post (the placement ends) or of a comment that is a question here (hidden here, saying so). An author's
    own Delete is not this: it passes on to the AMA's handlers."""
    if type_of(inner) not in ("Delete", "Remove"):
        return None
    object_id, remover = id_of(inner.get("object")), id_of(inner.get("actor"))
    reason = text_of(inner, "summary")
    post = next((p for p in placements if p.post_ap_id == object_id), None)
    if post is not None and remover != post.ama.host.ap_id:
        services.placement_end(placement=post, reason="the community removed the post"
                               + (f": {reason}" if reason else ""))
        return f"post removed in {post.community.handle}"
    question = Question.objects.filter(ap_id=object_id or "", ama__in=[p.ama for p in placements]) \
        .select_related("author", "ama").first()
    if question is None or question.author.ap_id == remover:
        return None
    services.question_removed_by_community(question=question, community=incoming.actor, reason=reason)
    return f"question {question.pk} removed by {incoming.actor.ap_id}"
