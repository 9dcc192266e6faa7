"""The host's own AMA from the dashboard: edit every field (with a preview of the introduction), the team
(co-hosts and this AMA's moderators), close after a confirmation, reopen by extending the end. The host (or an
admin) only, as in the API (ama.permissions.can_edit_ama); services do the writing."""

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import services
from ..forms import AmaEditForm, CohostForm, ModeratorForm, ReopenForm
from ..models import Ama, ModeratorAssignment
from ..permissions import can_edit_ama
from ..services.team import local_host_named, local_username, team_member, team_rows
from ..text import render_markdown
from .common import require

EDITED_FIELDS = ("title", "intro", "language", "opens_at", "closes_at", "moderation_mode", "review_edits",
                 "show_late_questions", "hold_first_question", "allow_downvotes", "rate_limit_per_hour",
                 "max_question_length", "archive_after_days")


def _own_ama(request, slug) -> Ama:
    ama = get_object_or_404(Ama.objects.select_related("host", "group").filter(deleted_at__isnull=True), slug=slug)
    require(can_edit_ama(request.user, ama))
    return ama


def _failed(request, error: services.ServiceError) -> None:
    messages.error(request, str(error))


@login_required
def ama_edit(request, slug):
    """Every field of the AMA; "Preview" shows the introduction rendered, "Save" federates the Update."""
    ama = _own_ama(request, slug)
    form = AmaEditForm(request.POST or None, initial={name: getattr(ama, name) for name in EDITED_FIELDS})
    preview = ""
    if request.method == "POST" and form.is_valid():
        if "preview" in request.POST:
            preview = render_markdown(form.cleaned_data["intro"]) or "<p></p>"
        elif not (changed := form.changed_values(ama)):
            messages.info(request, _("Nothing changed."))
            return redirect("dashboard-ama", slug=ama.slug)
        else:
            try:
                services.ama_update(ama=ama, by_user=request.user, **changed)
            except services.ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your AMA is updated."))
                return redirect("dashboard-ama", slug=ama.slug)
    context = {"ama": ama, "form": form, "preview": preview}
    return render(request, "ama/dashboard/edit.html", context, status=400 if form.errors else 200)


def _team_page(request, ama, cohost_form=None, moderator_form=None, status=200):
    context = {"ama": ama, "team": team_rows(ama), "cohost_form": cohost_form or CohostForm(),
               "moderators": ModeratorAssignment.objects.filter(ama=ama).select_related("user").order_by("pk"),
               "moderator_form": moderator_form or ModeratorForm()}
    return render(request, "ama/dashboard/team.html", context, status=status)


@login_required
def team(request, slug):
    return _team_page(request, _own_ama(request, slug))


def _add_cohost(request, ama, account: str) -> None:
    """A local host at once; a remote account is looked up and waits for the code it must send."""
    name = local_username(account)
    if name is None:
        claim = services.remote_host_claim_start(ama=ama, account=account, by_user=request.user)
        messages.success(request, _("%(handle)s is named; they become co-host once they send the code %(code)s.")
                         % {"handle": claim.actor.handle, "code": claim.code})
        return
    actor = local_host_named(name)
    if actor is None:
        raise services.ServiceError(_("No host named %(name)s on this server.") % {"name": name})
    services.ama_cohost_add(ama=ama, actor=actor, by_user=request.user)
    messages.success(request, _("%(handle)s co-hosts the AMA.") % {"handle": actor.handle})


@login_required
@require_POST
def cohost_add(request, slug):
    ama = _own_ama(request, slug)
    form = CohostForm(request.POST)
    if not form.is_valid():
        return _team_page(request, ama, cohost_form=form, status=400)
    try:
        _add_cohost(request, ama, form.cleaned_data["account"].strip())
    except services.ServiceError as error:
        form.add_error("account", str(error))
        return _team_page(request, ama, cohost_form=form, status=400)
    return redirect("dashboard-team", slug=ama.slug)


@login_required
@require_POST
def cohost_remove(request, slug):
    ama = _own_ama(request, slug)
    actor = team_member(ama, request.POST.get("account", "")[:500])
    try:
        if actor is None:
            raise services.ServiceError(_("Not a co-host of this AMA."))
        services.ama_cohost_remove(ama=ama, actor=actor, by_user=request.user)
    except services.ServiceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("%(handle)s no longer co-hosts the AMA.") % {"handle": actor.handle})
    return redirect("dashboard-team", slug=ama.slug)


def _account(username: str):
    user = get_user_model().objects.filter(username=username.strip()).first()
    if user is None:
        raise services.ServiceError(_("No account with the username %(name)s.") % {"name": username[:150]})
    return user


@login_required
@require_POST
def moderator_add(request, slug):
    ama = _own_ama(request, slug)
    form = ModeratorForm(request.POST)
    if form.is_valid():
        try:
            services.ama_moderator_add(ama=ama, user=_account(form.cleaned_data["username"]), by_user=request.user)
        except services.ServiceError as error:
            form.add_error("username", str(error))
    if form.errors:
        return _team_page(request, ama, moderator_form=form, status=400)
    messages.success(request, _("%(name)s moderates the AMA.") % {"name": form.cleaned_data["username"]})
    return redirect("dashboard-team", slug=ama.slug)


@login_required
@require_POST
def moderator_remove(request, slug):
    ama = _own_ama(request, slug)
    try:
        services.ama_moderator_remove(ama=ama, user=_account(request.POST.get("username", "")[:150]),
                                      by_user=request.user)
    except services.ServiceError as error:
        _failed(request, error)
    else:
        messages.success(request, _("The moderator is removed."))
    return redirect("dashboard-team", slug=ama.slug)


@login_required
def close(request, slug):
    """GET: "Close now?" with what closing does; POST with `confirm`: closes (federated). A POST without the
    confirmation (the old one-click button, a stray form) only shows the question."""
    ama = _own_ama(request, slug)
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            services.ama_close(ama=ama, by_user=request.user)
        except services.ServiceError as error:
            _failed(request, error)
        else:
            messages.success(request, _("The AMA is closed."))
        return redirect("dashboard-ama", slug=ama.slug)
    return render(request, "ama/dashboard/close.html", {"ama": ama, "now": timezone.now()})


@login_required
def reopen(request, slug):
    """An ended AMA goes back to live until the new end (services.ama_update federates the Update)."""
    ama = _own_ama(request, slug)
    default_end = timezone.now() + timezone.timedelta(hours=1)
    form = ReopenForm(request.POST or None, initial={"closes_at": default_end.replace(second=0, microsecond=0)})
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["closes_at"] <= timezone.now():
            form.add_error("closes_at", _("The new end must be in the future."))
        else:
            try:
                services.ama_update(ama=ama, by_user=request.user, closes_at=form.cleaned_data["closes_at"])
            except services.ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("The AMA is open again."))
                return redirect("dashboard-ama", slug=ama.slug)
    return render(request, "ama/dashboard/reopen.html", {"ama": ama, "form": form},
                  status=400 if form.errors else 200)
