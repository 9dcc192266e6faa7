"""Follows between local and remote actors (the only writers of Follow rows)."""

from django.db import transaction

from . import actors, outbox
from .activities import activity
from .models import Actor, Follow


def accept_follow(follow: Follow, follow_activity: dict) -> None:
    """Mark accepted and send Accept(Follow) signed by the followed local actor."""
    follow.state = Follow.State.ACCEPTED
    follow.save(update_fields=["state"])
    followed = follow.followed
    accept = activity("Accept", actor=followed.ap_id, obj=follow_activity, to=[follow.follower.ap_id])
    outbox.publish(accept, sender=followed, recipients=[follow.follower], public=False)


def follow_received(*, follower: Actor, followed: Actor, follow_activity: dict) -> Follow:
    """A remote Follow of a local actor: auto-accepted unless the actor is locked."""
    with transaction.atomic():
        follow, created = Follow.objects.select_for_update().get_or_create(
            follower=follower, followed=followed,
            defaults={"ap_id": str(follow_activity.get("id", ""))[:500], "state": Follow.State.PENDING})
        already_accepted = follow.state == Follow.State.ACCEPTED
        if not created:  # a repeated Follow: an accepted one stays accepted (and is accepted again)
            follow.ap_id = str(follow_activity.get("id", ""))[:500]
            follow.state = follow.state if already_accepted else Follow.State.PENDING
            follow.save(update_fields=["ap_id", "state"])
        if already_accepted or not followed.manually_approves_followers:
            accept_follow(follow, follow_activity)
    return follow


def unfollow_received(*, follower: Actor, followed_ap_id: str) -> int:
    deleted, _ = Follow.objects.filter(follower=follower, followed__ap_id=followed_ap_id).delete()
    return deleted


def follow_answered(*, followed: Actor, follow_ap_id: str | None, follower_ap_id: str | None,
                    accepted: bool) -> int:
    """The remote side's Accept or Reject of one of our follows."""
    rows = Follow.objects.filter(followed=followed, follower__is_local=True)
    if follow_ap_id:
        rows = rows.filter(ap_id=follow_ap_id)
    elif follower_ap_id:
        rows = rows.filter(follower__ap_id=follower_ap_id)
    else:
        return 0
    if accepted:
        return rows.update(state=Follow.State.ACCEPTED)
    deleted, _ = rows.delete()
    return deleted


def follow_remote(*, follower: Actor, target_ap_id: str) -> Follow:
    """A local actor follows a remote one: a pending Follow until its Accept arrives."""
    target = actors.resolve_actor(target_ap_id)
    with transaction.atomic():
        follow_activity = activity("Follow", actor=follower.ap_id, obj=target.ap_id, to=[target.ap_id])
        follow, _ = Follow.objects.update_or_create(
            follower=follower, followed=target,
            defaults={"ap_id": follow_activity["id"], "state": Follow.State.PENDING})
        outbox.publish(follow_activity, sender=follower, recipients=[target], public=False)
    return follow


def actor_deleted(actor: Actor) -> None:
    """A remote actor's self-Delete: its follows go, the cached actor is marked gone."""
    Follow.objects.filter(follower=actor).delete()
    Follow.objects.filter(followed=actor).delete()
    actors.mark_gone(actor.ap_id)
