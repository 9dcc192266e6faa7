"""Inbox POSTs come from servers, not from people: they need none of the middleware that serves a person
(static files, sessions, language, CSRF, login, messages). Placed right after SecurityMiddleware, this
resolves an inbox POST itself and calls its view, which skips the rest of the stack; every other request
goes down the stack as usual. Views opt in with `federation.views.inbox_endpoint`."""

import functools

from django.conf import settings
from django.urls import Resolver404, resolve


class InboxShortcutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method == "POST" and request.path_info.endswith("/inbox"):
            match = _resolve(request.path_info, settings.ROOT_URLCONF)
            if match is None:
                return self.get_response(request)
            if getattr(match.func, "is_inbox_endpoint", False):
                request.resolver_match = match
                response = match.func(request, *match.args, **match.kwargs)
                if not response.streaming and not response.has_header("Content-Length"):
                    response["Content-Length"] = str(len(response.content))  # as CommonMiddleware would
                return response
        return self.get_response(request)


@functools.lru_cache(maxsize=1024)  # a handful of inbox paths take nearly all the traffic
def _resolve(path: str, urlconf: str):
    try:
        return resolve(path, urlconf)
    except Resolver404:
        return None
