"""Thin Celery entry points. They take ids; the database rows are the truth.

Also what sends them: `enqueue`, `enqueue_deliveries` (outbox.publish calls it on commit) and the inbox
wake-up. The one task kept elsewhere is `generate_actor_keys`, beside the keys (federation/keys.py), because
actors enqueue it and this module, through routing, imports actors."""

import logging
from collections import Counter
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import delivery_batch, routing
from .coalesce import Coalescer
from .delivery import requeue_after
from .models import Delivery, InboxMessage

log = logging.getLogger(__name__)
PUBLISH_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
SWEEP_BATCH = 1000
DELIVER_QUEUE = "deliver"  # config.celery routes the older task names; this one is routed by its callers
DELIVER_BATCH = 50  # rows per `deliver_many` message: its rows are sent concurrently by one task
BUSY_COUNTDOWN = 2  # seconds; short on purpose: long countdowns on Redis get redelivered
DRAIN_BUDGET = 30  # seconds one drain_inbox message takes new rows; a row may run on past it (soft limit 90)
INBOX_WAKEUP_WINDOW = 0.25  # seconds: at most one drain message per web process per window (a send costs ~0.6 ms)


def enqueue(task, *args, **options) -> bool:
    """Send a task; when the broker is down, log and return False (the sweeper will find the row)."""
    try:
        task.apply_async(args=args, retry=True, retry_policy=PUBLISH_RETRY, **options)
        return True
    except (BrokerError, OSError) as error:
        log.warning("broker unavailable, %s%s left for the sweeper: %s", task.name, args, error)
        return False


@shared_task(name="federation.tasks.process_inbox_message")
def process_inbox_message(message_id: int):
    """One row (messages queued before draining, and operators' one-offs)."""
    return routing.process(message_id)


@shared_task(name="federation.tasks.drain_inbox")
def drain_inbox():
    """Process every waiting inbox row, oldest first; past the budget, hand the rest to a fresh message
    so one long backlog does not hit the task time limit. Returns how many rows this run processed."""
    done, more = routing.drain(budget=DRAIN_BUDGET)
    if more:
        enqueue(drain_inbox)
    elif routing.waiting_on_the_database():
        enqueue(drain_inbox, countdown=routing.DATABASE_RETRY.total_seconds())
    return done


def send_drain() -> None:
    enqueue(drain_inbox)


inbox_wakeup = Coalescer(send_drain, window=INBOX_WAKEUP_WINDOW)


def wake_inbox_workers() -> None:
    """Tell the inbox workers that rows are waiting (coalesced: one message per window per process)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        send_drain()
    else:
        inbox_wakeup.request()


@shared_task(name="federation.tasks.deliver_many")
def deliver_many(delivery_ids: list[int]):
    """One try for each of a batch of rows (sent concurrently); rows whose domain is at its cap come
    back a little later in one message. Returns {outcome: count}."""
    outcomes = delivery_batch.attempt_many(delivery_ids)
    busy = [pk for pk, outcome in outcomes.items() if outcome == "busy"]
    if busy:
        enqueue(deliver_many, busy, countdown=BUSY_COUNTDOWN, queue=DELIVER_QUEUE)
    return dict(Counter(str(outcome) for outcome in outcomes.values()))


def enqueue_deliveries(ids: list[int]) -> int:
    """One `deliver_many` message per DELIVER_BATCH ids; stops at the first broker failure (the sweeper
    finds the rest). Returns how many ids were sent."""
    with deliver_many.app.producer_or_acquire() as producer:  # one connection for the whole batch
        for start in range(0, len(ids), DELIVER_BATCH):
            if not enqueue(deliver_many, ids[start:start + DELIVER_BATCH], producer=producer,
                           queue=DELIVER_QUEUE):
                log.warning("broker unavailable: %d deliveries wait for the sweeper", len(ids) - start)
                return start
    return len(ids)


@shared_task(name="federation.tasks.deliver")
def deliver(delivery_id: int):
    """A single row (messages queued before batching, and operators' one-offs)."""
    return deliver_many([delivery_id])


@shared_task(name="federation.tasks.fan_out")
def fan_out(delivery_ids: list[int]):
    """Kept for messages queued by an earlier version: the batch is now delivered in place."""
    return deliver_many(delivery_ids)


def _due_delivery_ids(now) -> list[int]:
    """Due rows, leased to the sweeper's message for FEDIAMA_REQUEUE_AFTER (so the next sweep skips them)."""
    waiting = Q(state__in=[Delivery.State.PENDING, Delivery.State.RETRYING], next_attempt_at__lte=now) & (
        Q(lease_until__isnull=True) | Q(lease_until__lt=now))
    abandoned = Q(state=Delivery.State.IN_FLIGHT, lease_until__lt=now)
    with transaction.atomic():
        rows = Delivery.objects.select_for_update(skip_locked=True).filter(waiting | abandoned)
        ids = list(rows.order_by("next_attempt_at").values_list("pk", flat=True)[:SWEEP_BATCH])
        Delivery.objects.filter(pk__in=ids).exclude(state=Delivery.State.IN_FLIGHT).update(
            lease_until=now + requeue_after())
    return ids


@shared_task(name="federation.tasks.sweep_deliveries")
def sweep_deliveries():
    """Re-enqueue due deliveries: retries whose time has come, and rows a lost message or a dead worker
    left behind. Returns how many were sent to the broker."""
    return enqueue_deliveries(_due_delivery_ids(timezone.now()))


@shared_task(name="federation.tasks.sweep_inbox")
def sweep_inbox():
    """Rows a lost message or a dead worker left behind: one drain takes them all. Returns how many."""
    routing.give_up_abandoned()
    ids = routing.due_for_processing()
    if ids:
        enqueue(drain_inbox)
    return len(ids)


@shared_task(name="federation.tasks.purge_delivered")
def purge_delivered():
    """Delete delivered rows older than FEDIAMA_DELIVERY_RETENTION_DAYS; failed and dead rows stay for operators."""
    cutoff = timezone.now() - timedelta(days=settings.FEDIAMA_DELIVERY_RETENTION_DAYS)
    deleted, _ = Delivery.objects.filter(state=Delivery.State.DELIVERED, delivered_at__lt=cutoff).delete()
    return deleted


@shared_task(name="federation.tasks.purge_inbox")
def purge_inbox():
    """Delete processed and ignored inbox messages received more than FEDIAMA_INBOX_RETENTION_DAYS ago;
    failed ones stay for operators. Replays of a purged activity are refused by their signature's date."""
    cutoff = timezone.now() - timedelta(days=settings.FEDIAMA_INBOX_RETENTION_DAYS)
    done = InboxMessage.objects.filter(state__in=[InboxMessage.State.PROCESSED, InboxMessage.State.IGNORED],
                                       received_at__lt=cutoff)
    deleted, _ = done.delete()
    return deleted
