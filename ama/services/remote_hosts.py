"""Hosts on other servers: naming a remote fediverse account as host or co-host of an AMA, and verifying it
by a code that account sends to us (a mention or direct message to the AMA's Group or host)."""

import re
import secrets

from django.db import transaction
from django.utils import timezone

from federation.caches import once_per_batch_for_senders
from federation.models import Actor

from .. import audit, live
from ..activitypub.accounts import AccountNotFound, find_account
from ..models import Ama, RemoteHostClaim
from ..text import plain_text, sanitize
from .errors import ServiceError

CODE_PATTERN = re.compile(r"\bfediama-[a-z0-9]{10}\b")


def _new_code() -> str:
    alphabet = "abcdefghijkmnpqrstuvwxyz23456789"
    return "fediama-" + "".join(secrets.choice(alphabet) for _ in range(10))


def remote_host_claim_start(*, ama: Ama, account: str, role: str = RemoteHostClaim.Role.COHOST,
                            by_user=None) -> RemoteHostClaim:
    """Name a remote account (a handle, user@server, or an actor id) as host or co-host; returns the claim
    whose `code` that account must send. Looks the account up over the network (call outside a transaction
    that holds locks)."""
    if role not in RemoteHostClaim.Role.values:
        raise ServiceError(f"unknown role {role!r}")
    try:
        actor = find_account(account)
    except AccountNotFound as error:
        raise ServiceError(f"could not find that account: {error}") from error
    if actor.is_local:
        raise ServiceError("a local account is made host or co-host directly")
    with transaction.atomic():
        claim, created = RemoteHostClaim.objects.get_or_create(
            ama=ama, actor=actor, defaults={"role": role, "code": _new_code()})
        if not created and not claim.verified_at:
            claim.role, claim.code = role, _new_code()
            claim.save(update_fields=["role", "code"])
        audit.record(user=by_user, action="remote_host.claim", ama=ama, target=actor.ap_id, after={"role": role})
    return claim


def remote_host_claim_verify(*, actor: Actor, content_html: str, evidence_ap_id: str = "") -> list[RemoteHostClaim]:
    """A post by `actor` arrived: every waiting claim of that actor whose code it contains is verified, and the
    actor becomes a co-host (unless already the host). Returns the claims verified."""
    codes = set(CODE_PATTERN.findall(plain_text(sanitize(content_html)).lower()))
    if not codes or actor.is_local:
        return []
    verified = []
    with transaction.atomic():
        for claim in RemoteHostClaim.objects.waiting().select_for_update().filter(actor=actor, code__in=codes):
            claim.verified_at, claim.evidence_ap_id = timezone.now(), evidence_ap_id[:500]
            claim.save(update_fields=["verified_at", "evidence_ap_id"])
            if claim.ama.host_id != actor.pk:
                claim.ama.cohosts.add(actor)
                live.team_changed(claim.ama)
            audit.record(user=None, action="remote_host.verify", ama=claim.ama, target=actor.ap_id,
                         reason=evidence_ap_id, public=True)
            verified.append(claim)
    return verified


def remote_host_revoke(*, ama: Ama, actor: Actor, by_user=None) -> None:
    with transaction.atomic():
        RemoteHostClaim.objects.filter(ama=ama, actor=actor).delete()
        ama.cohosts.remove(actor)
        live.team_changed(ama)
        audit.record(user=by_user, action="remote_host.revoke", ama=ama, target=actor.ap_id, public=True)


def is_verified_remote_host(ama: Ama, actor: Actor) -> bool:
    return not actor.is_local and RemoteHostClaim.objects.verified().filter(ama=ama, actor=actor).exists() \
        and ama.is_host(actor)


def has_waiting_claim(actor: Actor) -> bool:
    """Whether `actor` was named host or co-host and has not sent its code yet (every reply asks: in an inbox
    batch, read once for all its senders)."""
    return once_per_batch_for_senders(("waiting claims",), actor.pk, lambda actor_ids: dict.fromkeys(
        RemoteHostClaim.objects.waiting().filter(actor_id__in=actor_ids).values_list("actor_id", flat=True),
        True)).get(actor.pk, False)
