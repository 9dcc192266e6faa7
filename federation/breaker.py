"""Per-domain circuit breaker: a domain that keeps failing pauses (its rows wait), one failing for days
is marked unavailable; any success or any activity received from it closes the breaker."""

from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from .models import DomainHealth

OPEN_AFTER_FAILURES = 5
MAX_PAUSE = timedelta(hours=1)
UNAVAILABLE_AFTER = timedelta(days=2)


def paused_until(domain: str):
    """When the domain's breaker closes again, or None when it is closed now."""
    now = timezone.now()
    value = DomainHealth.objects.filter(domain=domain, paused_until__gt=now).values_list("paused_until", flat=True)
    return next(iter(value), None)


def record_success(domain: str, *, only_if_failing: bool = False) -> None:
    rows = DomainHealth.objects.filter(domain=domain)
    if only_if_failing:
        rows.filter(consecutive_failures__gt=0).update(
            consecutive_failures=0, paused_until=None, failing_since=None, unavailable=False)
        return
    updated = rows.update(consecutive_failures=0, paused_until=None, failing_since=None, unavailable=False,
                          last_success_at=timezone.now())
    if not updated:
        DomainHealth.objects.get_or_create(domain=domain, defaults={"last_success_at": timezone.now()})


def record_failure(domain: str) -> None:
    now = timezone.now()
    health, _ = DomainHealth.objects.get_or_create(domain=domain)
    DomainHealth.objects.filter(domain=domain).update(consecutive_failures=F("consecutive_failures") + 1,
                                                      last_failure_at=now)
    health.refresh_from_db()
    if health.failing_since is None:
        health.failing_since = now
    if health.consecutive_failures >= OPEN_AFTER_FAILURES:
        steps = health.consecutive_failures - OPEN_AFTER_FAILURES
        health.paused_until = now + min(timedelta(minutes=1) * (2 ** min(steps, 10)), MAX_PAUSE)
    health.unavailable = now - health.failing_since >= UNAVAILABLE_AFTER
    health.save(update_fields=["failing_since", "paused_until", "unavailable"])


def scheme_for(domain: str) -> str:
    value = DomainHealth.objects.filter(domain=domain).values_list("signature_scheme", flat=True)
    return next(iter(value), DomainHealth.Scheme.CAVAGE)


def remember_scheme(domain: str, scheme: str) -> None:
    DomainHealth.objects.update_or_create(domain=domain, defaults={"signature_scheme": scheme})
