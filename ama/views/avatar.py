"""The host's picture on the dashboard: upload one (checked by its content, at most 1 MiB) or go back to the
initials. The upload stops being read once it passes the limit (SizeLimitedUpload), before Django stores it."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from federation.avatar_images import MAX_BYTES

from ..forms import AvatarForm
from ..services.avatars import BadImage, avatar_clear, avatar_set
from .common import require, viewer_actor


class SizeLimitedUpload(FileUploadHandler):
    """Stops an upload past MAX_BYTES while it arrives: nothing more is kept, in memory or on disk."""

    def receive_data_chunk(self, raw_data, start):
        if start + len(raw_data) > MAX_BYTES:
            self.request.upload_too_large = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


@csrf_exempt  # the CSRF check runs in _avatar_page, after the size limit is in place (Django's upload handlers)
@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def avatar_page(request):
    request.upload_handlers.insert(0, SizeLimitedUpload(request))
    return _avatar_page(request)


@csrf_protect
def _avatar_page(request):
    actor = viewer_actor(request)
    require(actor is not None)
    posted = request.method == "POST"
    form = AvatarForm(request.POST, request.FILES, too_large=getattr(request, "upload_too_large", False)
                      ) if posted else AvatarForm()
    if posted and form.is_valid():
        try:
            avatar_set(actor=actor, data=form.cleaned_data["picture"], by_user=request.user)
        except BadImage as error:
            form.refuse(error)
        else:
            messages.success(request, _("Your picture is saved."))
            return redirect("dashboard-avatar")
    context = {"actor": actor, "form": form, "has_picture": hasattr(actor, "avatar") and actor.avatar.uploaded}
    return render(request, "ama/dashboard/avatar.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def avatar_remove(request):
    actor = viewer_actor(request)
    require(actor is not None)
    avatar_clear(actor=actor, by_user=request.user)
    messages.success(request, _("Your picture is removed: your initials are shown instead."))
    return redirect("dashboard-avatar")
