"""The communities elsewhere where an AMA is held: the rows the AMA page and the dashboard show, the
dashboard's form that adds one (services.placement_add), and the host's post there served at its id (and its
Create): AS2 for servers, the AMA's page for browsers, 410 once withdrawn or the AMA deleted."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from federation.activity_views import serve_activity
from federation.negotiation import negotiated
from federation.safe_urls import http_url

from .. import services
from ..activitypub import ids
from ..activitypub import placements as ap_placements
from ..activitypub.documents import object_gone
from ..models import Ama, Placement, Question
from ..permissions import can_edit_ama
from .common import get_ama, gone, require


def question_count(placement: Placement) -> int:
    """Questions asked under the post there (top-level and their follow-ups) that the page shows."""
    post = placement.post_ap_id
    if not post:
        return 0
    return Question.objects.shown().filter(ama_id=placement.ama_id).filter(
        Q(in_reply_to=post) | Q(parent__in_reply_to=post)).count()


def placement_row(placement: Placement) -> dict:
    community = placement.community
    return {"placement": placement, "handle": "!" + community.handle.lstrip("@"),
            "link": http_url(community.url) or community.ap_id, "questions": question_count(placement),
            "follow": ap_placements.follow_state(placement), "refusal": ap_placements.delivery_refusal(placement)}


def placement_rows(ama: Ama) -> list[dict]:
    return [placement_row(placement) for placement in ama.placements.select_related("community", "ama__host")]


@login_required
@require_POST
def placement_add(request, slug):
    ama = get_object_or_404(Ama.objects.filter(deleted_at__isnull=True), slug=slug)
    require(can_edit_ama(request.user, ama))
    try:
        placement = services.placement_add(ama=ama, target=request.POST.get("community", "")[:500],
                                           by_user=request.user)
    except services.ServiceError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The AMA is held in %(community)s too.") % {
            "community": placement.community.handle})
    return redirect(reverse("dashboard-ama", args=[ama.slug]) + "#placements")


def _posted(request, slug: str, pk: int) -> Placement:
    ama = get_ama(request, slug)
    placement = get_object_or_404(Placement.objects.select_related("community"), ama=ama, pk=pk)
    if placement.post_ap_id != ap_placements.post_id(placement):
        raise Http404("this AMA was not posted there")
    placement.ama = ama
    return placement


@require_GET
def post(request, slug, pk):
    """The host's post (a Lemmy Page) at its id: a server that meets a comment first fetches it here."""
    placement = _posted(request, slug, pk)
    if object_gone(placement.post_ap_id):
        return gone(request, placement.post_ap_id, placement.ama.deleted_at, former_type="Page")
    return negotiated(request, lambda: ap_placements.placement_page(placement),
                      lambda: redirect(placement.ama.ap_id))


@require_GET
def post_create(request, slug, pk):
    placement = _posted(request, slug, pk)
    if object_gone(placement.post_ap_id):
        return gone(request, ids.create_id(placement.post_ap_id), placement.ama.deleted_at, former_type="Create")
    return serve_activity(request, ap_placements.post_created(placement))
