"""The AMA's team: co-hosts with an account here, and the moderators of one AMA. (Co-hosts on other servers go
through the claim flow of ama.services.remote_hosts.)

Permission checks are the caller's (ama.permissions.can_edit_ama)."""

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from federation.models import Actor

from .. import audit, live
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
        live.team_changed(ama)
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
        live.team_changed(ama)
        audit.record(user=by_user, action="ama.cohost_remove", ama=ama, target=actor.ap_id, public=True)


def ama_moderator_add(*, ama: Ama, user, by_user=None) -> ModeratorAssignment:
    """`user` moderates this AMA (on its pages and through the API; the admin site also wants staff status)."""
    if not user.is_active:
        raise ServiceError(f"the account {user.username} is disabled")
    if ModeratorAssignment.objects.filter(user=user, ama=ama).exists():
        raise ServiceError(f"{user.username} already moderates this AMA")
    with transaction.atomic():
        assignment = ModeratorAssignment.objects.create(user=user, ama=ama)
        live.team_changed(ama)
        audit.record(user=by_user, action="moderator.assign", ama=ama, target=user.username)
    return assignment


def ama_moderator_remove(*, ama: Ama, user, by_user=None) -> None:
    with transaction.atomic():
        removed, _kinds = ModeratorAssignment.objects.filter(user=user, ama=ama).delete()
        if not removed:
            raise ServiceError(f"{user.username} does not moderate this AMA")
        live.team_changed(ama)
        audit.record(user=by_user, action="moderator.remove", ama=ama, target=user.username)


def local_username(account: str) -> str | None:
    """The username when `account` names an account of this server (alex, @alex, alex@this.server), else None."""
    if account.startswith(("http://", "https://")):
        return None
    name, _at, server = account.strip().lstrip("@").partition("@")
    return name if not server or server.lower() == settings.FEDIAMA_DOMAIN else None


def local_host_named(name: str) -> Actor | None:
    return Actor.objects.filter(is_local=True, actor_type=Actor.Type.PERSON, username__iexact=name).first()


def team_rows(ama: Ama) -> list[dict]:
    """The co-hosts, then the remote accounts named and not yet confirmed (state "waiting", with their code)."""
    rows = [{"actor": actor, "local": actor.is_local, "state": "cohost", "code": ""}
            for actor in ama.cohosts.order_by("pk")]
    waiting = RemoteHostClaim.objects.waiting().filter(ama=ama, role=RemoteHostClaim.Role.COHOST)
    return rows + [{"actor": claim.actor, "local": False, "state": "waiting", "code": claim.code}
                   for claim in waiting.select_related("actor").order_by("pk")]


def team_member(ama: Ama, account: str) -> Actor | None:
    """The co-host (or named remote account) of `ama` that `account` names: username, handle or actor id."""
    name, handle = local_username(account), "@" + account.strip().lstrip("@").lower()
    for actor in Actor.objects.filter(Q(cohosted_amas=ama) | Q(remote_host_claims__ama=ama)).distinct():
        if actor.ap_id == account or actor.handle.lower() == handle:
            return actor
        if actor.is_local and name and actor.username.lower() == name.lower():
            return actor
    return None
