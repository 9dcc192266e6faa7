"""{{ ama.group|community_handle }}: the AMA's own community as users type it (!name@domain)."""

from django import template

from ..activitypub.group import community_handle as handle_of

register = template.Library()


@register.filter
def community_handle(group) -> str:
    return handle_of(group) if group is not None else ""
