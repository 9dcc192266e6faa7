"""The streams' reads of the events table and their wire form (Server-Sent Events). Synchronous: the ASGI
side runs them on the hub's threads, the WSGI fallback in its request thread."""

import json
from dataclasses import dataclass, field

from django.db.models import Min, Q

from ..models import Ama, LiveEvent
from .fragments import LOCALIZED

REPLAY_BATCH = 500
PUBLIC = LiveEvent.Audience.PUBLIC


@dataclass(frozen=True)
class Event:
    ama_id: int
    seq: int
    public: bool
    wire: bytes  # the SSE frame (id, event and data lines) in the AMA's language
    localized: dict[str, bytes] = field(default_factory=dict)  # the same frame in each other site language

    def wire_in(self, language: str | None) -> bytes:
        """The frame for a viewer reading the site in `language` (unknown or None: the AMA's language)."""
        return self.localized.get(language, self.wire) if language else self.wire


def encode(seq: int, kind: str, payload: dict) -> bytes:
    data = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)  # JSON escapes every line break
    return f"id: {seq}\nevent: {kind}\ndata: {data}\n\n".encode()


def _event(ama_id: int, seq: int, kind: str, audience: str, payload: dict) -> Event:
    """Encoded once per language, whatever the number of streams it goes to."""
    variants = payload.pop(LOCALIZED, {})
    localized = {language: encode(seq, kind, payload | fields) for language, fields in variants.items()}
    return Event(ama_id, seq, audience == PUBLIC, encode(seq, kind, payload), localized)


def _events(rows) -> list[Event]:
    return [_event(*row) for row in rows.values_list("ama_id", "seq", "kind", "audience", "payload")]


def events_after(ama_id: int, after: int, *, moderators: bool, limit: int = REPLAY_BATCH) -> list[Event]:
    """The AMA's events after `after`, oldest first: all of them for moderators, the public ones otherwise."""
    rows = LiveEvent.objects.filter(ama_id=ama_id, seq__gt=after)
    if not moderators:
        rows = rows.filter(audience=PUBLIC)
    return _events(rows.order_by("seq")[:limit])


def new_events(seen: dict[int, int]) -> tuple[dict[int, int], list[Event]]:
    """For the hub: the versions of the AMAs in `seen` (one query), and, for those that moved, every event
    after the seq seen (one more), ordered by AMA and seq."""
    versions = dict(Ama.objects.filter(pk__in=list(seen)).values_list("pk", "version"))
    moved = [(pk, seen[pk]) for pk, version in versions.items() if version > seen[pk]]
    if not moved:
        return versions, []
    where = Q()
    for pk, after in moved:
        where |= Q(ama_id=pk, seq__gt=after)
    return versions, _events(LiveEvent.objects.filter(where).order_by("ama_id", "seq"))


def latest_seq(ama_id: int) -> int:
    return Ama.objects.filter(pk=ama_id).values_list("version", flat=True).first() or 0


def resume_point(ama_id: int, version: int, last_event_id: int | None) -> tuple[int, bool]:
    """(the seq to replay after, whether the client must reset). No Last-Event-ID: from the version the
    stream opened at. An id we cannot continue from (older than the events kept, or ahead of the AMA):
    reset, i.e. the client reloads the page and continues from the current version."""
    if last_event_id is None or last_event_id == version:
        return version, False
    if last_event_id > version:
        return version, True
    oldest = LiveEvent.objects.filter(ama_id=ama_id).aggregate(oldest=Min("seq"))["oldest"]
    if oldest is None or last_event_id + 1 < oldest:
        return version, True
    return last_event_id, False


def reset_frame(version: int) -> bytes:
    return encode(version, "reset", {"version": version})


RETRY_MS = 3000  # the browser's reconnection delay
KEEPALIVE = b": keep-alive\n\n"
HEADERS = {"Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache",
           "X-Accel-Buffering": "no", "X-Content-Type-Options": "nosniff"}


def retry_frame() -> bytes:
    return f"retry: {RETRY_MS}\n\n".encode()
