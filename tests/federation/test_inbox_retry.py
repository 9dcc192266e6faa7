# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""Inbox processing when a document it needs cannot be fetched: a network failure is tried again with
backoff (as a delivery is), a final failure is one log line with its cause; refusals fail at once."""

import logging
from datetime import timedelta

import pytest
from django.utils import timezone

from federation import http, routing
from federation.models import InboxMessage
from tests.federation.fixtures_inbox import bob, instance_actor  # noqa: F401  (fixtures)
from tests.peer import Peer
from tests.workers import free_port


@pytest.fixture
def table(monkeypatch):
    """The app's handlers set aside; the test's handler reads the object as the real ones do."""
    handlers: dict = {}
    monkeypatch.setattr(routing, "_handlers", handlers)
    routing.register("Announce")(lambda incoming: "read: " + incoming.trusted_object()["content"])
    return handlers


@pytest.fixture
def object_port():
    """A loopback port where the object's server is not running yet: connections are refused."""
    return free_port()


def object_server(port: int) -> Peer:
    server = Peer(port=port)
    server.serve("/notes/1", {"id": f"{server.base}/notes/1", "type": "Note", "content": "hello",
                              "attributedTo": f"{server.base}/users/carol"})
    return server


def announce(bob, port: int) -> InboxMessage:
    """bob announces a Note on another server (by id only: it must be fetched from there)."""
    activity = {"id": bob.ap_id + "/announces/1", "type": "Announce", "actor": bob.ap_id,
                "object": f"http://127.0.0.1:{port}/notes/1"}
    return InboxMessage.objects.create(ap_id=activity["id"], activity_type="Announce", actor_ap_id=bob.ap_id,
                                       domain=bob.peer.domain, body=activity)


def time_passes(message: InboxMessage) -> None:
    InboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_a_refused_fetch_is_tried_again_later_and_succeeds_once_the_server_is_back(bob, instance_actor, table,
                                                                                   object_port, caplog):
    message = announce(bob, object_port)
    with caplog.at_level(logging.INFO, logger="federation.routing"):
        assert routing.process(message.pk) == InboxMessage.State.RETRYING
    message.refresh_from_db()
    wait = (message.next_attempt_at - timezone.now()).total_seconds()
    assert message.attempts == 1 and 54 <= wait <= 66  # the deliveries' first backoff, one minute ±10%
    assert "connection failed" in message.error and f"127.0.0.1:{object_port}/notes/1" in message.error
    assert [r.levelname for r in caplog.records] == ["INFO"] and caplog.records[0].exc_info is None
    assert routing.claimable_ids(10) == [] and routing.due_for_processing() == []  # not before its time

    server = object_server(object_port)
    try:
        time_passes(message)
        assert routing.due_for_processing() == [message.pk]  # the sweeper wakes a drain for it
        assert routing.drain(budget=10) == (1, False)
    finally:
        server.close()
    message.refresh_from_db()
    assert (message.state, message.result, message.attempts) == (InboxMessage.State.PROCESSED, "read: hello", 2)
    assert server.gets == ["/notes/1"]


def test_a_server_that_never_comes_back_fails_the_message_after_its_last_attempt_in_one_line(
        bob, instance_actor, table, object_port, caplog):
    message = announce(bob, object_port)
    for attempt in range(1, routing.MAX_ATTEMPTS):
        assert routing.process(message.pk) == InboxMessage.State.RETRYING
        message.refresh_from_db()
        backoff = routing.RETRY_BACKOFF[attempt - 1].total_seconds()
        assert message.attempts == attempt
        assert backoff * 0.85 < (message.next_attempt_at - timezone.now()).total_seconds() <= backoff * 1.1
        time_passes(message)
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="federation.routing"):
        assert routing.process(message.pk) == InboxMessage.State.FAILED
    message.refresh_from_db()
    assert (message.attempts, message.result) == (routing.MAX_ATTEMPTS, "fetch failed")
    assert "connection failed" in message.error and "Traceback" not in message.error
    [line] = caplog.records
    assert line.levelname == "WARNING" and line.exc_info is None
    assert "connection failed" in line.getMessage() and f"attempt {routing.MAX_ATTEMPTS}" in line.getMessage()
    assert routing.claimable_ids(10) == []


def test_an_object_that_is_not_there_is_ignored_at_once(bob, instance_actor, table, object_port):
    server = object_server(object_port)
    try:
        message = announce(bob, object_port)
        server.objects.clear()  # 404
        assert routing.process(message.pk) == InboxMessage.State.IGNORED
    finally:
        server.close()
    message.refresh_from_db()
    assert message.attempts == 1 and "is not there (404)" in message.result


def test_a_document_we_refuse_fails_at_once_in_one_line(bob, instance_actor, table, object_port, caplog):
    server = object_server(object_port)
    try:
        server.objects["/notes/1"] = {"type": "Note", "content": "no id"}
        message = announce(bob, object_port)
        with caplog.at_level(logging.INFO, logger="federation.routing"):
            assert routing.process(message.pk) == InboxMessage.State.FAILED
    finally:
        server.close()
    message.refresh_from_db()
    assert (message.attempts, message.result) == (1, "fetch failed") and "Traceback" not in message.error
    assert "document has no id" in message.error
    [line] = caplog.records
    assert line.levelname == "WARNING" and line.exc_info is None


def test_a_handler_bug_still_fails_with_its_traceback_kept(bob, instance_actor, monkeypatch):
    monkeypatch.setattr(routing, "_handlers", {})
    routing.register("Announce")(lambda incoming: {}["missing"])
    message = announce(bob, 9)
    assert routing.process(message.pk) == InboxMessage.State.FAILED
    message.refresh_from_db()
    assert message.result == "KeyError" and "Traceback" in message.error


@pytest.mark.parametrize("error, transient", [
    (http.NetworkError("connection failed: Connection refused"), True),
    (http.NetworkError("timed out"), True),
    (http.FetchError("HTTP 503", 503), True),
    (http.FetchError("HTTP 429", 429), True),
    (http.FetchError("HTTP 403", 403), False),
    (http.FetchError("gone", 410), False),
    (http.FetchError("document id does not match its URL"), False),
    (http.UnsafeURL("refused address"), False),
])
def test_which_fetch_failures_are_worth_another_try(error, transient):
    assert error.transient is transient


def test_a_database_that_refuses_the_rows_writes_leaves_it_waiting_not_failed(bob, instance_actor, monkeypatch,
                                                                               caplog):
    """SQLite locked past its timeout (seen under a busy e2e story) rolls the row's effects back; the row waits a
    few seconds and is tried again, and the try it lost does not count against it."""
    from django.db import OperationalError

    calls = []

    def locked_once(incoming):
        calls.append(1)
        if len(calls) == 1:
            raise OperationalError("database is locked")
        return "counted"

    monkeypatch.setattr(routing, "_handlers", {})
    routing.register("Announce")(locked_once)
    message = announce(bob, 9)
    with caplog.at_level(logging.WARNING, logger="federation.routing"):
        assert routing.process(message.pk) == InboxMessage.State.RETRYING
    message.refresh_from_db()
    assert (message.state, message.result, message.attempts) == (InboxMessage.State.RETRYING, "database busy", 0)
    assert timezone.now() < message.next_attempt_at < timezone.now() + timedelta(seconds=10)
    assert [r.levelname for r in caplog.records] == ["WARNING"] and "database is locked" in caplog.text
    InboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert routing.process(message.pk) == InboxMessage.State.PROCESSED


def test_a_drain_that_left_rows_to_the_database_comes_back_for_them(bob, instance_actor, monkeypatch):
    from django.db import OperationalError

    from federation import tasks

    def locked(incoming):
        raise OperationalError("database is locked")

    monkeypatch.setattr(routing, "_handlers", {})
    routing.register("Announce")(locked)
    announce(bob, 9)
    sent = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **options: sent.append((task.name, options)))
    tasks.drain_inbox()
    assert sent == [("federation.tasks.drain_inbox", {"countdown": routing.DATABASE_RETRY.total_seconds()})]
