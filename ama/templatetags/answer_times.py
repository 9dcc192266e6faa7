"""`{% load answer_times %}{{ answer|answered_after:question }}`: "answered after 12 minutes" (hours past two
hours, days past two days, each rounded down), counted from the question's arrival to the answer's publication."""

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()

MINUTE, HOUR, DAY = 60, 3600, 86400


@register.filter
def answered_after(answer, question) -> str:
    seconds = (answer.created_at - question.received_at).total_seconds()
    if seconds < MINUTE:
        return gettext("answered within a minute")
    if seconds < 2 * HOUR:
        minutes = int(seconds // MINUTE)
        return ngettext("answered after %(count)s minute", "answered after %(count)s minutes", minutes) % {
            "count": minutes}
    if seconds < 2 * DAY:
        hours = int(seconds // HOUR)
        return ngettext("answered after %(count)s hour", "answered after %(count)s hours", hours) % {"count": hours}
    days = int(seconds // DAY)
    return ngettext("answered after %(count)s day", "answered after %(count)s days", days) % {"count": days}
