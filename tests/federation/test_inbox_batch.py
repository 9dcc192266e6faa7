# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""Inbox rows claimed and processed in batches: a row is taken by one worker only, a failing row fails
alone, rows claimed and not reached go back in line, and a row costs a few statements, not one per step."""

import contextlib
import threading
import time

import pytest
from billiard.exceptions import SoftTimeLimitExceeded
from django.db import connection, transaction

from federation import routing
from federation.models import InboxMessage
from tests.federation.fixtures_inbox import bob  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def table(monkeypatch):
    handlers: dict = {}
    monkeypatch.setattr(routing, "_handlers", handlers)
    return handlers


def _stored(bob, **body) -> InboxMessage:
    activity = {"id": f"{bob.ap_id}/activities/{InboxMessage.objects.count() + 1}", "type": "Ping",
                "actor": bob.ap_id, **body}
    return InboxMessage.objects.create(ap_id=activity["id"], activity_type="Ping", actor_ap_id=bob.ap_id,
                                       domain=bob.peer.domain, body=activity)


def _states(rows) -> list[str]:
    return [InboxMessage.objects.get(pk=row.pk).state for row in rows]


def test_a_claim_takes_only_rows_no_earlier_claim_took(bob):
    """Claims one after the other. Claims at once: the PostgreSQL test below, and three drains at once in
    tests/ama/inbox/test_vote_batches.py (test_concurrent_drains_of_crossing_batches_…)."""
    rows = [_stored(bob) for _ in range(5)]
    first = routing.claim_batch(3)
    assert [m.pk for m in first] == [r.pk for r in rows[:3]]
    assert all(m.state == InboxMessage.State.PROCESSING and m.attempts == 1 for m in first)
    second = routing.claim_batch(5)
    assert [m.pk for m in second] == [r.pk for r in rows[3:]]
    assert routing.claim_batch(5) == []


@pytest.mark.django_db(transaction=True)
def test_a_claim_takes_the_next_rows_while_another_claim_holds_the_first_ones(bob):
    """PostgreSQL: a second worker claiming while the first one's claim is not yet committed neither waits for
    it nor comes back empty (which would end its drain with rows left): it skips the locked rows."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL (SQLite's claims take turns on its one write lock)")
    rows = [_stored(bob) for _ in range(5)]
    held, claimed = threading.Event(), threading.Event()

    def first_worker():
        try:
            with transaction.atomic():
                list(InboxMessage.objects.select_for_update().filter(pk__in=[r.pk for r in rows[:3]]))
                held.set()
                claimed.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=first_worker)
    thread.start()
    held.wait(10)
    try:
        second = routing.claim_batch(3)
    finally:
        claimed.set()
        thread.join()
    assert [m.pk for m in second] == [r.pk for r in rows[3:]]
    assert _states(rows) == [InboxMessage.State.QUEUED] * 3 + [InboxMessage.State.PROCESSING] * 2


def test_a_failing_row_fails_alone_and_its_batch_goes_on(bob, table):
    routing.register("Ping")(lambda incoming: 1 / 0 if incoming.activity.get("poison") else "pong")
    rows = [_stored(bob), _stored(bob, poison=True), _stored(bob)]
    assert routing.drain(budget=60, batch=10) == (3, False)
    assert _states(rows) == [InboxMessage.State.PROCESSED, InboxMessage.State.FAILED, InboxMessage.State.PROCESSED]
    assert "ZeroDivisionError" in InboxMessage.objects.get(pk=rows[1].pk).error


def test_a_batch_stopped_by_its_time_limit_goes_back_in_line_whole(bob, table, monkeypatch):
    monkeypatch.setattr(routing, "batches_in_one_transaction", lambda: True)  # SQLite's path, on either database
    def handler(incoming):
        if incoming.activity.get("slow"):
            raise SoftTimeLimitExceeded()
        return "pong"

    routing.register("Ping")(handler)
    rows = [_stored(bob), _stored(bob, slow=True), _stored(bob), _stored(bob)]
    with pytest.raises(SoftTimeLimitExceeded):
        routing.drain(budget=60, batch=10)
    # the batch ran in one transaction: rolled back, every row back in line with its claim counted (a row that
    # always runs out of time is failed after MAX_ATTEMPTS instead of being taken forever)
    assert _states(rows) == [InboxMessage.State.QUEUED] * 4
    assert [InboxMessage.objects.get(pk=row.pk).attempts for row in rows] == [1, 1, 1, 1]


def test_a_batch_costs_a_few_statements_per_row(bob, table, django_assert_max_num_queries):
    routing.register("Ping")(lambda incoming: "pong")
    for _ in range(10):
        _stored(bob)
    # per batch: the claim (on PostgreSQL the waiting ids locked, then UPDATE … RETURNING, in a transaction: a
    # savepoint and its release under the test's own) and the rows' senders; per row: its savepoint, its release
    # and its outcome; then one more claim that finds nothing
    with django_assert_max_num_queries(5 + 3 * 10 + 3):
        assert routing.drain(budget=60, batch=10) == (10, False)


def test_a_batch_that_waited_for_the_writer_turn_still_gets_its_slice_of_work(bob, table, monkeypatch):
    """SQLite: a batch's TURN_SLICE counts from when it holds the turn. Counted from when it asked, a batch that
    waited behind the other worker's ran one row, and the next one waited again (bench/inbox.py saw slices of one
    row, each paying the turn, the commit and the batch's reads)."""
    monkeypatch.setattr(routing, "batches_in_one_transaction", lambda: True)  # SQLite's path, on either database
    monkeypatch.setattr(routing, "TURN_SLICE", 5.0)
    real_monotonic, waited, turns = time.monotonic, [0.0], []

    @contextlib.contextmanager
    def waiting_turn():  # each turn taken after a wait longer than the slice
        waited[0] += routing.TURN_SLICE + 1
        turns.append(waited[0])
        yield

    monkeypatch.setattr(routing.time, "monotonic", lambda: real_monotonic() + waited[0])
    monkeypatch.setattr(routing, "_turn", waiting_turn)
    routing.register("Ping")(lambda incoming: "pong")
    rows = [_stored(bob) for _ in range(6)]
    assert routing.drain(budget=600, batch=10) == (6, False)
    assert _states(rows) == [InboxMessage.State.PROCESSED] * 6
    assert len(turns) == 3  # the claim, one batch of six rows, the claim that finds nothing
