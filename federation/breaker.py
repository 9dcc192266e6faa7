"""Per-domain circuit breaker: a domain that keeps failing pauses (its rows wait), one failing for days
is marked unavailable; any success or any activity received from it closes the breaker.

Failures are counted in sequence, not in bursts: a failure whose POST started before the domain's last
counted failure was recorded belongs to that failure's round (eight concurrent sends that time out are one
failure, not eight), so the pause grows with consecutive rounds of failures (`last_failure_at` is when the
latest round was counted)."""

from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from . import caches
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


def record_successes(domains) -> None:
    """Close the breakers of these domains after deliveries there (one UPDATE; no row is created:
    a domain without a health row has nothing to reset)."""
    DomainHealth.objects.filter(domain__in=list(domains)).update(
        consecutive_failures=0, paused_until=None, failing_since=None, unavailable=False,
        last_success_at=timezone.now())
    caches.forget_failing_domains()


def domain_alive(domain: str) -> None:
    """Any activity received from a domain closes its breaker (within a few seconds of its opening)."""
    if domain in caches.failing_domains():
        record_success(domain, only_if_failing=True)


def lock(domain: str) -> DomainHealth:
    """The domain's health row, locked until the surrounding transaction ends (created when missing).

    The lock is a no-op UPDATE, so SQLite takes its write lock up front instead of failing to upgrade."""
    rows = DomainHealth.objects.filter(domain=domain)
    if not rows.update(consecutive_failures=F("consecutive_failures")):
        DomainHealth.objects.get_or_create(domain=domain)
        rows.update(consecutive_failures=F("consecutive_failures"))
    return rows.get()


def record_failure(domain: str, *, started_at=None) -> None:
    """Count a failure, unless its POST started (`started_at`) before the last counted one was recorded;
    from the OPEN_AFTER_FAILURES-th round on, pause the domain (1, 2, 4 … minutes, at most an hour)."""
    now = timezone.now()
    caches.forget_failing_domains()
    with transaction.atomic():
        health = lock(domain)
        if not _same_round(health, started_at):
            health.consecutive_failures += 1
            health.last_failure_at = now
            if health.consecutive_failures >= OPEN_AFTER_FAILURES:
                steps = health.consecutive_failures - OPEN_AFTER_FAILURES
                health.paused_until = now + min(timedelta(minutes=1) * (2 ** min(steps, 10)), MAX_PAUSE)
        health.failing_since = health.failing_since or now
        health.unavailable = now - health.failing_since >= UNAVAILABLE_AFTER
        health.save(update_fields=["consecutive_failures", "last_failure_at", "failing_since", "paused_until",
                                   "unavailable"])


def _same_round(health: DomainHealth, started_at) -> bool:
    """The POST started before the domain's last counted failure was recorded (and none has succeeded since)."""
    return (started_at is not None and health.consecutive_failures > 0 and health.last_failure_at is not None
            and started_at < health.last_failure_at)


def scheme_for(domain: str) -> str:
    value = DomainHealth.objects.filter(domain=domain).values_list("signature_scheme", flat=True)
    return next(iter(value), DomainHealth.Scheme.CAVAGE)


def remember_scheme(domain: str, scheme: str) -> None:
    DomainHealth.objects.update_or_create(domain=domain, defaults={"signature_scheme": scheme})


def reset(domains) -> int:
    """Operator: close these domains' breakers now (their waiting rows go at the next sweep)."""
    return DomainHealth.objects.filter(domain__in=list(domains)).update(
        consecutive_failures=0, paused_until=None, failing_since=None, unavailable=False)
