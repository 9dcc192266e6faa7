"""`{% load ama_page %}`: parts of the public AMA page. `{% host_card ama %}` is the host card (name, bio, links,
the handle to follow with a copy button) with the co-hosts beside it (data from ama/profiles.py);
`ama.intro_html|intro_lead` and `|intro_rest` split the introduction after its first paragraph, so the page
shows that much above the questions and folds the rest."""

from django import template
from django.utils.safestring import mark_safe

from .. import profiles

register = template.Library()


@register.inclusion_tag("ama/_host_card.html")
def host_card(ama) -> dict:
    host = ama.host
    return {"ama": ama, "host": host, "bio": profiles.bio_html(host), "links": profiles.profile_links(host),
            "profile": profiles.profile_url(host), "cohosts": profiles.cohosts_of(ama)}


def _split(intro_html: str) -> tuple[str, str]:
    """intro_html is ours (rendered from the host's Markdown): cut after the first paragraph when it opens one."""
    html = (intro_html or "").strip()
    end = html.find("</p>")
    if not html.startswith("<p>") or end < 0:
        return html, ""
    return html[:end + 4], html[end + 4:].strip()


@register.filter
def intro_lead(intro_html: str) -> str:
    return mark_safe(_split(intro_html)[0])  # noqa: S308 (our own rendered Markdown)


@register.filter
def intro_rest(intro_html: str) -> str:
    return mark_safe(_split(intro_html)[1])  # noqa: S308 (our own rendered Markdown)
