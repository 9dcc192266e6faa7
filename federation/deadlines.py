"""The whole-request deadline under federation.netguard, and the one watchdog thread that enforces
every deadline of the process."""

import heapq
import itertools
import os
import socket
import threading
import time


class Deadline:
    """A whole-request time limit: when it passes, every socket opened under it is shut down.

    Socket timeouts bound each recv(), not the request: a server trickling a byte a second (in the
    headers or the body) never trips them. The process's one watchdog thread (see _Watchdog) shuts the
    sockets down at the deadline, which wakes the blocked read. Sockets are tracked by file descriptor
    (stable across the TLS wrap) and forgotten under the lock before their connection closes, so a
    reused descriptor is never touched.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds
        self._at = time.monotonic() + seconds
        self._fds: dict[int, int] = {}  # id(connection) -> fd
        self._lock = threading.Lock()
        self.expired = False
        self.finished = False

    def __enter__(self):
        _WATCHDOG.add(self)
        return self

    def __exit__(self, *exc_info):
        with self._lock:
            self.finished = True
            self._fds.clear()

    def remaining(self) -> float:
        return max(0.0, self._at - time.monotonic())

    def watch(self, connection, sock: socket.socket) -> None:
        with self._lock:
            self._fds[id(connection)] = sock.fileno()
            if self.expired:
                _shutdown_fd(sock.fileno())

    def forget(self, connection) -> None:
        with self._lock:
            self._fds.pop(id(connection), None)

    def _expire(self) -> None:
        with self._lock:
            if self.finished:
                return
            self.expired = True
            for fd in self._fds.values():
                _shutdown_fd(fd)


class _Watchdog:
    """One daemon thread per process expiring every Deadline on time (a heap ordered by due time),
    instead of a timer thread per request. Finished deadlines are dropped when they reach the top."""

    def __init__(self):
        self._heap: list = []
        self._wakeup = threading.Condition()
        self._order = itertools.count()
        self._pid = None

    def add(self, deadline: Deadline) -> None:
        with self._wakeup:
            if self._pid != os.getpid():  # first use, or a forked child: the thread is not ours
                self._heap, self._pid = [], os.getpid()
                threading.Thread(target=self._run, name="fediama-deadlines", daemon=True).start()
            heapq.heappush(self._heap, (deadline._at, next(self._order), deadline))
            if self._heap[0][2] is deadline:
                self._wakeup.notify()

    def _due(self) -> tuple[list[Deadline], float | None]:
        """Pop the deadlines due now; and how long to sleep until the next one."""
        due, now = [], time.monotonic()
        while self._heap and (self._heap[0][2].finished or self._heap[0][0] <= now):
            due.append(heapq.heappop(self._heap)[2])
        return due, (self._heap[0][0] - now if self._heap else None)

    def _run(self) -> None:
        while True:
            with self._wakeup:
                due, sleep = self._due()
                if not due:
                    self._wakeup.wait(sleep)
                    continue
            for deadline in due:  # outside the heap's lock: _expire takes the deadline's own lock
                deadline._expire()


_WATCHDOG = _Watchdog()


def _shutdown_fd(fd: int) -> None:
    sock = socket.socket(fileno=fd)
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.detach()
