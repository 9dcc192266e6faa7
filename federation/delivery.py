"""One delivery attempt: claim the row with a lease, sign at send time, POST, classify, finish with a
compare-and-set. Running it twice is harmless; the row holds the retry schedule."""

import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from . import actors, breaker, http
from .models import Actor, Delivery, DomainHealth

log = logging.getLogger(__name__)

BACKOFF = [timedelta(seconds=s) for s in (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 86400)]
MAX_RETRY_AFTER = timedelta(hours=6)
PERMANENT_EXCEPT = {401, 408, 429}
FINAL = (Delivery.State.DELIVERED, Delivery.State.FAILED, Delivery.State.DEAD)


def lease() -> timedelta:
    """How long a claimed row belongs to its worker: two request deadlines (the 401 retry) and a grace."""
    return timedelta(seconds=settings.FEDIAMA_DELIVERY_TIMEOUT * 2 + settings.FEDIAMA_DELIVERY_LEASE_GRACE)


def claim(delivery_id: int) -> bool:
    now = timezone.now()
    waiting = Q(state__in=[Delivery.State.PENDING, Delivery.State.RETRYING], next_attempt_at__lte=now)
    abandoned = Q(state=Delivery.State.IN_FLIGHT, lease_until__lt=now)
    return bool(Delivery.objects.filter(waiting | abandoned, pk=delivery_id).update(
        state=Delivery.State.IN_FLIGHT, lease_until=now + lease(), attempts=F("attempts") + 1))


def domain_busy(domain: str) -> bool:
    in_flight = Delivery.objects.filter(domain=domain, state=Delivery.State.IN_FLIGHT,
                                        lease_until__gt=timezone.now()).count()
    return in_flight >= settings.FEDIAMA_DOMAIN_CONCURRENCY


def claim_for_domain(delivery_id: int, domain: str) -> tuple[str | None, str]:
    """Under the domain's row lock: ("deferred"|"busy"|None|"claimed", signature scheme).

    The lock makes the concurrency cap exact across workers; it is held for three short queries."""
    with transaction.atomic():
        health = breaker.lock(domain)
        if health.paused_until and health.paused_until > timezone.now():
            Delivery.objects.filter(pk=delivery_id).exclude(state__in=(Delivery.State.IN_FLIGHT, *FINAL)).update(
                next_attempt_at=health.paused_until, lease_until=None)
            return "deferred", health.signature_scheme
        if domain_busy(domain):
            return "busy", health.signature_scheme
        return ("claimed" if claim(delivery_id) else None), health.signature_scheme


def finish(delivery: Delivery, **fields) -> bool:
    """Compare-and-set on (in flight, this attempt): a stale worker cannot overwrite a newer outcome."""
    return bool(Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.IN_FLIGHT,
                                        attempts=delivery.attempts).update(lease_until=None, **fields))


def _send(delivery: Delivery, scheme: str) -> http.PostResult:
    from .outbox import body_bytes
    signer = actors.signer_for(delivery.activity.actor)
    return http.post_activity(delivery.inbox, body_bytes(delivery), signer=signer, scheme=scheme)


def send_with_fallback(delivery: Delivery, scheme: str) -> http.PostResult:
    """POST with the scheme known to work there; on 401, one retry with the other scheme."""
    result = _send(delivery, scheme)
    if result.status == 401:
        other = DomainHealth.Scheme.RFC9421 if scheme == DomainHealth.Scheme.CAVAGE else DomainHealth.Scheme.CAVAGE
        retried = _send(delivery, other)
        if retried.status is not None and 200 <= retried.status < 300:
            breaker.remember_scheme(delivery.domain, other)
        return retried
    return result


def is_permanent(status: int | None) -> bool:
    if status is None:
        return False
    return status == 501 or (400 <= status < 500 and status not in PERMANENT_EXCEPT)


def next_attempt(delivery: Delivery, result: http.PostResult):
    """When to try again (Retry-After on 429/503, capped; else the backoff), None when retries are exhausted."""
    index = delivery.attempts - 1
    if index >= len(BACKOFF):
        return None
    now = timezone.now()
    if result.status in (429, 503) and result.retry_after is not None:
        return now + min(timedelta(seconds=max(result.retry_after, 1)), MAX_RETRY_AFTER)
    return now + BACKOFF[index] * random.uniform(0.9, 1.1)


def _refused(delivery: Delivery, result: http.PostResult, common: dict) -> str:
    if result.status == 410:
        Actor.objects.filter(Q(inbox=delivery.inbox) | Q(shared_inbox=delivery.inbox), is_local=False).update(
            gone_at=timezone.now())
    finish(delivery, state=Delivery.State.FAILED, **common)
    return Delivery.State.FAILED


def _failed(delivery: Delivery, result: http.PostResult, common: dict) -> str:
    breaker.record_failure(delivery.domain)
    when = next_attempt(delivery, result)
    if when is None:
        finish(delivery, state=Delivery.State.DEAD, **common)
        log.warning("delivery %s to %s is dead after %d attempts: %s", delivery.pk, delivery.inbox,
                    delivery.attempts, result.error)
        return Delivery.State.DEAD
    finish(delivery, state=Delivery.State.RETRYING, next_attempt_at=when, **common)
    return Delivery.State.RETRYING


def classify(delivery: Delivery, result: http.PostResult) -> str:
    common = dict(last_status=result.status, last_error=result.error[:2000])
    if result.status is not None and 200 <= result.status < 300:
        finish(delivery, state=Delivery.State.DELIVERED, delivered_at=timezone.now(), **common)
        breaker.record_success(delivery.domain)
        return Delivery.State.DELIVERED
    if is_permanent(result.status):
        return _refused(delivery, result, common)
    return _failed(delivery, result, common)


def attempt(delivery_id: int) -> str | None:
    """One try; returns the new state, "deferred" (breaker open), "busy" (domain at its cap), or None
    when the row was not ours to take (done, leased to another worker, or not due)."""
    row = Delivery.objects.filter(pk=delivery_id).values("domain", "state").first()
    if row is None or row["state"] in FINAL:
        return None
    outcome, scheme = claim_for_domain(delivery_id, row["domain"])
    if outcome != "claimed":
        return outcome
    delivery = Delivery.objects.select_related("activity", "activity__actor").get(pk=delivery_id)
    return classify(delivery, send_with_fallback(delivery, scheme))
