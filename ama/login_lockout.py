"""Brute-force protection for the two login forms (the site's and the admin's), on django-axes.

Two rules, each with its own limit inside the cool-off window (settings, from the environment):
AXES_FAILURE_LIMIT failures for one account from one address (axes' own rule, AXES_LOCKOUT_PARAMETERS), and
FEDIAMA_LOGIN_FAILURES_PER_ADDRESS failures from one address across every account (added here). A locked-out
client gets the lockout page, 429 with Retry-After, even with the right password; a success resets its own
account-and-address count.
"""

import logging

from axes.attempts import get_cool_off_threshold
from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.db.models import Sum
from django.shortcuts import render

log = logging.getLogger(__name__)


class LoginLockoutBackend(AxesStandaloneBackend):
    """axes' check on every login that comes with a request (both forms, the API). A call without one (a shell,
    the test client's login()) is no one's request and is not counted: axes would refuse it outright."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


class AccountAndAddressHandler(AxesDatabaseHandler):
    """axes' database handler plus the per-address rule."""

    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or self.address_is_locked(request)

    def address_is_locked(self, request) -> bool:
        failures = AccessAttempt.objects.filter(
            ip_address=request.axes_ip_address, attempt_time__gte=get_cool_off_threshold(request),
        ).aggregate(total=Sum("failures_since_start"))["total"] or 0
        return failures >= settings.FEDIAMA_LOGIN_FAILURES_PER_ADDRESS

    def user_login_failed(self, sender, credentials: dict, request=None, **kwargs):
        super().user_login_failed(sender, credentials, request, **kwargs)
        if request is None or request.axes_locked_out or not self.address_is_locked(request):
            return
        log.warning("login: address %s locked out for %s after %d failed logins across accounts",
                    request.axes_ip_address, get_cool_off(request), settings.FEDIAMA_LOGIN_FAILURES_PER_ADDRESS)
        request.axes_locked_out = True
        request.axes_credentials = credentials
        user_locked_out.send("axes", request=request, username=credentials.get("username"),
                             ip_address=request.axes_ip_address)


def lockout_response(request, original_response=None, credentials=None):
    """The page a locked-out client sees instead of the login form's answer (AXES_LOCKOUT_CALLABLE)."""
    cool_off = get_cool_off(request)
    minutes = max(1, round(cool_off.total_seconds() / 60))
    response = render(request, "ama/locked_out.html", {"minutes": minutes},
                      status=settings.AXES_HTTP_RESPONSE_CODE)
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
