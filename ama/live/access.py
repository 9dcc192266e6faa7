"""Who may open which stream: the public one of a published AMA, the moderators' one for those who may
moderate its questions (ama.permissions.can_moderate_questions), signed in by their session cookie."""

from dataclasses import dataclass
from importlib import import_module
from types import SimpleNamespace

from django.conf import settings
from django.contrib import auth
from django.contrib.auth.models import AnonymousUser

from ..models import Ama
from ..permissions import can_moderate_questions


class Refused(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


@dataclass(frozen=True)
class Opened:
    ama_id: int
    version: int
    moderators: bool


def open_stream(slug: str, *, moderators: bool, user) -> Opened:
    """The AMA behind a stream, or Refused: 404 for an unknown, deleted or (public stream) draft AMA, 403
    when a moderators' stream is asked for by someone who may not moderate it."""
    amas = Ama.objects.filter(deleted_at__isnull=True) if moderators else Ama.objects.visible()
    ama = amas.filter(slug=slug).first()
    if ama is None:
        raise Refused(404, "no such AMA")
    if moderators and not can_moderate_questions(user, ama):
        raise Refused(403, "only this AMA's hosts and moderators may open its moderators' stream")
    return Opened(ama.pk, ama.version, moderators)


def user_of_session(session_key: str | None):
    """The user signed in with this session cookie (AnonymousUser for none or an expired one)."""
    if not session_key:
        return AnonymousUser()
    store = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    return auth.get_user(SimpleNamespace(session=store))


def last_event_id(header: str | None, query: str | None) -> int | None:
    """The id to resume after: the Last-Event-ID header (a reconnecting browser sends it), else the
    `last_event_id` query parameter (a page opening its stream at the version it was rendered at)."""
    value = header if header not in (None, "") else query
    if value in (None, ""):
        return None
    value = value.strip()
    if not value.isdigit() or len(value) > 19:
        raise Refused(400, "Last-Event-ID must be an event id (a whole number)")
    return int(value)


def viewer_language(value: str | None) -> str | None:
    """The `locale` query parameter (the page's <html lang>): a site language, else None (the AMA's language)."""
    return value if value in dict(settings.LANGUAGES) else None
