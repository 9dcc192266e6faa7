"""The event streams on the ASGI event loop (config/asgi.py puts this in front of everything else):

    GET /amas/<slug>/events         public events of a published AMA
    GET /dashboard/<slug>/events    public and moderator events, for its hosts and moderators (session cookie)

Each open stream is a Listener of the process's hub (ama/live/stream.py) and costs no thread: only the
opening checks and the replay read the database, on the hub's threads. Other requests pass through."""

import asyncio
import re
from urllib.parse import parse_qs

from django.conf import settings
from django.http.cookie import parse_cookie

from . import access, reads, stream

PATH = re.compile(r"^/(?P<where>amas|dashboard)/(?P<slug>[-\w]+)/events$")


class LiveEvents:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "GET":
            match = PATH.match(scope["path"].removeprefix(scope.get("root_path", "")))
            if match is not None:
                return await serve(match["slug"], match["where"] == "dashboard", scope, receive, send)
        return await self.application(scope, receive, send)


def _header(scope, name: bytes) -> str | None:
    values = [value.decode("latin-1") for key, value in scope["headers"] if key == name]
    return "; ".join(values) if values else None


def _open(slug: str, moderators: bool, session_key: str | None, last_id: int | None):
    user = access.user_of_session(session_key) if moderators else None
    opened = access.open_stream(slug, moderators=moderators, user=user)
    return opened, *reads.resume_point(opened.ama_id, opened.version, last_id)


async def serve(slug: str, moderators: bool, scope, receive, send) -> None:
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    cookies = parse_cookie(_header(scope, b"cookie") or "")
    try:
        last_id = access.last_event_id(_header(scope, b"last-event-id"), (query.get("last_event_id") or [None])[0])
        opened, start, reset = await stream.in_thread(
            _open, slug, moderators, cookies.get(settings.SESSION_COOKIE_NAME), last_id)
    except access.Refused as refused:
        return await _refuse(send, refused)
    language = access.viewer_language((query.get("locale") or [None])[0])
    hub = stream.hub()
    listener = await hub.add(opened.ama_id, moderators)
    try:
        headers = [(name.lower().encode(), value.encode()) for name, value in reads.HEADERS.items()]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await _body(send, reads.retry_frame() + (reads.reset_frame(opened.version) if reset else b""))
        last = await _replay(send, opened, start, language)
        await _pump(send, receive, listener, last, language)
    finally:
        hub.remove(listener)


async def _refuse(send, refused: access.Refused) -> None:
    headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"x-content-type-options", b"nosniff")]
    await send({"type": "http.response.start", "status": refused.status, "headers": headers})
    await send({"type": "http.response.body", "body": refused.reason.encode() + b"\n"})


async def _body(send, data: bytes) -> None:
    await send({"type": "http.response.body", "body": data, "more_body": True})


async def _replay(send, opened: access.Opened, after: int, language: str | None) -> int:
    """Send the stored events after `after` that this stream may see; returns the last seq sent."""
    while True:
        events = await stream.in_thread(reads.events_after, opened.ama_id, after, moderators=opened.moderators)
        if events:
            await _body(send, b"".join(event.wire_in(language) for event in events))
            after = events[-1].seq
        if len(events) < reads.REPLAY_BATCH:
            return after


async def _disconnected(receive) -> None:
    while (await receive())["type"] != "http.disconnect":
        pass


async def _pump(send, receive, listener: stream.Listener, last: int, language: str | None) -> None:
    """Forward the hub's events (those after `last`: the replay sent the earlier ones), all those waiting in
    one write, a heartbeat comment when nothing happened for FEDIAMA_LIVE_HEARTBEAT seconds, until the client
    leaves or is dropped."""
    gone = asyncio.ensure_future(_disconnected(receive))
    gone.add_done_callback(lambda _: listener.wake())
    try:
        while not gone.done():
            woken = await listener.wait(settings.FEDIAMA_LIVE_HEARTBEAT)
            events = [event for event in listener.take() if event.seq > last]
            if events:
                last = events[-1].seq
                await _body(send, b"".join(event.wire_in(language) for event in events))
            elif listener.dropped:
                break
            elif not woken:
                await _body(send, reads.KEEPALIVE)
    finally:
        client_left = gone.done()
        gone.cancel()
    if not client_left:  # dropped by the hub: end the response, the browser reconnects and replays
        await send({"type": "http.response.body", "body": b""})
