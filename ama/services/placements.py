"""Placements: the AMA held in existing communities on other servers (ama/models/placements.py). Adding one,
posting the AMA there on publish, and what the community's moderators do to it (a lock, a ban, a removal)."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import Actor

from .. import audit, live
from ..activitypub import placements as ap_placements
from ..activitypub.accounts import AccountNotFound, find_account
from ..models import Ama, Placement, Question
from .errors import ServiceError
from .questions import question_reject

REMOVED_BY_COMMUNITY = "removed by the community"


def community_find(target: str) -> Actor:
    """A remote `Group` by handle (`!name@server`, `name@server`) or URL, through WebFinger and the safe
    fetcher; anything else is a ServiceError saying why."""
    cleaned = target.strip()
    if not cleaned:
        raise ServiceError(_("name a community: !name@server or its URL"))
    try:
        actor = find_account(cleaned.lstrip("!") if not cleaned.startswith("http") else cleaned)
    except AccountNotFound as error:
        raise ServiceError(_("%(target)s could not be found: %(error)s") % {"target": cleaned, "error": error}) from error
    if actor.is_local:
        raise ServiceError(_("%(target)s is on this server: an AMA has its own community here already")
                           % {"target": cleaned})
    if actor.actor_type != Actor.Type.GROUP:
        raise ServiceError(_("%(target)s is a %(type)s, not a community (a Group)")
                           % {"target": cleaned, "type": actor.actor_type})
    return actor


def placement_add(*, ama: Ama, target: str, by_user=None) -> Placement:
    """Hold the AMA in one more community; posted there at once if the AMA is published."""
    if not ama.host.is_local:
        raise ServiceError(_("only a host with an account on this server can post in a community"))
    community = community_find(target)
    with transaction.atomic():
        placement, created = Placement.objects.get_or_create(ama=ama, community=community)
        if not created:
            raise ServiceError(_("this AMA is already held in %(community)s") % {"community": community.handle})
        audit.record(user=by_user, action="placement.add", ama=ama, target=community.ap_id)
        if ama.published_at and not ama.deleted_at:
            placement_post(placement=placement)
            live.ama_changed(ama, ama.state)
    return placement


def placement_post(*, placement: Placement) -> Placement:
    """The host follows the community and posts the AMA there (must run inside a transaction)."""
    follow = ap_placements.send_follow(placement)
    placement.post_ap_id = ap_placements.post_id(placement)
    placement.follow_ap_id, placement.state, placement.posted_at = follow.ap_id, Placement.State.POSTED, \
        timezone.now()
    placement.save(update_fields=["post_ap_id", "follow_ap_id", "state", "posted_at"])
    ap_placements.send_post_created(placement)
    return placement


def placements_publish(*, ama: Ama) -> None:
    """On publish: post the AMA in every community named for it."""
    for placement in ama.placements.filter(state=Placement.State.PENDING).select_related("community"):
        placement_post(placement=placement)


def placement_locked(*, placement: Placement, locked: bool) -> Placement:
    """The community's moderators locked (or unlocked) our post there."""
    placement.locked_at = timezone.now() if locked else None
    placement.save(update_fields=["locked_at"])
    live.ama_changed(placement.ama, placement.ama.state)  # the page says where it is held: a new version
    audit.record(user=None, action="placement.lock" if locked else "placement.unlock", ama=placement.ama,
                 target=placement.community.ap_id, public=True)
    return placement


def placement_end(*, placement: Placement, reason: str) -> Placement:
    """The community banned the host or removed our post: nothing more is sent there."""
    placement.state, placement.refused_reason = Placement.State.ENDED, reason[:500]
    placement.save(update_fields=["state", "refused_reason"])
    live.ama_changed(placement.ama, placement.ama.state)
    audit.record(user=None, action="placement.end", ama=placement.ama, target=placement.community.ap_id, reason=reason,
                 public=True)
    return placement


def placement_withdraw(*, placement: Placement, by_user=None) -> Placement | None:
    """The host takes the AMA out of a community: a post there is deleted (its id then answers 410), a
    placement never posted is forgotten (None). The host's follow of the community stays: it is the host's,
    and may serve another of their AMAs there."""
    ama, community = placement.ama, placement.community
    with transaction.atomic():
        audit.record(user=by_user, action="placement.withdraw", ama=ama, target=community.ap_id)
        if not placement.post_ap_id:
            placement.delete()
            return None
        if placement.state == Placement.State.POSTED:
            ap_placements.send_post_deleted(placement)
        placement.state = Placement.State.WITHDRAWN
        placement.save(update_fields=["state"])
        live.ama_changed(ama, ama.state)
    return placement


def question_removed_by_community(*, question: Question, community: Actor, reason: str = "") -> Question:
    """The community's moderators removed a comment that was a question here: hidden here too, saying so."""
    if question.state in (Question.State.DELETED, Question.State.REJECTED):
        return question
    note = REMOVED_BY_COMMUNITY + (f" ({community.handle}): {reason}" if reason else f" ({community.handle})")
    return question_reject(question=question, note=note[:2000], by_actor=community)
