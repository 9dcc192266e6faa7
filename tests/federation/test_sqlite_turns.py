"""Inbox writers on SQLite queue for a turn across processes (federation/sqlite_turns.py), on real SQLite
connections of their own and real child processes."""

import multiprocessing
import subprocess
import sys
import threading
import uuid

import pytest
from django.db import connections, transaction
from django.db.utils import ConnectionHandler

from federation import inbox, sqlite_turns
from federation.models import InboxMessage

HOLDER = """
import fcntl, select, sys
handle = open(sys.argv[1] + "-writer.lock", "a+b")
fcntl.flock(handle, fcntl.LOCK_EX)
print("held", flush=True)
select.select([sys.stdin], [], [], 10)  # a line on stdin, or 10 s, lets the turn go
"""

WEB_WRITER_WAITING = """
import fcntl, select, sys
handle = open(sys.argv[1] + "-writer.gate", "a+b")
fcntl.flock(handle, fcntl.LOCK_SH)  # what a web writer holds while it waits for the turn
print("held", flush=True)
select.select([sys.stdin], [], [], 10)
"""


sqlite_only = pytest.mark.skipif(connections["default"].vendor != "sqlite",
                                 reason="the turn is for SQLite; PostgreSQL locks rows")


def sqlite_connection(name):
    return ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(name)}})["default"]


@pytest.fixture
def connection(tmp_path):
    connection = sqlite_connection(tmp_path / "fediama.sqlite3")
    yield connection
    connection.close()


def hold_turn(database, script: str = HOLDER) -> subprocess.Popen:
    """Another process holding the turn for `database` until a line on its stdin lets it go."""
    holder = subprocess.Popen([sys.executable, "-c", script, str(database)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


@pytest.fixture
def turn_held_elsewhere(connection):
    holder = hold_turn(connection.settings_dict["NAME"])
    yield holder
    holder.kill()
    holder.wait()


def enter_in_thread(connection, *, background: bool = False) -> tuple[threading.Event, threading.Thread]:
    entered = threading.Event()

    def write():
        with sqlite_turns.writer_turn(connection, background=background):
            entered.set()
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return entered, thread


def test_a_writer_waits_while_another_process_holds_the_turn_then_goes(connection, turn_held_elsewhere):
    entered, thread = enter_in_thread(connection)
    assert not entered.wait(0.5)
    turn_held_elsewhere.stdin.write("release\n")
    turn_held_elsewhere.stdin.flush()
    assert entered.wait(10)
    thread.join(10)


def test_the_turn_is_released_when_the_write_fails(connection):
    with pytest.raises(RuntimeError), sqlite_turns.writer_turn(connection):
        raise RuntimeError("the INSERT failed")
    entered, thread = enter_in_thread(connection)
    assert entered.wait(10)
    thread.join(10)


@pytest.fixture
def web_writer_waiting(connection):
    """Another process's web writer waiting for the turn (the gate held shared) until a line on its stdin."""
    holder = hold_turn(connection.settings_dict["NAME"], WEB_WRITER_WAITING)
    yield holder
    holder.kill()
    holder.wait()


def test_a_worker_lets_a_waiting_web_writer_go_first(connection, web_writer_waiting, monkeypatch):
    """bench/inbox.py on SQLite: while the worker's processes took turns as soon as they could, the web accepted
    197-318 activities/s instead of 2,865 (one INSERT per batch of 50 ms)."""
    monkeypatch.setattr(sqlite_turns, "MAX_YIELD", 30.0)
    entered, thread = enter_in_thread(connection, background=True)
    assert not entered.wait(0.5)
    web_writer_waiting.stdin.write("written\n")
    web_writer_waiting.stdin.flush()
    assert entered.wait(10)
    thread.join(10)


def test_a_worker_yields_for_max_yield_at_most(connection, web_writer_waiting, monkeypatch):
    """A flood of POSTs keeping a web writer always waiting does not stop the processing."""
    monkeypatch.setattr(sqlite_turns, "MAX_YIELD", 0.3)
    entered, thread = enter_in_thread(connection, background=True)
    assert not entered.wait(0.1)
    assert entered.wait(10), "the worker still waits though MAX_YIELD has passed"
    thread.join(10)
    assert web_writer_waiting.poll() is None


def test_a_worker_lets_a_waiting_web_writer_of_its_own_process_go_first(connection, monkeypatch):
    """With eager tasks a web writer and a worker share a process, and so the gate's open file: the worker must
    not take (and so convert) the web writer's shared lock."""
    monkeypatch.setattr(sqlite_turns, "MAX_YIELD", 0.5)
    monkeypatch.setattr(sqlite_turns, "_gate_waiters", [1])  # a web thread of this process is waiting
    entered, thread = enter_in_thread(connection, background=True)
    assert not entered.wait(0.3)
    assert entered.wait(10)
    thread.join(10)


def test_a_web_writer_is_not_kept_out_by_another_waiting_one(connection, web_writer_waiting):
    entered, thread = enter_in_thread(connection)
    assert entered.wait(10)
    thread.join(10)


def store_in_thread() -> tuple[threading.Event, threading.Thread, list]:
    """inbox.store of a new activity on the default database, as an inbox thread calls it."""
    stored, ids = threading.Event(), []

    def write():
        ids.append(inbox.store('{"type": "Like"}', ap_id=f"https://remote.example/likes/{uuid.uuid4()}",
                               kind="Like", actor_id="https://remote.example/users/bob",
                               key_id="https://remote.example/users/bob#main-key", via="/inbox"))
        connections.close_all()
        stored.set()
    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return stored, thread, ids


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_an_inbox_store_waits_for_the_turn_and_its_row_is_kept():
    holder = hold_turn(connections["default"].settings_dict["NAME"])
    try:
        stored, thread, ids = store_in_thread()
        assert not stored.wait(0.5)
        assert InboxMessage.objects.count() == 0
        holder.stdin.write("release\n")
        holder.stdin.flush()
        assert stored.wait(10)
        thread.join(10)
    finally:
        holder.kill()
        holder.wait()
    assert list(InboxMessage.objects.values_list("id", flat=True)) == ids


@sqlite_only
@pytest.mark.django_db(transaction=True)
def test_a_store_inside_a_transaction_never_waits_for_the_turn():
    """Its connection may already hold SQLite's lock, which the turn's holder waits for: waiting would
    deadlock until SQLite's busy timeout failed the holder's write."""
    holder = hold_turn(connections["default"].settings_dict["NAME"])
    try:
        with transaction.atomic():
            assert sqlite_turns.lock_path(connections["default"]) is None
            message_id = inbox.store('{"type": "Like"}', ap_id="https://remote.example/likes/1", kind="Like",
                                     actor_id="https://remote.example/users/bob",
                                     key_id="https://remote.example/users/bob#main-key", via="/inbox")
        assert holder.poll() is None, "the store waited until the holder let the turn go"
    finally:
        holder.kill()
        holder.wait()
    assert InboxMessage.objects.get().id == message_id


@pytest.mark.parametrize("name", [":memory:", "file:memorydb_default?mode=memory&cache=shared"])
def test_an_in_memory_database_has_no_turn_to_take(name):
    assert sqlite_turns.lock_path(sqlite_connection(name)) is None


def _hold_in_forked_child(name, held, release):
    connection = sqlite_connection(name)
    with sqlite_turns.writer_turn(connection):
        held.set()
        release.wait(30)


def test_a_forked_child_takes_its_own_turn(connection):
    """flock belongs to the open file a fork shares: a child reusing its parent's would not exclude it."""
    with sqlite_turns.writer_turn(connection):  # the parent has the lock file open before the fork
        pass
    context = multiprocessing.get_context("fork")
    held, release = context.Event(), context.Event()
    child = context.Process(target=_hold_in_forked_child, args=(connection.settings_dict["NAME"], held, release))
    child.start()
    try:
        assert held.wait(10)
        entered, thread = enter_in_thread(connection)
        assert not entered.wait(0.5)
        release.set()
        assert entered.wait(10)
        thread.join(10)
    finally:
        release.set()
        child.join(10)
