"""One inbox writer at a time per SQLite database file, across this host's web processes.

SQLite lets one connection write at a time. A writer that finds the database locked is made to wait by
SQLite's busy handler, which sleeps and retries (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms…), so with
two web processes of two inbox threads each, an INSERT of 60 µs could wait 25-50 ms for a lock that was
free again after a fraction of one: that sleep was the p99 of bench/inbox.py on SQLite. Here the inbox
writers queue instead: a thread lock within a process, then an exclusive `flock` on a file beside the
database, which the kernel hands to the next waiter the moment it is released.

Lock order is always this turn, then SQLite's own lock: a connection already inside a transaction may hold
SQLite's lock and is never made to wait for the turn (it would wait for a writer that waits for it).
Other writers (the workers, pages) take only SQLite's lock, as before. PostgreSQL has row-level locking
and needs none of this.
"""

import contextlib
import fcntl
import os
import threading

_files: dict[str, object] = {}
_thread_turn = threading.Lock()


def _forget_files_in_child() -> None:
    """A forked child must open its own lock files: flock belongs to the open file, which a fork shares,
    so a shared one would let parent and child hold the turn together."""
    global _thread_turn
    _files.clear()
    _thread_turn = threading.Lock()


os.register_at_fork(after_in_child=_forget_files_in_child)


def _lock_file(database: str):
    handle = _files.get(database)
    if handle is None:
        handle = _files[database] = open(f"{database}-writer.lock", "a+b")  # noqa: SIM115 (kept open)
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
def writer_turn(connection):
    """Hold the turn to write through `connection` (nothing to hold unless `lock_path` names a file)."""
    database = lock_path(connection)
    if database is None:
        yield
        return
    with _thread_turn:
        handle = _lock_file(database)
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
