"""Inbox POSTs skip Django's request cycle.

They come from servers, not people, and on a busy AMA they are most of the requests. Django's cycle around a
view (request signals, the middleware stack) took a sixth of an inbox request's CPU in-process, and an inbox
needs none of what it does for people (sessions, language, CSRF, login, messages, static files). A POST whose
path resolves to a view marked by `federation.views.inbox_endpoint` is served by `respond_to_inbox`, with the
same view; every other request, GETs to inboxes included, goes to Django unchanged.

Two doors lead to it: `WsgiInboxDoor` here wraps the WSGI application (config/wsgi.py: `runserver`, WSGI
servers), and `AsgiInboxDoor` (federation/asgi.py) wraps the ASGI one that gunicorn serves in production
(config/asgi.py).

What the skipped cycle did that an inbox still needs is done in `respond_to_inbox`: database connections
that are unusable or past CONN_MAX_AGE are closed (`close_old_connections`, the request_finished receiver that
does it, called directly: the signal's other receivers close Django cache connections and reset a
per-request URLconf, neither of which an inbox uses, and the signal's dispatch cost a tenth of an inbox
request's instructions), an exception becomes the response Django would give (a logged 500 for a bug; the
views answer their own refusals), the response carries Content-Length (kept-alive senders need it) and, as
SecurityMiddleware would set it, `nosniff`. The caller sets the script prefix, in the thread that runs the view.
"""

import functools

from django.conf import settings
from django.core.handlers.exception import response_for_exception
from django.core.handlers.wsgi import WSGIRequest, get_script_name
from django.db import close_old_connections
from django.urls import Resolver404, resolve, set_script_prefix


class WsgiInboxDoor:
    def __init__(self, application):
        self.application = application

    def __call__(self, environ, start_response):
        if environ.get("REQUEST_METHOD") == "POST":
            match = inbox_match(environ.get("PATH_INFO", ""))
            if match is not None:
                return serve_inbox(match, environ, start_response)
        return self.application(environ, start_response)


def inbox_match(path: str):
    """The URL match when `path` is an inbox endpoint's, else None."""
    if not path.endswith("/inbox"):
        return None
    return _inbox_match(path, settings.ROOT_URLCONF)


@functools.lru_cache(maxsize=1024)  # a handful of inbox paths take nearly all the traffic
def _inbox_match(path: str, urlconf: str):
    try:
        match = resolve(path, urlconf)
    except Resolver404:
        return None
    return match if getattr(match.func, "is_inbox_endpoint", False) else None


def respond_to_inbox(match, request):
    """The inbox view's response to `request`, finished as Django's handler would finish it."""
    request.resolver_match = match
    try:
        response = match.func(request, *match.args, **match.kwargs)
    except Exception as error:  # what Django's handler does with it: 404 page, or a logged 500
        response = response_for_exception(request, error)
    finally:
        close_old_connections()
    response["Content-Length"] = str(len(response.content))
    if settings.SECURE_CONTENT_TYPE_NOSNIFF:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
    return response


def serve_inbox(match, environ, start_response):
    set_script_prefix(get_script_name(environ))
    response = respond_to_inbox(match, WSGIRequest(environ))
    start_response(f"{response.status_code} {response.reason_phrase}", list(response.items()))
    return [response.content]
