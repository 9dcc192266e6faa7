"""API token authentication that stops guessing: past FEDIAMA_TOKEN_FAILURE_RATE failed tokens from one
address (DRF's rate syntax, e.g. "30/hour"), token attempts from it are answered 429 with Retry-After."""

import logging

from django.conf import settings
from django.core.cache import caches
from django.utils.connection import ConnectionProxy
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication, get_authorization_header
from rest_framework.throttling import SimpleRateThrottle

log = logging.getLogger(__name__)


class FailedTokenThrottle(SimpleRateThrottle):
    """Counts failed token authentications per client address; only failures are recorded."""

    scope = "failed_token"
    cache = ConnectionProxy(caches, "throttle")

    def get_rate(self) -> str:
        return settings.FEDIAMA_TOKEN_FAILURE_RATE

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def refuses(self, request) -> bool:
        self.key = self.get_cache_key(request, None)
        self.now = self.timer()
        self.history = [moment for moment in self.cache.get(self.key, []) if moment > self.now - self.duration]
        return len(self.history) >= self.num_requests

    def record_failure(self, request) -> None:
        self.refuses(request)
        self.throttle_success()  # stores this failure in the history
        if len(self.history) == self.num_requests:
            log.warning("api: %d failed token authentications from %s; token attempts refused for %d s",
                        self.num_requests, self.get_ident(request), self.wait())


class ThrottledTokenAuthentication(TokenAuthentication):
    def authenticate(self, request):
        if not self.offers_token(request):
            return None
        throttle = FailedTokenThrottle()
        if throttle.refuses(request):
            raise exceptions.Throttled(wait=throttle.wait(),
                                       detail="Too many failed token authentications from your address.")
        try:
            return super().authenticate(request)
        except exceptions.AuthenticationFailed:
            throttle.record_failure(request)
            raise

    def offers_token(self, request) -> bool:
        words = get_authorization_header(request).split()
        return bool(words) and words[0].lower() == self.keyword.lower().encode()
