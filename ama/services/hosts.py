"""Local hosts: giving an account of this server its fediverse identity (@username@domain), the Person actor
that holds AMAs. An administrator does it from the admin (Users › Make host), an operator with createhost."""

from django.db import transaction
from django.utils.translation import gettext as _

from federation.actors import create_local_actor
from federation.models import Actor

from .. import audit
from .errors import ServiceError

USERNAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def host_name_problem(username: str) -> str:
    """Why `username` cannot be a local fediverse name ("" when it can)."""
    if not username or not set(username) <= USERNAME_CHARS or len(username) > 30:
        return _("%(name)s cannot be a fediverse name: 1-30 characters of a-z, 0-9 and _.") % {"name": username}
    if Actor.objects.filter(is_local=True, username__iexact=username).exists():
        return _("the name %(name)s is taken on this server") % {"name": username}
    return ""


def host_create(*, user, display_name: str = "", by_user=None, staff: bool = True,
                generate_keys_now: bool = False) -> Actor:
    """Make `user` a host: their local Person actor, named after their username, and (unless staff=False) staff
    status: hosts moderate their own AMAs in the admin. Keys are made after commit unless generate_keys_now."""
    if Actor.objects.filter(user=user, is_local=True).exists():
        raise ServiceError(_("%(name)s is already a host") % {"name": user.username})
    problem = host_name_problem(user.username)
    if problem:
        raise ServiceError(problem)
    with transaction.atomic():
        actor = create_local_actor(username=user.username, display_name=display_name or user.username, user=user,
                                   generate_keys_now=generate_keys_now)
        if staff and not user.is_staff:
            user.is_staff = True
            user.save(update_fields=["is_staff"])
        audit.record(user=by_user, action="host.create", target=actor.ap_id)
    return actor
