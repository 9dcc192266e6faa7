"""Undo for audited actions: each undoable action names the service call that reverses it."""

from federation.models import Actor

from ..models import AuditEntry, Question
from . import moderation as mod
from . import moderation_actors as actors
from .errors import ServiceError
from .questions import question_hide, question_unhide


def _question(entry: AuditEntry) -> Question:
    if entry.question is None:
        raise ServiceError("the question is gone")
    return entry.question


def _actor(entry: AuditEntry) -> Actor:
    actor = Actor.objects.filter(ap_id=entry.target).first()
    if actor is None:
        raise ServiceError("the actor is gone")
    return actor


def _restore_domain(entry: AuditEntry, by_user) -> None:
    before = entry.before
    if not before:
        actors.domain_unblock(domain=entry.target, by_user=by_user)
        return
    setter = actors.domain_block if before["severity"] == "suspend" else actors.domain_limit
    setter(domain=before["domain"], by_user=by_user, public_comment=before["public_comment"],
           private_comment=before["private_comment"], is_draft=before["is_draft"])


def _restore_policy(entry: AuditEntry, by_user) -> None:
    before, actor = entry.before or {}, _actor(entry)
    if before.get("banned") != (entry.after or {}).get("banned"):
        if before.get("banned"):
            raise ServiceError("a lifted ban is restored by banning again")
        actors.actor_unban(actor=actor, ama=entry.ama, by_user=by_user)
    if before.get("muted") != (entry.after or {}).get("muted"):
        (actors.actor_mute if before.get("muted") else actors.actor_unmute)(actor=actor, ama=entry.ama,
                                                                          by_user=by_user)
    if before.get("trust") != (entry.after or {}).get("trust"):
        actors.actor_set_trust(actor=actor, ama=entry.ama, trust=before.get("trust", ""), by_user=by_user)
    if before.get("note") != (entry.after or {}).get("note"):
        actors.actor_note(actor=actor, note=before.get("note", ""), by_user=by_user)


UNDO = {
    "question.hide": lambda e, u: question_unhide(question=_question(e), by_user=u),
    "question.unhide": lambda e, u: question_hide(question=_question(e), by_user=u),
    "question.star": lambda e, u: mod.question_star(question=_question(e), starred=False, by_user=u),
    "question.unstar": lambda e, u: mod.question_star(question=_question(e), starred=True, by_user=u),
    "question.lock": lambda e, u: mod.question_lock(question=_question(e), locked=False, by_user=u),
    "question.unlock": lambda e, u: mod.question_lock(question=_question(e), locked=True, by_user=u),
    "question.edit_display": lambda e, u: mod.question_edit_display(
        question=_question(e), display_html=(e.before or {}).get("display_html", ""), by_user=u, reason="undo"),
    "question.mark_answered": lambda e, u: mod.question_mark_unanswered(question=_question(e), by_user=u),
    "actor.mute": _restore_policy, "actor.unmute": _restore_policy, "actor.ban": _restore_policy,
    "actor.trust": _restore_policy, "actor.note": _restore_policy,
    "domain.block": _restore_domain, "domain.limit": _restore_domain, "domain.unblock": _restore_domain,
}


def can_undo(entry: AuditEntry) -> bool:
    return entry.action in UNDO and entry.undone_at is None


def undo_entry(entry: AuditEntry, by_user) -> None:
    if entry.action not in UNDO:
        raise ServiceError(f"{entry.action} cannot be undone")
    UNDO[entry.action](entry, by_user)
