"""/media/avatars/<digest>-<size>.webp: our avatar thumbnails (federation.avatars), cached by browsers for a year.

Only names of the form we write are served; anything else is 404 before the disk is touched."""

import re

from django.http import FileResponse, Http404
from django.views.decorators.http import require_safe

from . import avatars
from .avatar_images import SIZES

_NAME = re.compile(r"^(?P<digest>[0-9a-f]{32})-(?P<size>[0-9]{2,4})\.webp$")
IMMUTABLE = "public, max-age=31536000, immutable"


@require_safe
def avatar_file(request, name: str):
    match = _NAME.match(name)
    if match is None or int(match["size"]) not in SIZES:
        raise Http404("no such avatar")
    try:
        handle = (avatars.directory() / name).open("rb")
    except FileNotFoundError:
        raise Http404("no such avatar") from None
    response = FileResponse(handle, content_type="image/webp")
    response["Cache-Control"] = IMMUTABLE
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
