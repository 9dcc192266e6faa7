"""Processing stored inbox messages: claim a row, route it by type to a registered handler, record
the outcome. Handlers are registered in a table, one per (activity type, object type)."""

import contextlib
import functools
import logging
import random
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from billiard.exceptions import SoftTimeLimitExceeded
from django.db import IntegrityError, OperationalError, connections, router, transaction
from django.db.models import F, Q
from django.utils import timezone

from . import actors, caches, sqlite_turns
from .activities import as_list, host_of, id_of, type_of
from .delivery import BACKOFF
from .delivery_batch import update_returning_sql
from .models import Actor, InboxMessage
from .safe_urls import http_url

log = logging.getLogger(__name__)
LEASE = timedelta(minutes=5)
CLAIM_BATCH = 100  # rows a drain takes at a time; not reached by its budget, they go back in line (from 20:
# bench/inbox.py's Likes-only burst went from 482-748 to 659-806 processed/s, its votes counted once per batch)
MAX_ATTEMPTS = 5  # a row whose worker died or timed out this often is marked failed, not tried again
# after a network failure (a server it needs unreachable, slow or answering 5xx), a row is tried again as a
# delivery is: 1, 5, 15, 60 minutes later; the failure of its MAX_ATTEMPTS-th try is final
RETRY_BACKOFF = BACKOFF[:MAX_ATTEMPTS - 1]
DATABASE_RETRY = timedelta(seconds=5)  # a row the database refused (locked, connection lost) waits this long


class Ignore(Exception):
    """Raised by a handler when the activity is understood but has nothing to do here."""


@dataclass
class Incoming:
    activity: dict
    actor: Actor
    message: InboxMessage

    @property
    def object(self):
        return self.activity.get("object")

    def trusted_object(self) -> dict:
        """The activity's object as a dict we may believe: embedded only if it is the signer's own,
        otherwise fetched by its id (never trust an embedded object attributed to someone else)."""
        return trusted_object(self.object, self.actor)


# A handler returns its result (None: not handled, the next one runs); in a shared row (share_batches) it may
# return a function giving it, called once its writes, waiting for the batch's end, are done (record_outcomes).
Result = str | Callable[[], str]
Handler = Callable[[Incoming], Result | None]
_handlers: dict[tuple[str, str | None], list[Handler]] = {}


def register(activity_type: str, object_type: str | None = None):
    """Register a handler for an activity type (optionally only for one object type). Several handlers
    may share a key: they run in registration order until one returns a result (not None)."""
    def decorator(handler: Handler) -> Handler:
        _handlers.setdefault((activity_type, object_type), []).append(handler)
        return handler
    return decorator


def handlers_for(activity: dict) -> list[Handler]:
    kind = type_of(activity)
    inner = type_of(activity.get("object"))
    specific = _handlers.get((kind, inner), []) if inner else []
    return specific + _handlers.get((kind, None), [])


def run_handlers(handlers: list[Handler], incoming: Incoming) -> Result:
    for handler in handlers:
        result = handler(incoming)
        if result is not None:
            return result
    raise Ignore(f"nothing to do with this {incoming.message.activity_type}")


def _authors(obj: dict) -> list:
    """Every attribution of an object (attributedTo and actor, each a link, object or list); an entry
    without an id is an unknown author (None)."""
    return [id_of(item) for name in ("attributedTo", "actor") for item in as_list(obj.get(name))]


def trusted_object(obj, signer: Actor) -> dict:
    object_id = id_of(obj)
    if object_id and http_url(object_id) != object_id:
        raise Ignore("object id is not an http(s) URL")
    if isinstance(obj, dict) and object_id and host_of(object_id) == signer.domain:
        if all(author == signer.ap_id for author in _authors(obj)):
            return obj
    if not object_id:
        raise Ignore("object has no id")
    try:
        fetched = actors.fetch(object_id)
    except actors.http.FetchError as error:
        if error.status in (404, 410):
            raise Ignore(f"object {object_id[:200]} is not there ({error.status})") from error
        raise type(error)(f"object {object_id[:200]}: {error.reason}", error.status) from error  # same kind
    if any(host_of(author) != host_of(fetched.get("id")) for author in _authors(fetched)):
        raise Ignore("fetched object is attributed to another host")
    return fetched


def _waiting(now) -> Q:
    """Rows a worker may take: queued ones, retrying ones whose time has come, and ones whose worker's lease
    ran out (a few times at most)."""
    return (Q(state=InboxMessage.State.QUEUED) | Q(state=InboxMessage.State.RETRYING, next_attempt_at__lte=now)
            | Q(state=InboxMessage.State.PROCESSING, lease_until__lt=now, attempts__lt=MAX_ATTEMPTS))


def claim(message_id: int) -> InboxMessage | None:
    """Take the row for processing; None when another worker has it or it is done."""
    now = timezone.now()
    claimed = InboxMessage.objects.filter(_waiting(now), pk=message_id).update(
        state=InboxMessage.State.PROCESSING, lease_until=now + LEASE, attempts=F("attempts") + 1)
    return InboxMessage.objects.get(pk=message_id) if claimed else None


def finish(message: InboxMessage, state: str, *, result: Result = "", error: str = "") -> None:
    record_outcomes([(message, state, result)], error=error)


def process(message_id: int) -> str | None:
    message = claim(message_id)
    if message is None:
        return None
    return handle(message, Actor.objects.filter(ap_id=message.actor_ap_id).first())


def handle(message: InboxMessage, actor: Actor | None) -> str:
    """Run a claimed row's handlers and record the outcome; its effects and PROCESSED commit together."""
    handlers = handlers_for(message.body)
    if not handlers:
        with _turn():
            finish(message, InboxMessage.State.IGNORED, result=f"no handler for {message.activity_type}")
        return InboxMessage.State.IGNORED
    try:
        if actor is None:
            raise Ignore("actor no longer known")
        with _turn(), transaction.atomic():
            result = run_handlers(handlers, Incoming(activity=message.body, actor=actor, message=message))
            finish(message, InboxMessage.State.PROCESSED, result=result or "ok")
    except Ignore as reason:
        with _turn():
            finish(message, InboxMessage.State.IGNORED, result=str(reason))
        return InboxMessage.State.IGNORED
    except SoftTimeLimitExceeded:  # the task's time ran out, not necessarily this row's fault: back in line
        if message.attempts >= MAX_ATTEMPTS:
            finish(message, InboxMessage.State.FAILED, result="timed out",
                   error=f"the task's time limit ran out on each of {MAX_ATTEMPTS} attempts")
        else:
            release([message.pk], attempts=0)
        raise
    except Exception as error:  # a handler bug must not lose the message: it stays, marked failed
        if fetch_failure(error) is not None:
            return fetch_failed(message, error)
        if isinstance(error, OperationalError):
            return database_busy(message, error)
        log.exception("inbox message %s (%s) failed", message.pk, message.ap_id)
        finish(message, InboxMessage.State.FAILED, result=type(error).__name__,
               error="".join(traceback.format_exception(error))[-4000:])
        return InboxMessage.State.FAILED
    return InboxMessage.State.PROCESSED


@contextlib.contextmanager
def _turn():
    """On SQLite, this process's workers write one at a time and queue for the web's inbox writers (the turn of
    federation/sqlite_turns.py) instead of sleeping in SQLite's busy handler; nothing on PostgreSQL. Not
    re-entered: a handler's own writes are inside its transaction, which holds SQLite's lock already."""
    if getattr(_turn_held, "held", False):
        yield
        return
    _turn_held.held = True
    try:
        with sqlite_turns.writer_turn(connections[router.db_for_write(InboxMessage)], background=True):
            yield
    finally:
        _turn_held.held = False


_turn_held = threading.local()


def claim_batch(limit: int) -> list[InboxMessage]:
    """Take up to `limit` waiting rows, oldest first, in one statement (UPDATE … WHERE id IN (the first waiting
    ones) AND still waiting RETURNING the rows): two workers never take the same row, and the rows taken come
    back from that statement, not read again. On PostgreSQL the choice skips rows another claim is taking
    (FOR UPDATE SKIP LOCKED), so concurrent drains take the next rows instead of waiting. In arrival order."""
    now = timezone.now()
    alias = router.db_for_write(InboxMessage)
    waiting = _waiting_rows(now)
    postgres = connections[alias].vendor == "postgresql"
    columns = tuple(field.column for field in InboxMessage._meta.concrete_fields)
    with _turn(), transaction.atomic(using=alias) if postgres else contextlib.nullcontext():
        if postgres:  # the ids locked first (Django drops a subquery's LIMIT in an UPDATE there)
            chosen = list(waiting.select_for_update(skip_locked=True).values_list("pk", flat=True)[:limit])
            if not chosen:
                return []
        else:
            chosen = waiting.values("pk")[:limit]
        sql, params = update_returning_sql(InboxMessage.objects.filter(_waiting(now), pk__in=chosen), columns,
                                           state=InboxMessage.State.PROCESSING, lease_until=now + LEASE,
                                           attempts=F("attempts") + 1)
        taken = list(InboxMessage.objects.db_manager(alias).raw(sql, params))  # as model rows, converted
    return sorted(taken, key=lambda message: message.pk)


def release(message_ids: list[int], *, attempts: int = 1) -> None:
    """Claimed rows not processed go back in line (`attempts`: the claims to take back from their count)."""
    with _turn():
        InboxMessage.objects.filter(pk__in=message_ids, state=InboxMessage.State.PROCESSING).update(
            state=InboxMessage.State.QUEUED, lease_until=None, attempts=F("attempts") - attempts)


def fetch_failure(error: BaseException | None) -> actors.http.FetchError | None:
    """The failed fetch behind an error (handlers may wrap it, as resolve_actor does), or None."""
    while error is not None and not isinstance(error, actors.http.FetchError):
        error = error.__cause__
    return error


def fetch_failed(message: InboxMessage, error: Exception) -> str:
    """A document the message needs could not be fetched. A network failure is tried again later (the
    row waits as `retrying`), until its last attempt; anything else (a 403, a document we refuse) fails
    at once. One log line with the cause: the remote server's failure is not a bug of ours."""
    cause, failure = str(error)[:1000], fetch_failure(error)
    retry_at = _retry_at(message) if failure is not None and failure.transient else None
    if retry_at is None:
        log.warning("inbox message %s (%s) failed on attempt %d: %s", message.pk, message.ap_id, message.attempts,
                    cause)
        finish(message, InboxMessage.State.FAILED, result="fetch failed", error=cause)
        return InboxMessage.State.FAILED
    log.info("inbox message %s (%s) will be tried again at %s: %s", message.pk, message.ap_id,
             retry_at.isoformat(timespec="seconds"), cause)
    InboxMessage.objects.filter(pk=message.pk, state=InboxMessage.State.PROCESSING).update(
        state=InboxMessage.State.RETRYING, next_attempt_at=retry_at, lease_until=None,
        result=f"network failure on attempt {message.attempts}", error=cause)
    return InboxMessage.State.RETRYING


def database_busy(message: InboxMessage, error: Exception) -> str:
    """The database refused the row's writes (SQLite locked past its timeout, a PostgreSQL connection lost):
    our state, not the message's fault. Its effects were rolled back; it waits a few seconds and is tried again,
    never failed for it (a vote or a question accepted with a 202 is never lost)."""
    retry_at = timezone.now() + DATABASE_RETRY * random.uniform(0.9, 1.1)
    log.warning("inbox message %s (%s) will be tried again at %s: the database refused it: %s", message.pk,
                message.ap_id, retry_at.isoformat(timespec="seconds"), error)
    with _turn():
        InboxMessage.objects.filter(pk=message.pk, state=InboxMessage.State.PROCESSING).update(
            state=InboxMessage.State.RETRYING, next_attempt_at=retry_at, lease_until=None,
            attempts=F("attempts") - 1, result="database busy", error=str(error)[:1000])
    return InboxMessage.State.RETRYING


def waiting_on_the_database() -> bool:
    """Rows that database_busy set aside: a drain runs again for them in DATABASE_RETRY, not at the next sweep."""
    return InboxMessage.objects.filter(state=InboxMessage.State.RETRYING, result="database busy").exists()


def _retry_at(message: InboxMessage):
    """When a row that met a network failure is tried again (the backoff, ±10%), None after its last attempt."""
    if message.attempts > len(RETRY_BACKOFF):
        return None
    return timezone.now() + RETRY_BACKOFF[message.attempts - 1] * random.uniform(0.9, 1.1)


def _waiting_rows(now):
    return InboxMessage.objects.filter(_waiting(now)).order_by("pk")


def claimable_ids(limit: int) -> list[int]:
    """Rows waiting for a worker, oldest first (those the next claim takes)."""
    return list(_waiting_rows(timezone.now()).values_list("pk", flat=True)[:limit])


class _BatchFailed(Exception):
    """A row of a batch raised something other than Ignore (or its end did): the batch's transaction was rolled
    back, and its first `reached` rows (up to the failing one) run row by row."""

    def __init__(self, reached: int):
        super().__init__(reached)
        self.reached = reached


_batch_wrappers: list[Callable[[], contextlib.AbstractContextManager]] = []
_batch_sharers: list[Callable[[list[InboxMessage]], set[int]]] = []


def wrap_batches(wrapper: Callable[[], contextlib.AbstractContextManager]) -> None:
    """Register a context manager factory entered around each batch's handlers, inside its transaction (the
    app defers per-batch work with it: ama.services.votes counts a batch's votes once per question). It must do
    its deferred writes on a clean exit only; an exception rolls the whole batch back. Entered in the order
    registered, left in the reverse order."""
    _batch_wrappers.append(wrapper)


def share_batches(select: Callable[[list[InboxMessage]], set[int]]) -> None:
    """Register a function that picks, among a claimed batch's rows, those that may share one transaction on
    a database whose writers run in parallel (PostgreSQL): their handlers take row locks only at the batch's end
    (in a wrap_batches wrapper, in an order of their own: ama.live.events numbers a batch's events there), and
    raise Ignore only before writing anything (they run without a savepoint each). They run after the batch's
    other rows; on PostgreSQL the others run one transaction each, as a row that locks rows as it goes would
    deadlock with another batch."""
    _batch_sharers.append(select)


def _shared(messages: list[InboxMessage]) -> set[int]:
    shared: set[int] = set()
    for select in _batch_sharers:
        shared |= select(messages)
    return shared


def handle_batch(messages: list[InboxMessage], senders: dict[str, Actor], *, shared: set[int] | None = None,
                 work: float | None = None) -> int:
    """Run a claimed batch's rows in one transaction, with one commit and one writer turn for all, their
    outcomes written in one statement at its end, what its rows read through caches.once_per_batch read once;
    returns how many rows it ran: all of them, or those run in `work` seconds counted from when it holds the writer
    turn (not from when it asked for it: a batch that waited behind another still gets its share). Each row runs in
    its savepoint (an Ignore undoes that row alone),
    except the `shared` ones (see share_batches). Raises _BatchFailed, with nothing committed, when a row raised
    anything else (a bug, a fetch, the database): the rows up to it are then taken one by one and each
    outcome recorded as it always was. A worker that dies meanwhile leaves every row of the batch claimed, to
    be taken again when its lease runs out: nothing accepted is lost."""
    shared, outcomes = shared or set(), []
    started = 0
    try:
        with _turn(), transaction.atomic(), caches.batch_reads(actor.pk for actor in senders.values()):
            until = None if work is None else time.monotonic() + work
            with contextlib.ExitStack() as wrappers:
                for wrapper in _batch_wrappers:
                    wrappers.enter_context(wrapper())
                for message in messages:
                    started += 1
                    outcomes.append(_handle_in_batch(message, senders.get(message.actor_ap_id),
                                                     savepoint=message.pk not in shared))
                    if until is not None and time.monotonic() > until:
                        break
            record_outcomes(outcomes)
    except SoftTimeLimitExceeded:
        raise
    except Exception as error:
        raise _BatchFailed(started) from error
    return len(outcomes)


Outcome = tuple[InboxMessage, str, Result]  # (row, state, result)


def _handle_in_batch(message: InboxMessage, actor: Actor | None, *, savepoint: bool = True) -> Outcome:
    handlers = handlers_for(message.body)
    if not handlers:
        return message, InboxMessage.State.IGNORED, f"no handler for {message.activity_type}"
    try:
        if actor is None:
            raise Ignore("actor no longer known")
        with transaction.atomic() if savepoint else _shared_row():
            result = run_handlers(handlers, Incoming(activity=message.body, actor=actor, message=message))
    except Ignore as reason:
        return message, InboxMessage.State.IGNORED, str(reason)
    return message, InboxMessage.State.PROCESSED, result or "ok"


_in_shared_row = threading.local()


@contextlib.contextmanager
def _shared_row():
    """A shared row runs in its batch's transaction, without a savepoint of its own (see share_batches)."""
    _in_shared_row.now = True
    try:
        yield
    finally:
        _in_shared_row.now = False


def in_shared_row() -> bool:
    """Whether the running handler is a shared row of an inbox batch (see share_batches)."""
    return getattr(_in_shared_row, "now", False)


class NeedsItsOwnTransaction(Exception):
    """Raised in a shared row by a write that failed where a savepoint would have let its handler go on (see
    savepoint_unless_shared): the batch is rolled back and its rows run one by one, this one in a transaction of
    its own, where the savepoint is taken."""


@contextlib.contextmanager
def savepoint_unless_shared():
    """For a handler's write that may break a constraint (the unique id of what it stores) and that it then
    handles (reads what is there): a savepoint, as transaction.atomic() takes, except in a shared row of a
    batch, where two statements per row are saved and the rare failure (a duplicate delivered twice in one
    batch, or stored by another worker meanwhile) raises NeedsItsOwnTransaction instead: on PostgreSQL the
    failed statement has aborted the whole transaction, so nothing may run in it after it."""
    if not in_shared_row():
        with transaction.atomic():
            yield
        return
    try:
        yield
    except IntegrityError as error:
        raise NeedsItsOwnTransaction(str(error)) from error


def record_outcomes(outcomes: list[Outcome], *, error: str = "") -> None:
    """The outcomes of claimed rows (state, result, `error`; processed now, lease ended), a row still being
    processed only: one UPDATE … FROM (VALUES (id, state, result), …) for all of them (executemany made one UPDATE
    per row for the database to run: 100 a batch). A result that is a function (a shared row's, see Handler) is
    called here."""
    if not outcomes:
        return
    alias = router.db_for_write(InboxMessage)
    connection = connections[alias]
    now = InboxMessage._meta.get_field("processed_at").get_db_prep_save(timezone.now(), connection)
    with connection.cursor() as cursor:
        for start in range(0, len(outcomes), OUTCOMES_CHUNK):
            chunk = outcomes[start:start + OUTCOMES_CHUNK]
            values = [value for message, state, result in chunk
                      for value in (message.pk, state, (result() if callable(result) else result)[:200])]
            cursor.execute(_finish_statement(alias, len(chunk)), [error, now, *values])


OUTCOMES_CHUNK = 500


@functools.lru_cache(maxsize=64)
def _finish_statement(alias: str, rows: int) -> str:
    quote, meta = connections[alias].ops.quote_name, InboxMessage._meta
    table = quote(meta.db_table)
    column = {name: quote(meta.get_field(name).column) for name in (
        "state", "result", "error", "processed_at", "lease_until")}
    return (f"UPDATE {table} SET {column['state']} = v.column2, {column['result']} = v.column3, "
            f"{column['error']} = %s, {column['processed_at']} = %s, {column['lease_until']} = NULL "
            f"FROM (VALUES {', '.join(['(%s, %s, %s)'] * rows)}) AS v "
            f"WHERE {table}.{quote(meta.pk.column)} = v.column1 "
            f"AND {table}.{column['state']} = '{InboxMessage.State.PROCESSING.value}'")


def batches_in_one_transaction() -> bool:
    """On SQLite, whose one write lock lets a single writer in at a time, all of a batch's rows share one
    transaction: a commit and a writer turn per row saved. On PostgreSQL the worker's threads write in
    parallel, and a row that locks a shared row as it goes (an edit or an answer: its question's row; before
    live events waited for a batch's end, every reply: its AMA's version) would hold it until its batch ends
    while another batch waits on it in a circle (bench/inbox.py measured deadlocks, 33 rows/s): there only the
    rows share_batches picks share a transaction; the others run one transaction each."""
    return connections[router.db_for_write(InboxMessage)].vendor == "sqlite"


TURN_SLICE = 0.05  # seconds: on SQLite a batch commits, and lets the web's inbox writes in, once its rows took this long


def drain(*, budget: float, batch: int | None = None) -> tuple[int, bool]:
    """Process waiting rows until none is left or `budget` seconds are spent, claiming `batch` rows at a time
    (one statement) and their senders in one query. A batch's rows run in arrival order, those that
    share_batches picks last; on SQLite in one transaction per TURN_SLICE seconds of work (handle_batch), on
    PostgreSQL the shared ones in one transaction and the others one by one. A transaction with a row that fails
    is rolled back and its rows run one by one. Returns (rows this call processed, whether rows may still be
    waiting). Several drains may run at once: each takes its own rows. Rows claimed and not reached (the budget
    ran out, or the task was stopped) go back in line at once."""
    deadline = time.monotonic() + budget
    done, batch = 0, batch or CLAIM_BATCH
    together = batches_in_one_transaction()
    while True:
        messages = claim_batch(batch)
        if not messages:
            return done, False
        senders = {actor.ap_id: actor for actor in Actor.objects.filter(  # (pages of a question show the avatar)
            ap_id__in={message.actor_ap_id for message in messages}).select_related("avatar")}
        shared = _shared(messages)  # read before any writer turn is taken
        pending = [m for m in messages if m.pk not in shared] + [m for m in messages if m.pk in shared]
        try:
            while pending:
                ran = _run_next(pending, senders, shared, together=together)
                del pending[:ran]
                done += ran
                if pending and time.monotonic() > deadline:
                    return done, True
        except SoftTimeLimitExceeded:  # rolled back: every row back in line, the claim counted (a row that
            release([message.pk for message in pending], attempts=0)  # always runs out of time is failed
            pending = []  # after MAX_ATTEMPTS, not retried forever)
            raise
        finally:
            if pending:
                release([message.pk for message in pending])
        if time.monotonic() > deadline:
            return done, True


def _run_next(pending: list[InboxMessage], senders: dict[str, Actor], shared: set[int], *, together: bool) -> int:
    """Run the first rows of `pending`: a transaction of several, or one row on its own; returns how many."""
    first = pending[0]
    if not together and first.pk not in shared:
        handle(first, senders.get(first.actor_ap_id))
        return 1
    try:
        return handle_batch(pending, senders, shared=shared, work=TURN_SLICE if together else None)
    except _BatchFailed as failed:
        for message in pending[:failed.reached]:
            handle(message, senders.get(message.actor_ap_id))
        return failed.reached


def due_for_processing(limit: int = 500) -> list[int]:
    """Rows a lost Celery message or a dead worker left behind."""
    now = timezone.now()
    stale = now - timedelta(seconds=30)
    rows = InboxMessage.objects.filter(_waiting(now)).exclude(
        state=InboxMessage.State.QUEUED, received_at__gte=stale).order_by("received_at")
    return list(rows.values_list("pk", flat=True)[:limit])


def give_up_abandoned() -> int:
    """Rows whose worker died or timed out MAX_ATTEMPTS times are marked failed (an operator can re-process
    them from the admin); returns how many."""
    now = timezone.now()
    abandoned = InboxMessage.objects.filter(state=InboxMessage.State.PROCESSING, lease_until__lt=now,
                                            attempts__gte=MAX_ATTEMPTS)
    ids = list(abandoned.values_list("pk", flat=True))
    if ids:
        log.warning("inbox messages %s failed: their worker died or timed out %d times", ids, MAX_ATTEMPTS)
        abandoned.filter(pk__in=ids).update(
            state=InboxMessage.State.FAILED, result="worker lost", lease_until=None, processed_at=now,
            error=f"the worker died or timed out on each of {MAX_ATTEMPTS} attempts; re-process it from the admin")
    return len(ids)


def requeue(message_ids) -> int:
    return InboxMessage.objects.filter(pk__in=list(message_ids)).exclude(
        state=InboxMessage.State.PROCESSING).update(state=InboxMessage.State.QUEUED, lease_until=None, error="",
                                                    attempts=0)
