"""A report forwarded to the reported account's server: a `Flag` signed by the instance actor (the reporter
stays anonymous), as Mastodon sends it. Runs inside the service's transaction."""

from federation import outbox
from federation.activities import activity
from federation.actors import instance_actor
from federation.models import Actor

from ..models import Report


def flag_for(report: Report, sender: Actor, comment: str) -> dict:
    objects = [report.target_actor.ap_id] + ([report.question.ap_id] if report.question_id else [])
    return activity("Flag", actor=sender.ap_id, obj=objects, to=[report.target_actor.ap_id], content=comment)


def send_report_forwarded(report: Report, comment: str) -> dict:
    """Send the Flag to the report's target (an account on another server); returns it."""
    sender = instance_actor()
    flag = flag_for(report, sender, comment)
    outbox.publish(flag, sender=sender, recipients=[report.target_actor], public=False)
    return flag
