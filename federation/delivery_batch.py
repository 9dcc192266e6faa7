"""A batch of delivery attempts in one task: the rows, their domains' health, the claim and the common
outcome are read and written a batch at a time, and the POSTs run concurrently on a small per-process
thread pool (its threads keep their pooled HTTP sessions; they never touch the database).

The guarantees are federation.delivery's: a lease claim (a conditional UPDATE … RETURNING), a finish
that is a compare-and-set on (in flight, attempts), the breaker, and an exact per-domain cap, checked
after the claim instead of under a lock: a claimer counts the domain's live leases once its own claim
is committed and gives back what exceeds the cap, so whichever of two racing claimers counts last sees
both claims, and the cap holds without serialising every claim on the domain's health row.

A batch with more rows on a domain than the cap keeps the cap in flight there: the rows wait in the batch
(`_Slots`) and the next is claimed as soon as one of the batch's sends there ends (or every SLOT_POLL while
other batches hold the slots), for up to SLOT_WAIT; only what is left then goes back to the queue ("busy").
A transient failure on a domain stops the batch's sends there (the breaker decides what happens next)."""

import os
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import Future, ThreadPoolExecutor, wait

from django.conf import settings
from django.db import connections
from django.db.models import Count, F, Q
from django.db.models.sql import UpdateQuery
from django.utils import timezone

from . import actors, breaker, delivery, domain_policy, http
from .delivery import body_bytes, requeue_after
from .models import Delivery, DomainHealth, OutboxActivity

BLOCKED_ERROR = "not sent: this server blocks the domain"
SEND_THREADS = 32
FLUSH_EVERY = 0.1  # seconds: how often finished sends of a batch are written
SLOT_WAIT = 10.0  # seconds a batch keeps claiming rows as slots on their domains free up
SLOT_POLL = 0.5  # seconds between claims on a domain whose slots are all held by other batches
_pool: list = []  # [(pid, executor)]
_pool_lock = threading.Lock()
CLAIMED_COLUMNS = ("id", "attempts", "domain", "inbox", "activity_id")
RETRY_STATES = (Delivery.State.RETRYING, Delivery.State.DEAD)  # transient failures: the domain may be down


def _executor() -> ThreadPoolExecutor:
    with _pool_lock:
        if not _pool or _pool[0][0] != os.getpid():
            _pool[:] = [(os.getpid(), ThreadPoolExecutor(SEND_THREADS, thread_name_prefix="fediama-send"))]
        return _pool[0][1]


def update_returning_sql(rows, columns: tuple[str, ...], **values) -> tuple[str, tuple]:
    """The statement of `rows.update(**values)` returning `columns` of the rows it changes (PostgreSQL and
    SQLite ≥ 3.35 both speak UPDATE … RETURNING), and its parameters."""
    query = rows.query.chain(UpdateQuery)
    query.add_update_values(values)
    compiler = query.get_compiler(rows.db)
    compiler.pre_sql_setup()
    sql, params = compiler.as_sql()
    returning = ", ".join(connections[rows.db].ops.quote_name(column) for column in columns)
    return f"{sql} RETURNING {returning}", params


def update_returning(rows, columns: tuple[str, ...], **values) -> list[tuple]:
    """`rows.update(**values)` in one statement, returning `columns` of the rows it changed."""
    sql, params = update_returning_sql(rows, columns, **values)
    with connections[rows.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _health(domains) -> dict[str, dict]:
    fields = ("domain", "paused_until", "signature_scheme", "consecutive_failures", "unavailable")
    return {row["domain"]: row for row in DomainHealth.objects.filter(domain__in=domains).values(*fields)}


def _defer(ids: list[int], paused: dict[str, object]) -> None:
    """Rows of a paused domain wait for the breaker to close (not dropped, not sent)."""
    for domain, until in paused.items():
        Delivery.objects.filter(pk__in=ids, domain=domain).exclude(
            state__in=(Delivery.State.IN_FLIGHT, *delivery.FINAL)).update(next_attempt_at=until, lease_until=None)


def _refuse_blocked(ids: list[int]) -> None:
    """Rows queued before their domain was blocked are not sent: failed, with the reason (an operator who
    lifts the block can re-queue them)."""
    now = timezone.now()
    Delivery.objects.filter(pk__in=ids).exclude(state__in=delivery.FINAL).exclude(
        state=Delivery.State.IN_FLIGHT, lease_until__gt=now).update(
        state=Delivery.State.FAILED, last_error=BLOCKED_ERROR, lease_until=None)


def _claim(ids: list[int]) -> list[Delivery]:
    """Take the due or abandoned rows among `ids` with a lease; the rows this call took."""
    now = timezone.now()
    waiting = Q(state__in=[Delivery.State.PENDING, Delivery.State.RETRYING], next_attempt_at__lte=now)
    abandoned = Q(state=Delivery.State.IN_FLIGHT, lease_until__lt=now)
    taken = update_returning(Delivery.objects.filter(waiting | abandoned, pk__in=ids), CLAIMED_COLUMNS,
                             state=Delivery.State.IN_FLIGHT, lease_until=now + delivery.lease(),
                             attempts=F("attempts") + 1)
    return [Delivery(state=Delivery.State.IN_FLIGHT, **dict(zip(CLAIMED_COLUMNS, row, strict=True)))
            for row in taken]


def _waiting_state(state: str) -> str:
    return Delivery.State.PENDING if state == Delivery.State.IN_FLIGHT else state


def _over_cap(claimed: list[Delivery], before: dict[int, str]) -> list[Delivery]:
    """After the claim: give back, per domain, the claims beyond the cap (they come back "busy")."""
    cap, now = settings.FEDIAMA_DOMAIN_CONCURRENCY, timezone.now()
    live = dict(Delivery.objects.filter(domain__in={row.domain for row in claimed}, state=Delivery.State.IN_FLIGHT,
                                        lease_until__gt=now).values_list("domain").annotate(n=Count("id")))
    mine, excess = defaultdict(list), []
    for row in claimed:
        mine[row.domain].append(row)
    for domain, rows in mine.items():
        excess += rows[:max(0, live.get(domain, 0) - cap)]
    groups = defaultdict(list)  # one compare-and-set UPDATE per (attempts, state to return to)
    for row in excess:
        groups[(row.attempts, _waiting_state(before[row.pk]))].append(row.pk)
    for (attempts, state), ids in groups.items():
        Delivery.objects.filter(pk__in=ids, state=Delivery.State.IN_FLIGHT, attempts=attempts).update(
            state=state, attempts=attempts - 1, lease_until=now + requeue_after())
    return excess


def _attach(claimed: list[Delivery]) -> None:
    """One query for the activities (and their actors) of the batch, shared by its rows."""
    activities = OutboxActivity.objects.select_related("actor").in_bulk({row.activity_id for row in claimed})
    for row in claimed:
        row.activity = activities[row.activity_id]


def _prepared(claimed: list[Delivery], signers: dict, bodies: dict) -> None:
    """Signer and body bytes per activity, made once for the batch (ensure_keys may write: main thread)."""
    for row in claimed:
        if row.activity_id not in bodies:
            signers[row.activity_id] = actors.signer_for(row.activity.actor)
            bodies[row.activity_id] = body_bytes(row)


def _send(row: Delivery, scheme: str, signer: http.Signer, body: bytes, start_by: float):
    """On a send thread, never touching the database: (result, learned scheme, when the POST started), or
    None when the row waited so long behind tarpits that its lease could no longer cover two tries."""
    if time.monotonic() > start_by:
        return None
    started = timezone.now()
    result, learned = delivery.send_with_fallback(row, scheme, signer, body)
    return result, learned, started


class _Slots:
    """A batch's rows still to send, by domain, and its sends in flight (at most the cap per domain)."""

    def __init__(self, pks: list[int], domains: dict[int, str], before: dict[int, str], health: dict):
        self.waiting: dict[str, list[int]] = defaultdict(list)
        for pk in pks:
            self.waiting[domains[pk]].append(pk)
        self.domains, self.before, self.health = domains, before, health
        self.running: dict[Future, Delivery] = {}
        self.next_claim: dict[str, float] = {}  # domain → not claimed again before this (monotonic)
        self.stopped: set[str] = set()
        self.signers: dict = {}
        self.bodies: dict = {}
        self.deadline = time.monotonic() + SLOT_WAIT

    def _candidates(self) -> list[int]:
        """Per domain, as many waiting rows as the batch has free slots there, if the domain is due."""
        now, cap = time.monotonic(), settings.FEDIAMA_DOMAIN_CONCURRENCY
        ours, picked = Counter(row.domain for row in self.running.values()), []
        for domain, pks in self.waiting.items():
            free = cap - ours[domain]
            if pks and free > 0 and domain not in self.stopped and self.next_claim.get(domain, 0) <= now:
                picked += pks[:free]
                self.next_claim[domain] = now + SLOT_POLL
        return picked

    def start(self) -> None:
        """Claim the candidates; send those within the cap, keep those given back waiting, drop the rest."""
        picked = self._candidates()
        if not picked:
            return
        claimed = _claim(picked)
        busy = {row.pk for row in _over_cap(claimed, self.before)} if claimed else set()
        leaving = set(picked) - busy  # sent now, or not ours to take (done, leased, not due)
        for domain in {self.domains[pk] for pk in leaving}:
            self.waiting[domain] = [pk for pk in self.waiting[domain] if pk not in leaving]
        started = [row for row in claimed if row.pk not in busy]
        if started:
            self._submit(started)

    def _submit(self, rows: list[Delivery]) -> None:
        _attach(rows)
        _prepared(rows, self.signers, self.bodies)
        start_by = time.monotonic() + settings.FEDIAMA_DELIVERY_LEASE_GRACE  # both tries still fit in the lease
        for row in rows:
            scheme = self.health.get(row.domain, {}).get("signature_scheme", DomainHealth.Scheme.CAVAGE)
            future = _executor().submit(_send, row, scheme, self.signers[row.activity_id],
                                        self.bodies[row.activity_id], start_by)
            self.running[future] = row

    def collect(self) -> list:
        """The (row, sent) pairs done within FLUSH_EVERY; their domains may be claimed again at once."""
        done, _ = wait(self.running, timeout=FLUSH_EVERY)
        pairs = [(self.running.pop(future), future.result()) for future in done]
        for row, _ in pairs:
            self.next_claim.pop(row.domain, None)
        return pairs

    def stop(self, domain: str) -> None:
        """A transient failure there: no more sends to the domain from this batch."""
        self.stopped.add(domain)

    def left(self) -> list[int]:
        return [pk for pks in self.waiting.values() for pk in pks]

    def may_start_more(self) -> bool:
        """Rows wait on a domain the batch still sends to, and there is time left to wait for its slots."""
        return time.monotonic() < self.deadline and any(
            pks for domain, pks in self.waiting.items() if domain not in self.stopped)


def _deliver(slots: _Slots) -> dict[int, str]:
    """Send the batch's rows, keeping each domain's slots filled until SLOT_WAIT; what is left is "busy"."""
    outcomes: dict[int, str] = {}
    slots.start()
    while slots.running or slots.may_start_more():
        if slots.running:
            sent = slots.collect()
            outcomes.update(_finish_all(sent, slots.health))
            for row, _ in sent:
                if outcomes.get(row.pk) in RETRY_STATES:
                    slots.stop(row.domain)
        else:
            time.sleep(FLUSH_EVERY)  # every slot of the waiting domains is held by another batch
        if time.monotonic() < slots.deadline:
            slots.start()
    outcomes.update(dict.fromkeys(slots.left(), "busy"))
    return outcomes


def _finish_delivered(rows: list[tuple[Delivery, http.PostResult]], health: dict) -> None:
    """One compare-and-set UPDATE per (attempts, status) group; the breaker is written only for domains
    whose health row exists (one that never failed has nothing to reset)."""
    now, groups = timezone.now(), defaultdict(list)
    for row, result in rows:
        groups[(row.attempts, result.status)].append(row.pk)
    for (attempts, status), ids in groups.items():
        Delivery.objects.filter(pk__in=ids, state=Delivery.State.IN_FLIGHT, attempts=attempts).update(
            state=Delivery.State.DELIVERED, delivered_at=now, last_status=status, last_error="", lease_until=None)
    known = {row.domain for row, _ in rows if row.domain in health}
    if known:
        breaker.record_successes(known)


def _finish_all(sent: list, health: dict) -> dict[int, str]:
    outcomes, delivered = {}, []
    for row, done in sent:
        if done is None:
            continue  # not sent; the sweeper takes the row again when its lease runs out
        result, learned, started = done
        if learned:
            breaker.remember_scheme(row.domain, learned)
        if delivery.is_success(result.status):
            delivered.append((row, result))
            outcomes[row.pk] = Delivery.State.DELIVERED
        else:
            outcomes[row.pk] = delivery.classify(row, result, sent_at=started)
    if delivered:
        _finish_delivered(delivered, health)
    return outcomes


def attempt_many(ids) -> dict[int, str | None]:
    """One try for each id; per id the new state, "deferred" (breaker open), "busy" (its domain at its
    cap: the row was given back) or None when the row was not ours to take (done, leased, not due)."""
    ids = list(dict.fromkeys(ids))
    rows = Delivery.objects.filter(pk__in=ids).exclude(state__in=delivery.FINAL).values_list("pk", "state", "domain")
    before, domains = {pk: state for pk, state, _ in rows}, {pk: domain for pk, _, domain in rows}
    outcomes = dict.fromkeys(ids)
    if not before:
        return outcomes
    blocked = {pk for pk, domain in domains.items() if domain_policy.is_blocked(domain)}
    if blocked:
        _refuse_blocked(list(blocked))
        outcomes.update(dict.fromkeys(blocked, Delivery.State.FAILED))
        before = {pk: state for pk, state in before.items() if pk not in blocked}
        if not before:
            return outcomes
    health, now = _health({domains[pk] for pk in before}), timezone.now()
    paused = {d: h["paused_until"] for d, h in health.items() if h["paused_until"] and h["paused_until"] > now}
    if paused:
        _defer(list(before), paused)
        outcomes.update({pk: "deferred" for pk, domain in domains.items() if domain in paused})
    eligible = [pk for pk in before if domains[pk] not in paused]
    if eligible:
        outcomes.update(_deliver(_Slots(eligible, domains, before, health)))
    return outcomes


def attempt(delivery_id: int) -> str | None:
    """One try of one row; see attempt_many."""
    return attempt_many([delivery_id])[delivery_id]
