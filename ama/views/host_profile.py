"""The host's own profile on the dashboard: display name, bio and links shown on their AMAs' host card and sent
with their ActivityPub profile (ama.services.host_profile writes them)."""

import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ..forms import PROFILE_LINKS, HostProfileForm
from ..profiles import profile_links
from ..services.host_profile import host_profile_set
from ..text import plain_text, sanitize
from .common import require, viewer_actor


def current_values(actor) -> dict:
    bio = re.sub(r"\n{3,}", "\n\n", plain_text(sanitize(actor.summary)))  # paragraphs as one blank line
    initial = {"display_name": actor.display_name, "bio": bio}
    for number, link in enumerate(profile_links(actor)[:PROFILE_LINKS], start=1):
        initial[f"link_{number}_label"], initial[f"link_{number}_url"] = link.name, link.url
    return initial


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def profile_page(request):
    actor = viewer_actor(request)
    require(actor is not None)
    form = HostProfileForm(request.POST) if request.method == "POST" else HostProfileForm(initial=current_values(actor))
    if form.is_bound and form.is_valid():
        host_profile_set(actor=actor, display_name=form.cleaned_data["display_name"], bio=form.cleaned_data["bio"],
                         links=form.links(), by_user=request.user)
        messages.success(request, _("Your profile is saved."))
        return redirect("dashboard-profile")
    return render(request, "ama/dashboard/profile.html", {"actor": actor, "form": form},
                  status=400 if form.errors else 200)
