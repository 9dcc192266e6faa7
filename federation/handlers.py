"""Inbox handlers for the social graph: Follow, Accept, Reject, Undo(Follow), Delete of an actor."""

from . import follows
from .activities import id_of
from .models import Actor
from .routing import Ignore, Incoming, register


def _local_target(ap_id: str | None) -> Actor:
    target = Actor.objects.filter(ap_id=ap_id, is_local=True).first() if ap_id else None
    if target is None:
        raise Ignore("not one of our actors")
    return target


@register("Follow")
def on_follow(incoming: Incoming) -> str:
    followed = _local_target(id_of(incoming.object))
    follow = follows.follow_received(follower=incoming.actor, followed=followed, follow_activity=incoming.activity)
    return f"follow {follow.state}"


def _answer(incoming: Incoming, *, accepted: bool) -> str:
    obj = incoming.object
    follow_id = id_of(obj)
    follower = id_of(obj.get("actor")) if isinstance(obj, dict) else None
    changed = follows.follow_answered(followed=incoming.actor, follow_ap_id=follow_id if not follower else None,
                                      follower_ap_id=follower, accepted=accepted)
    if not changed and follow_id:
        changed = follows.follow_answered(followed=incoming.actor, follow_ap_id=follow_id, follower_ap_id=None,
                                          accepted=accepted)
    if not changed:
        raise Ignore("no matching follow")
    return "follow accepted" if accepted else "follow rejected"


@register("Accept")
def on_accept(incoming: Incoming) -> str:
    return _answer(incoming, accepted=True)


@register("Reject")
def on_reject(incoming: Incoming) -> str:
    return _answer(incoming, accepted=False)


@register("Undo", "Follow")
def on_undo_follow(incoming: Incoming) -> str:
    obj = incoming.object
    if id_of(obj.get("actor")) != incoming.actor.ap_id:
        raise Ignore("undo of someone else's follow")
    removed = follows.unfollow_received(follower=incoming.actor, followed_ap_id=id_of(obj.get("object")))
    return f"unfollowed ({removed})"


@register("Delete")
def on_actor_delete(incoming: Incoming) -> str | None:
    """A Delete whose object is the actor itself; other Deletes pass on to the next handler."""
    if id_of(incoming.object) == incoming.actor.ap_id:
        follows.actor_deleted(incoming.actor)
        return "actor deleted"
    return None
