"""The AMA's team: co-hosts with an account here, and the moderators of one AMA. (Co-hosts on other servers go
through the claim flow of ama.services.remote_hosts.)

Permission checks are the caller's (ama.permissions.can_edit_ama)."""

from django.db import transaction

from federation.models import Actor

from .. import audit
from ..models import Ama, ModeratorAssignment, RemoteHostClaim
from .errors import ServiceError


def ama_cohost_add(*, ama: Ama, actor: Actor, by_user=None) -> Actor:
    """A local host (an account here with its fediverse identity) co-hosts the AMA: answers and moderates it."""
    if not actor.is_local or actor.actor_type != Actor.Type.PERSON:
        raise ServiceError("a co-host on another server is named by handle and confirms with a code")
    if actor.pk == ama.host_id:
        raise ServiceError("the host already hosts this AMA")
    if ama.cohosts.filter(pk=actor.pk).exists():
        raise ServiceError(f"{actor.handle} already co-hosts this AMA")
    with transaction.atomic():
        ama.cohosts.add(actor)
        audit.record(user=by_user, action="ama.cohost_add", ama=ama, target=actor.ap_id, public=True)
    return actor


def ama_cohost_remove(*, ama: Ama, actor: Actor, by_user=None) -> None:
    """No longer a co-host (a remote one's claim goes too); what they wrote keeps their name."""
    claimed = RemoteHostClaim.objects.filter(ama=ama, actor=actor)
    if not ama.cohosts.filter(pk=actor.pk).exists() and not claimed.exists():
        raise ServiceError(f"{actor.handle} does not co-host this AMA")
    with transaction.atomic():
        claimed.delete()
        ama.cohosts.remove(actor)
        audit.record(user=by_user, action="ama.cohost_remove", ama=ama, target=actor.ap_id, public=True)


def ama_moderator_add(*, ama: Ama, user, by_user=None) -> ModeratorAssignment:
    """`user` moderates this AMA (on its pages and through the API; the admin site also wants staff status)."""
    if not user.is_active:
        raise ServiceError(f"the account {user.username} is disabled")
    if ModeratorAssignment.objects.filter(user=user, ama=ama).exists():
        raise ServiceError(f"{user.username} already moderates this AMA")
    with transaction.atomic():
        assignment = ModeratorAssignment.objects.create(user=user, ama=ama)
        audit.record(user=by_user, action="moderator.assign", ama=ama, target=user.username)
    return assignment


def ama_moderator_remove(*, ama: Ama, user, by_user=None) -> None:
    with transaction.atomic():
        removed, _kinds = ModeratorAssignment.objects.filter(user=user, ama=ama).delete()
        if not removed:
            raise ServiceError(f"{user.username} does not moderate this AMA")
        audit.record(user=by_user, action="moderator.remove", ama=ama, target=user.username)
