"""One inbox writer at a time per SQLite database file, across this host's web processes.

SQLite lets one connection write at a time. A writer that finds the database locked is made to wait by
SQLite's busy handler, which sleeps and retries (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms…), so with
two web processes of two inbox threads each, an INSERT of 60 µs could wait 25-50 ms for a lock that was
free again after a fraction of one: that sleep was the p99 of bench/inbox.py on SQLite. Here the inbox
writers queue instead: a thread lock within a process, then an exclusive `flock` on a file beside the
database, which the kernel hands to the next waiter the moment it is released.

Lock order is always this turn, then SQLite's own lock: a connection already inside a transaction may hold
SQLite's lock and is never made to wait for the turn (it would wait for a writer that waits for it).
Other writers (pages) take only SQLite's lock, as before. PostgreSQL has row-level locking and needs none
of this.

The inbox workers take the same turn (federation/routing.py), for a batch of up to 50 ms of work, and let the
web's inbox writers go first: a remote server waits on an INSERT of 60 µs, nobody waits on a batch. Measured
with bench/inbox.py (SQLite, a burst of Likes and replies): when the two worker processes took turns as soon
as they could, the flock went from one to the other and the web's writers got a turn about once per batch;
accepting fell from 2,865/s to 197-318/s while the worker ran, and the worker, fed a few rows at a time,
spent its time claiming them. So a web writer waiting for the turn holds a shared lock on a second file, the
gate; a worker takes the gate exclusively before the turn (waiting while any web writer waits, MAX_YIELD at
most, so a flood of POSTs never stops the processing) and lets the gate go once it holds the turn.
"""

import contextlib
import fcntl
import os
import threading
import time

MAX_YIELD = 0.1  # seconds a worker lets web writers go first before it queues for the turn with them
YIELD_POLL = 0.001

_files: dict[str, object] = {}
_thread_turn = threading.Lock()
_gate_lock = threading.Lock()  # the web's threads in one process share one shared lock on the gate (a flock
_gate_waiters = [0]  # belongs to the open file, not the thread): the first waiter takes it, the last lets it go


def _forget_files_in_child() -> None:
    """A forked child must open its own lock files: flock belongs to the open file, which a fork shares,
    so a shared one would let parent and child hold the turn together."""
    global _thread_turn, _gate_lock
    _files.clear()
    _thread_turn = threading.Lock()
    _gate_lock = threading.Lock()
    _gate_waiters[0] = 0


os.register_at_fork(after_in_child=_forget_files_in_child)


def _lock_file(database: str, suffix: str = "lock"):
    name = f"{database}-writer.{suffix}"
    handle = _files.get(name)
    if handle is None:
        handle = _files[name] = open(name, "a+b")  # noqa: SIM115 (kept open)
    return handle


def lock_path(connection) -> str | None:
    """The file whose lock is the turn for this connection's database, or None when there is no turn to
    take: another database, a SQLite database named by URI (`file:…`, in memory or not: no file of ours
    beside it) or in memory, or a connection inside a transaction."""
    if connection.vendor != "sqlite" or connection.in_atomic_block:
        return None
    database = str(connection.settings_dict["NAME"])
    if database == ":memory:" or database.startswith("file:") or "mode=memory" in database:
        return None
    return database


@contextlib.contextmanager
def writer_turn(connection, *, background: bool = False):
    """Hold the turn to write through `connection` (nothing to hold unless `lock_path` names a file). A
    `background` writer (an inbox worker's batch) lets the web's writers that are waiting go first."""
    database = lock_path(connection)
    if database is None:
        yield
        return
    with contextlib.ExitStack() as stack:
        gate = stack.enter_context(_yielding(database) if background else _waiting_in_front(database))
        stack.enter_context(_thread_turn)
        handle = _lock_file(database)
        fcntl.flock(handle, fcntl.LOCK_EX)
        stack.callback(fcntl.flock, handle, fcntl.LOCK_UN)
        if background:
            gate.close()  # web writers may line up at the gate again while this batch writes
        yield


@contextlib.contextmanager
def _waiting_in_front(database: str):
    """A web writer: the gate held shared, by this process, while it waits and writes."""
    gate = _lock_file(database, "gate")
    with _gate_lock:
        if not _gate_waiters[0]:
            fcntl.flock(gate, fcntl.LOCK_SH)  # waits only while a worker goes from the gate to the turn
        _gate_waiters[0] += 1
    try:
        yield None
    finally:
        with _gate_lock:
            _gate_waiters[0] -= 1
            if not _gate_waiters[0]:
                fcntl.flock(gate, fcntl.LOCK_UN)


@contextlib.contextmanager
def _yielding(database: str):
    """A worker: the gate taken exclusively once no web writer holds it (or MAX_YIELD has passed: then not
    taken), until the turn is (the ExitStack it yields lets it go early)."""
    gate = _lock_file(database, "gate")
    deadline = time.monotonic() + MAX_YIELD
    with contextlib.ExitStack() as held:
        while not _took_gate(gate):
            if time.monotonic() > deadline:
                break
            time.sleep(YIELD_POLL)
        else:
            held.callback(fcntl.flock, gate, fcntl.LOCK_UN)
        yield held


def _took_gate(gate) -> bool:
    if _gate_waiters[0]:  # a web writer of this process (eager tasks): its flock is on this same open file
        return False
    try:
        fcntl.flock(gate, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
