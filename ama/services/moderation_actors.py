"""Moderators' services about actors and domains: mute, ban, trust, notes, domain block and limit.

Permission checks are the caller's (ama.permissions.can_police_actors / can_set_domain_policy)."""

from django.db import transaction
from django.utils import timezone

from federation import domain_policy
from federation.models import Actor, DomainBlock

from .. import audit, live
from ..models import ActorPolicy, Ama, Question
from .errors import ServiceError
from .questions import question_reject

FIELDS = ("muted", "banned", "banned_until", "trust", "note")


def _snapshot(policy: ActorPolicy | None) -> dict:
    if policy is None:
        return {"muted": False, "banned": False, "banned_until": None, "trust": "", "note": ""}
    until = policy.banned_until.isoformat() if policy.banned_until else None
    return {"muted": policy.muted, "banned": policy.banned, "banned_until": until, "trust": policy.trust,
            "note": policy.note}


def _change(actor: Actor, ama: Ama | None, by_user, action: str, *, reason: str = "", **fields) -> ActorPolicy:
    """Set fields on the actor's policy for `ama` (None: all AMAs), with an audit record."""
    with transaction.atomic():
        policy = ActorPolicy.objects.select_for_update().filter(actor=actor, ama=ama).first()
        before = _snapshot(policy)
        policy = policy or ActorPolicy(actor=actor, ama=ama)
        for name, value in fields.items():
            setattr(policy, name, value)
        policy.updated_at = timezone.now()
        policy.save()
        audit.record(user=by_user, action=action, ama=ama, target=actor.ap_id, reason=reason, before=before,
                     after=_snapshot(policy), public=ama is not None and action != "actor.note")
    return policy


def actor_mute(*, actor: Actor, ama: Ama | None = None, by_user=None, reason: str = "") -> ActorPolicy:
    """Future questions arrive hidden, silently."""
    return _change(actor, ama, by_user, "actor.mute", reason=reason, muted=True)


def actor_unmute(*, actor: Actor, ama: Ama | None = None, by_user=None) -> ActorPolicy:
    return _change(actor, ama, by_user, "actor.unmute", muted=False)


def actor_ban(*, actor: Actor, ama: Ama | None = None, until=None, remove_content: bool = False, by_user=None,
              reason: str = "") -> ActorPolicy:
    """Banned from one AMA (or all, ama None) until `until` (None: for good); future questions are rejected.
    With remove_content, their questions there are rejected too (silently)."""
    if actor.is_local and actor.user_id and actor.user.is_superuser:
        raise ServiceError("an admin cannot be banned")
    if until is not None and until <= timezone.now():
        raise ServiceError("the ban's expiry must be in the future")
    with transaction.atomic():
        policy = _change(actor, ama, by_user, "actor.ban", reason=reason, banned=True, banned_until=until)
        if remove_content:
            actor_remove_content(actor=actor, ama=ama, by_user=by_user)
    return policy


def actor_remove_content(*, actor: Actor, ama: Ama | None = None, by_user=None) -> int:
    questions = Question.objects.filter(author=actor).exclude(
        state__in=[Question.State.REJECTED, Question.State.DELETED, Question.State.MERGED])
    if ama is not None:
        questions = questions.filter(ama=ama)
    count = 0
    for question in questions.select_related("ama", "author"):
        question_reject(question=question, by_user=by_user, reason=Question.RejectReason.OTHER,
                        note="removed with a ban")
        count += 1
    return count


def actor_unban(*, actor: Actor, ama: Ama | None = None, by_user=None) -> ActorPolicy:
    return _change(actor, ama, by_user, "actor.unban", banned=False, banned_until=None)


def actor_set_trust(*, actor: Actor, trust: str, ama: Ama | None = None, by_user=None) -> ActorPolicy:
    """Trust override: "hold" (always held), "allow" (always shown) or "" (the rules decide)."""
    if trust not in ActorPolicy.Trust.values:
        raise ServiceError(f"unknown trust {trust!r}")
    return _change(actor, ama, by_user, "actor.trust", trust=trust)


def actor_note(*, actor: Actor, note: str, by_user=None) -> ActorPolicy:
    """The private moderator note, kept on the actor's global policy."""
    return _change(actor, None, by_user, "actor.note", note=note.strip())


def actor_note_text(actor: Actor) -> str:
    return ActorPolicy.objects.filter(actor=actor, ama__isnull=True).values_list("note", flat=True).first() or ""


def _domain_set(domain: str, severity: str, action: str, *, by_user, public_comment: str,
                private_comment: str, is_draft: bool = False) -> DomainBlock:
    try:
        with transaction.atomic():
            shown = live.shown_from_domains([domain])
            block, before = domain_policy.domain_policy_set(
                domain=domain, severity=severity, public_comment=public_comment, private_comment=private_comment,
                is_draft=is_draft)
            live.domains_changed([domain], shown)
    except domain_policy.DomainPolicyError as error:
        raise ServiceError(str(error)) from error
    audit.record(user=by_user, action=action, target=block.domain, reason=public_comment, before=before,
                 after=domain_policy.snapshot(block))
    return block


def domain_block(*, domain: str, by_user=None, public_comment: str = "", private_comment: str = "",
                 is_draft: bool = False) -> DomainBlock:
    """Block: the inbox answers 403, nothing is delivered there, its questions disappear from public lists."""
    return _domain_set(domain, DomainBlock.Severity.SUSPEND, "domain.block", by_user=by_user,
                       public_comment=public_comment, private_comment=private_comment, is_draft=is_draft)


def domain_limit(*, domain: str, by_user=None, public_comment: str = "", private_comment: str = "",
                 is_draft: bool = False) -> DomainBlock:
    """Limit: every question from the domain is held for review."""
    return _domain_set(domain, DomainBlock.Severity.LIMIT, "domain.limit", by_user=by_user,
                       public_comment=public_comment, private_comment=private_comment, is_draft=is_draft)


def domain_unblock(*, domain: str, by_user=None) -> dict | None:
    with transaction.atomic():
        shown = live.shown_from_domains([domain])
        before = domain_policy.domain_policy_remove(domain=domain)
        live.domains_changed([domain], shown)
    if before is not None:
        audit.record(user=by_user, action="domain.unblock", target=before["domain"], before=before)
    return before


def domain_approve_drafts(*, domains, by_user=None) -> list[str]:
    domains = list(domains)
    with transaction.atomic():
        shown = live.shown_from_domains(domains)
        approved = domain_policy.domain_policy_approve(domains=domains)
        live.domains_changed(domains, shown)
    for name in approved:
        audit.record(user=by_user, action="domain.approve", target=name, after={"is_draft": False})
    return approved


def domain_import(*, text: str, by_user=None) -> dict:
    """Mastodon blocklist CSV → drafts, one audit record for the import."""
    result = domain_policy.import_csv(text)
    audit.record(user=by_user, action="domain.import", target=f"{len(result['added'])} domains",
                 after=result)
    return result
