"""The audit log: every staff action, one row."""

from .models import AuditEntry


def record(*, user, action: str, ama=None, question=None, target: str = "", reason: str = "",
           before=None, after=None, public: bool = False, by_actor=None) -> AuditEntry:
    """`user`: the local staff member who acted; `by_actor`: a remote moderator (a verified co-host)."""
    if question is not None and ama is None:
        ama = question.ama
    return AuditEntry.objects.create(
        actor_user=user if (user is not None and user.is_authenticated) else None,
        actor_ap_id=by_actor.ap_id if by_actor is not None else "", action=action, ama=ama,
        question=question, target=target[:500], reason=reason, before=before, after=after, public=public)
