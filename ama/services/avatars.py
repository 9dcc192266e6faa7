"""A local host's own picture: uploaded from the dashboard or by an administrator in the admin.

federation.avatars checks, re-encodes and stores it; this adds the audit entry. Pages showing the host move on
through federation.avatars.avatar_changed (ama/avatar_pages.py)."""

from django.db import transaction

from federation import avatars
from federation.avatar_images import BadImage
from federation.models import Actor

from .. import audit
from ..activitypub import publish as ap

__all__ = ["BadImage", "avatar_clear", "avatar_set"]


def avatar_set(*, actor: Actor, data: bytes, by_user) -> None:
    """Raises BadImage (nothing stored) when `data` is not a picture we accept."""
    with transaction.atomic():
        row = avatars.avatar_upload(actor=actor, data=data)
        ap.send_profile_updated(actor)
        audit.record(user=by_user, action="host.avatar", target=actor.ap_id, after={"digest": row.digest})


def avatar_clear(*, actor: Actor, by_user) -> None:
    with transaction.atomic():
        avatars.avatar_remove(actor=actor)
        ap.send_profile_updated(actor)
        audit.record(user=by_user, action="host.avatar_removed", target=actor.ap_id)
