"""A question's score told with its parts: "12 votes: 7 here, 5 on mastodon.example"."""

from django import template
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def score_parts(question) -> str:
    total = ngettext("%(count)s vote", "%(count)s votes", question.score) % {"count": question.score}
    return gettext("%(total)s: %(here)s here, %(remote)s on %(origin)s") % {
        "total": total, "here": question.vote_count, "remote": question.remote_like_count,
        "origin": question.origin_host}
