"""One delivery attempt: claim the row with a lease, sign at send time, POST, classify, finish with a
compare-and-set. Running it twice is harmless; the row holds the retry schedule. The claim and the
common outcome are done a batch at a time by federation.delivery_batch (`attempt`, `attempt_many`); the
policy lives here: leases, backoff, classification, what a row sends."""

import json
import logging
import random
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import breaker, http
from .models import Actor, Delivery, DomainHealth

log = logging.getLogger(__name__)

BACKOFF = [timedelta(seconds=s) for s in (60, 300, 900, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 86400)]
MAX_RETRY_AFTER = timedelta(hours=6)
PERMANENT_EXCEPT = {401, 408, 429}
FINAL = (Delivery.State.DELIVERED, Delivery.State.FAILED, Delivery.State.DEAD)


def lease() -> timedelta:
    """How long a claimed row belongs to its worker: two request deadlines (the 401 retry) and a grace."""
    return timedelta(seconds=settings.FEDIAMA_DELIVERY_TIMEOUT * 2 + settings.FEDIAMA_DELIVERY_LEASE_GRACE)


def requeue_after() -> timedelta:
    """How long a row handed to a broker message belongs to that message before the sweeper takes it again."""
    return timedelta(seconds=settings.FEDIAMA_REQUEUE_AFTER)


def body_bytes(delivery: Delivery) -> bytes:
    return json.dumps(delivery.activity.body, ensure_ascii=False, separators=(",", ":")).encode()


def finish(delivery: Delivery, **fields) -> bool:
    """Compare-and-set on (in flight, this attempt): a stale worker cannot overwrite a newer outcome."""
    return bool(Delivery.objects.filter(pk=delivery.pk, state=Delivery.State.IN_FLIGHT,
                                        attempts=delivery.attempts).update(lease_until=None, **fields))


def _send(delivery: Delivery, scheme: str, signer: http.Signer, body: bytes) -> http.PostResult:
    return http.post_activity(delivery.inbox, body, signer=signer, scheme=scheme)


def send_with_fallback(delivery: Delivery, scheme: str, signer: http.Signer,
                       body: bytes) -> tuple[http.PostResult, str | None]:
    """POST with the scheme known to work there; on 401, one retry with the other scheme.

    Returns the result and, when the other scheme worked, that scheme (the caller remembers it: this
    runs on the send threads, which never touch the database)."""
    result = _send(delivery, scheme, signer, body)
    if result.status == 401:
        other = DomainHealth.Scheme.RFC9421 if scheme == DomainHealth.Scheme.CAVAGE else DomainHealth.Scheme.CAVAGE
        retried = _send(delivery, other, signer, body)
        return retried, (other if is_success(retried.status) else None)
    return result, None


def is_success(status: int | None) -> bool:
    return status is not None and 200 <= status < 300


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


def _failed(delivery: Delivery, result: http.PostResult, common: dict, sent_at) -> str:
    breaker.record_failure(delivery.domain, started_at=sent_at)
    when = next_attempt(delivery, result)
    if when is None:
        finish(delivery, state=Delivery.State.DEAD, **common)
        log.warning("delivery %s to %s is dead after %d attempts: %s", delivery.pk, delivery.inbox,
                    delivery.attempts, result.error)
        return Delivery.State.DEAD
    finish(delivery, state=Delivery.State.RETRYING, next_attempt_at=when, **common)
    return Delivery.State.RETRYING


def classify(delivery: Delivery, result: http.PostResult, *, sent_at=None) -> str:
    """Finish the row by its result. `sent_at`, when the POST started, lets the breaker count a burst of
    concurrent failures once (federation.breaker.record_failure)."""
    common = dict(last_status=result.status, last_error=result.error[:2000])
    if is_success(result.status):
        finish(delivery, state=Delivery.State.DELIVERED, delivered_at=timezone.now(), **common)
        breaker.record_success(delivery.domain)
        return Delivery.State.DELIVERED
    if is_permanent(result.status):
        return _refused(delivery, result, common)
    return _failed(delivery, result, common, sent_at)
