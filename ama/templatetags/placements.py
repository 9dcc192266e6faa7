"""{% ama_placements ama %}: where an AMA is held (its own community and the communities elsewhere)."""

from django import template

from ..models import Placement
from ..views.placements import placement_rows

register = template.Library()


@register.inclusion_tag("ama/_placements.html", takes_context=True)
def ama_placements(context, ama, dashboard=False):
    """The public page leaves out the communities the host withdrew the AMA from; the dashboard lists them."""
    rows = [row for row in placement_rows(ama) if dashboard or row["placement"].state != Placement.State.WITHDRAWN]
    return {"ama": ama, "rows": rows, "dashboard": dashboard, "request": context.get("request"),
            "csrf_token": context.get("csrf_token")}
