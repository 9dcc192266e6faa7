"""Helpers shared by the views: finding what a visitor may see, the 410 answer, the viewer's actor."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_vary_headers

from federation.negotiation import activity_response, wants_activity_json

from ..activitypub.documents import tombstone
from ..models import Ama
from ..permissions import actor_of_user


def viewer_actor(request):
    """The signed-in user's local actor (None when anonymous or without one), looked up once per request."""
    if not hasattr(request, "_ama_actor"):
        request._ama_actor = actor_of_user(request.user)
    return request._ama_actor


def get_ama(request, slug: str) -> Ama:
    """The AMA a visitor may open: drafts only for their hosts; deleted ones are the caller's (410)."""
    ama = get_object_or_404(Ama.objects.select_related("host"), slug=slug)
    if ama.state == Ama.State.DRAFT and not ama.is_host(viewer_actor(request)):
        raise Http404("no such AMA")
    if ama.deleted_at and not ama.published_at:
        raise Http404("no such AMA")
    return ama


def gone(request, ap_id: str, deleted_at, former_type: str = "Note"):
    """410: a Tombstone for servers, a page for browsers."""
    if wants_activity_json(request):
        return activity_response(tombstone(ap_id, former_type, deleted_at), status=410)
    response = render(request, "ama/gone.html", {"ap_id": ap_id}, status=410)
    patch_vary_headers(response, ["Accept"])
    return response


def require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied
