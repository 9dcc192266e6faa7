"""The event streams under WSGI (Django's test server, runserver): the same contract as ama/live/asgi.py,
served by a request thread that reads the events table every FEDIAMA_LIVE_POLL_INTERVAL seconds. Production
never reaches these views: config/asgi.py answers these paths on its event loop first."""

import time

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.views.decorators.http import require_GET

from . import access, reads


@require_GET
def public_events(request, slug):
    return _stream(request, slug, moderators=False)


@require_GET
def moderator_events(request, slug):
    return _stream(request, slug, moderators=True)


def _stream(request, slug: str, *, moderators: bool):
    try:
        last_id = access.last_event_id(request.headers.get("Last-Event-ID"), request.GET.get("last_event_id"))
        opened = access.open_stream(slug, moderators=moderators, user=request.user)
    except access.Refused as refused:
        return HttpResponse(refused.reason + "\n", status=refused.status, content_type="text/plain; charset=utf-8")
    response = StreamingHttpResponse(_frames(opened, last_id, access.viewer_language(request.GET.get("locale"))))
    for name, value in reads.HEADERS.items():
        response[name] = value
    return response


def _frames(opened: access.Opened, last_id: int | None, language: str | None):
    after, reset = reads.resume_point(opened.ama_id, opened.version, last_id)
    yield reads.retry_frame() + (reads.reset_frame(opened.version) if reset else b"")
    quiet = 0.0
    while True:
        events = reads.events_after(opened.ama_id, after, moderators=opened.moderators)
        if events:
            yield b"".join(event.wire_in(language) for event in events)
            after, quiet = events[-1].seq, 0.0
            continue
        if quiet >= settings.FEDIAMA_LIVE_HEARTBEAT:
            yield reads.KEEPALIVE
            quiet = 0.0
        time.sleep(settings.FEDIAMA_LIVE_POLL_INTERVAL)
        quiet += settings.FEDIAMA_LIVE_POLL_INTERVAL
