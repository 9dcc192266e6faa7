"""Publishing: delivery rows written in the caller's transaction, enqueued after commit.

The attempt itself (claim, sign, POST, classify) lives in federation.delivery and delivery_batch, the
messages that carry the rows in federation.tasks; operators' levers (retry now, re-queue dead) live here so
the admin and management commands never write rows."""

import logging
import threading
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.models import Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import timezone

from . import caches, domain_policy, routing
from .activities import host_of
from .bulk_insert import insert_rows
from .delivery import requeue_after
from .models import Actor, Delivery, Follow, OutboxActivity
from .tasks import enqueue_deliveries
from .urls_helper import local_domain

log = logging.getLogger(__name__)


def follower_inboxes(actor: Actor) -> frozenset[str]:
    """The inboxes of an actor's accepted remote followers, collapsed by shared inbox (read once per inbox
    batch: caches.once_per_batch)."""
    return caches.once_per_batch(("follower inboxes", actor.pk), lambda: _read_follower_inboxes(actor))


def _read_follower_inboxes(actor: Actor) -> frozenset[str]:
    target = Coalesce(NullIf("follower__shared_inbox", Value("")), NullIf("follower__inbox", Value("")))
    rows = Follow.objects.filter(followed=actor, state=Follow.State.ACCEPTED, follower__is_local=False,
                                 follower__gone_at__isnull=True).order_by().annotate(target=target)
    return frozenset(inbox for inbox in rows.values_list("target", flat=True).distinct() if inbox)  # collapsed


def _recipient_inboxes(recipients: Iterable) -> set[str]:
    inboxes, ap_ids = set(), []
    for recipient in recipients:
        if isinstance(recipient, Actor):
            if not recipient.is_local and not recipient.gone_at and recipient.delivery_inbox:
                inboxes.add(recipient.delivery_inbox)
        elif isinstance(recipient, str):
            ap_ids.append(recipient)
    if not ap_ids:
        return inboxes
    for shared, inbox in Actor.objects.filter(ap_id__in=ap_ids, is_local=False, gone_at__isnull=True).values_list(
            "shared_inbox", "inbox"):
        if shared or inbox:
            inboxes.add(shared or inbox)
    return inboxes


def never_resolves(domain: str) -> bool:
    """A name under the reserved `.invalid` TLD (RFC 6761 §6.4: never resolves, anywhere). The demo's
    actors (seed_demo) have their inboxes there: a delivery to one could only retry until it dies."""
    return domain.partition(":")[0].rstrip(".").endswith(".invalid")  # host_of: lower-case host[:port]


def deliverable(inboxes: set[str]) -> list[str]:
    """Drop our own domain, names that never resolve and blocked domains (the block list read now, in one
    query, so a block made a moment ago in another process holds, or once per inbox batch; not read when nothing
    else is left); stable order."""
    ours = local_domain()
    candidates = [(inbox, domain) for inbox in sorted(inboxes)
                  if (domain := host_of(inbox)) and domain != ours and not never_resolves(domain)]
    if not candidates:
        return []
    policies = caches.once_per_batch(("domain policies",), caches.read_domain_policies)
    return [inbox for inbox, domain in candidates if not domain_policy.is_blocked(domain, policies)]


INSERT_CHUNK = 500
INSERTED_COLUMNS = ("activity_id", "inbox", "domain", "state", "attempts", "next_attempt_at", "lease_until",
                    "last_error", "created_at")


def _insert_deliveries(targets: list[tuple[int, str]], *, now, marker) -> list[int]:
    """One pending row per (activity id, inbox), skipping inboxes that already have one for the activity (unique
    per activity and inbox); returns the ids of the rows inserted.

    INSERT … SELECT from a VALUES list of (activity id, inbox, domain): the fields every row shares are bound once
    per statement, where bulk_create prepares eleven fields for each row (~100 ms for 1,000 rows).
    RETURNING (PostgreSQL; SQLite ≥ 3.35) gives the new rows' ids without reading them back."""
    connection = connections[Delivery.objects.db]
    quote, field = connection.ops.quote_name, Delivery._meta.get_field
    stamps = [field(name).get_db_prep_value(value, connection)
              for name, value in (("next_attempt_at", now), ("lease_until", marker), ("created_at", now))]
    shared = [str(Delivery.State.PENDING), 0, stamps[0], stamps[1], "", stamps[2]]
    head = (f"INSERT INTO {quote(Delivery._meta.db_table)} ({', '.join(map(quote, INSERTED_COLUMNS))}) "
            "SELECT v.column1, v.column2, v.column3, %s, %s, %s, %s, %s, %s FROM (VALUES ")
    inserted = []
    with connection.cursor() as cursor:
        for start in range(0, len(targets), INSERT_CHUNK):
            chunk = targets[start:start + INSERT_CHUNK]
            rows = ", ".join(["(%s, %s, %s)"] * len(chunk))
            values = [value for activity_id, inbox in chunk for value in (activity_id, inbox, host_of(inbox))]
            cursor.execute(f"{head}{rows}) AS v WHERE true ON CONFLICT DO NOTHING RETURNING {quote('id')}",
                           [*shared, *values])
            inserted += [row[0] for row in cursor.fetchall()]
    return inserted


def publish(activity: dict, *, sender: Actor, recipients: Iterable = (), to_followers: bool = False,
            public: bool = True) -> OutboxActivity:
    """Record `activity` from `sender` and one delivery per distinct target inbox.

    Call inside the business transaction (joined, no savepoint of its own): if it rolls back, nothing is
    stored and nothing is sent. Deliveries are enqueued on commit; the sweeper is the backstop if that message
    is lost. Publishing an activity again (same id) adds the inboxes it lacked and enqueues its pending rows.
    In a shared row of an inbox batch (federation.routing.share_batches: a new question's Accept and Announce)
    the row is written at the batch's end with the others (stored_at_batch_end): it is returned without its id."""
    with transaction.atomic(savepoint=False):
        inboxes = _recipient_inboxes(recipients)
        if to_followers:
            inboxes |= follower_inboxes(sender)
        row = OutboxActivity(ap_id=activity["id"], actor=sender, public=public, body=activity,
                             activity_type=activity.get("type", ""))
        waiting = getattr(_batch, "waiting", None)
        if waiting is not None and routing.in_shared_row():
            waiting.append((row, deliverable(inboxes)))
            return row
        return _store([(row, deliverable(inboxes))])[0]


_batch = threading.local()


@contextmanager
def stored_at_batch_end():
    """federation.routing.wrap_batches (entered first, so left last): what the batch's shared rows publish is
    written at its end, every activity in one INSERT and every delivery in one more, and enqueued in one message
    on commit, instead of two or three statements each. On an exception nothing is written: the batch rolls back."""
    waiting: list[tuple[OutboxActivity, list[str]]] = []
    _batch.waiting = waiting
    try:
        yield
    finally:
        _batch.waiting = None
    _store(waiting)


def _store(published: list[tuple[OutboxActivity, list[str]]]) -> list[OutboxActivity]:
    """Each (activity's row, not saved yet, and its target inboxes) written: the new rows in one INSERT … ON
    CONFLICT (ap_id) DO NOTHING (ids are minted fresh, so a row is nearly always new: reading first would be a
    query more for each, and an INSERT that may fail would need a savepoint, two more), their deliveries in one
    more, enqueued on commit. A row published before keeps its stored row, gets the inboxes it lacked, and its
    pending deliveries are enqueued again. Returns the stored rows, in order."""
    if not published:
        return []
    new = {id(row) for row in insert_rows([row for row, _targets in published], skip_conflict_on="ap_id")}
    now = timezone.now()
    marker = now + requeue_after()  # the sweeper leaves the rows to their on-commit message until then
    ids = _insert_deliveries([(row.pk, inbox) for row, targets in published if id(row) in new for inbox in targets],
                             now=now, marker=marker)
    stored = []
    for row, targets in published:
        if id(row) not in new:
            row = OutboxActivity.objects.get(ap_id=row.ap_id)
            _insert_deliveries([(row.pk, inbox) for inbox in targets], now=now, marker=marker)
            ids += Delivery.objects.filter(activity=row, state=Delivery.State.PENDING).values_list("pk", flat=True)
        stored.append(row)
    if ids:
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return stored


def _make_due(rows, states, **extra) -> list[int]:
    now = timezone.now()
    with transaction.atomic():
        ids = list(rows.filter(state__in=states).values_list("pk", flat=True))
        Delivery.objects.filter(pk__in=ids, state__in=states).update(
            state=Delivery.State.PENDING, next_attempt_at=now, lease_until=now + requeue_after(), **extra)
    transaction.on_commit(lambda: enqueue_deliveries(ids))
    return ids


def retry_now(ids: Iterable[int]) -> int:
    """Operator: send waiting deliveries (pending or retrying) now instead of at their next_attempt_at."""
    rows = Delivery.objects.filter(pk__in=list(ids))
    return len(_make_due(rows, [Delivery.State.PENDING, Delivery.State.RETRYING]))


def requeue_deliveries(ids: Iterable[int]) -> int:
    """Operator: give dead (and permanently failed) deliveries a new life, with a fresh backoff schedule."""
    rows = Delivery.objects.filter(pk__in=list(ids))
    dead = [Delivery.State.DEAD, Delivery.State.FAILED]
    return len(_make_due(rows, dead, attempts=0))

