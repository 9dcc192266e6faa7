"""Reports (from local users and incoming Flags), keyword filters, and undoing audited actions."""

import re

from django.db import transaction
from django.utils import timezone

from federation.models import Actor

from .. import audit
from ..activitypub.reports import send_report_forwarded
from ..models import AuditEntry, KeywordFilter, Question, Report
from .errors import ServiceError
from .moderation_undo import undo_entry


def report_create(*, user, question: Question | None = None, target_actor: Actor | None = None,
                  comment: str = "") -> Report:
    """A signed-in local user reports a question (or an actor)."""
    if question is None and target_actor is None:
        raise ServiceError("a report names a question or an actor")
    target_actor = target_actor or question.author
    with transaction.atomic():
        report = Report.objects.create(reporter_user=user, question=question, target_actor=target_actor,
                                       comment=comment.strip()[:5000])
        audit.record(user=user, action="report.create", question=question, target=target_actor.ap_id)
    return report


def report_receive(*, reporter: Actor, ap_id: str, questions=(), actors=(), comment: str = "") -> list[Report]:
    """An incoming Flag: one report per flagged question (or one about the actor). Idempotent by ap_id."""
    existing = list(Report.objects.filter(ap_id=ap_id)) if ap_id else []
    if existing:
        return existing
    targets = [(q, q.author) for q in questions] or [(None, a) for a in list(actors)[:1]]
    with transaction.atomic():
        reports = [Report.objects.create(ap_id=ap_id[:500], reporter=reporter, question=question,
                                         target_actor=actor, comment=comment[:5000]) for question, actor in targets]
        for report in reports:
            audit.record(user=None, action="report.receive", question=report.question, target=reporter.ap_id)
    return reports


def report_assign(*, report: Report, assignee, by_user=None) -> Report:
    with transaction.atomic():
        before = {"assigned_to": report.assigned_to_id}
        report.assigned_to = assignee
        report.save(update_fields=["assigned_to"])
        audit.record(user=by_user, action="report.assign", question=report.question, target=f"report {report.pk}",
                     before=before, after={"assigned_to": getattr(assignee, "pk", None)})
    return report


def report_resolve(*, report: Report, note: str = "", by_user=None) -> Report:
    if report.state == Report.State.RESOLVED:
        raise ServiceError("this report is already resolved")
    with transaction.atomic():
        report.state, report.resolution_note, report.resolved_at = Report.State.RESOLVED, note, timezone.now()
        report.save(update_fields=["state", "resolution_note", "resolved_at"])
        audit.record(user=by_user, action="report.resolve", question=report.question, target=f"report {report.pk}",
                     reason=note, before={"state": Report.State.OPEN}, after={"state": report.state})
    return report


def report_forward(*, report: Report, by_user=None, comment: str | None = None) -> Report:
    """Send a Flag to the reported actor's server, signed by the instance actor (the reporter stays
    anonymous). Must run with the report's target on another server."""
    target = report.target_actor
    if target is None or target.is_local:
        raise ServiceError("only a report about an account on another server can be forwarded")
    with transaction.atomic():
        flag = send_report_forwarded(report, report.comment if comment is None else comment)
        report.forwarded_at = timezone.now()
        report.save(update_fields=["forwarded_at"])
        audit.record(user=by_user, action="report.forward", question=report.question, target=target.domain,
                     after={"flag": flag["id"]})
    return report


def regex_error(pattern: str) -> str:
    """"" when the pattern compiles, else the reason it does not."""
    try:
        re.compile(pattern)
    except re.error as error:
        return str(error)
    return ""


def keyword_filter_save(*, rule: KeywordFilter, by_user=None) -> KeywordFilter:
    if not rule.pattern.strip():
        raise ServiceError("a keyword filter needs a pattern")
    if rule.is_regex and regex_error(rule.pattern):
        raise ServiceError(f"invalid regular expression: {regex_error(rule.pattern)}")
    with transaction.atomic():
        created = rule.pk is None
        rule.save()
        audit.record(user=by_user, action="keyword.add" if created else "keyword.change", ama=rule.ama,
                     target=rule.pattern, after={"is_regex": rule.is_regex, "action": rule.action})
    return rule


def keyword_filter_delete(*, rule: KeywordFilter, by_user=None) -> None:
    with transaction.atomic():
        audit.record(user=by_user, action="keyword.delete", ama=rule.ama, target=rule.pattern,
                     before={"is_regex": rule.is_regex, "action": rule.action})
        rule.delete()


def audit_undo(*, entry: AuditEntry, by_user=None) -> AuditEntry:
    """Undo one audited action where it can be undone (see ama.services.moderation_undo.UNDO)."""
    if entry.undone_at:
        raise ServiceError("this action was already undone")
    with transaction.atomic():
        undo_entry(entry, by_user)
        entry.undone_at = timezone.now()
        entry.save(update_fields=["undone_at"])
    return entry
