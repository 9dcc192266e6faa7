"""`Announce`-wrapped activities (a Lemmy community relaying its members' activities): unwrapped and routed
as if their own actor had sent them."""

from federation import actors
from federation.activities import host_of, id_of, type_of
from federation.routing import Ignore, Incoming, handlers_for, run_handlers, trusted_object

RELAYED_INNER = {"Create", "Update", "Delete", "Like", "Dislike", "Undo"}


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
