"""{% ama_placements ama %}: where an AMA is held (its own community and the communities elsewhere)."""

from django import template

from ..views.placements import placement_rows

register = template.Library()


@register.inclusion_tag("ama/_placements.html", takes_context=True)
def ama_placements(context, ama, dashboard=False):
    return {"ama": ama, "rows": placement_rows(ama), "dashboard": dashboard, "request": context.get("request"),
            "csrf_token": context.get("csrf_token")}
