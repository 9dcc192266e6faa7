"""Coalesced wake-ups: many callers ask for one action, and it runs at most once per window per process.

The inbox stores every activity in the database first; the workers only need to hear *that* there is work,
not which rows (they drain every queued row). Sending one broker message per accepted activity cost as much
CPU as everything else the inbox does, so a burst of requests is told to the workers with one message now
and, if more arrive within the window, one trailing message at its end. Every caller is therefore followed
by a send that starts after its call: no stored row waits for the sweeper.

Trailing actions run on one long-lived thread per process (it ends after a while with nothing to do), not on
a new thread each time: a new thread pays again for everything kept per thread (Celery keeps its result
backend per thread, and building it cost more than the send)."""

import logging
import os
import threading
import time
from collections.abc import Callable

log = logging.getLogger(__name__)
IDLE_EXIT = 30.0  # seconds the trailing thread waits for work before it ends


class Coalescer:
    def __init__(self, action: Callable[[], object], window: float):
        self.action = action
        self.window = window
        self._lock = threading.Lock()
        self._wakeup = threading.Condition(self._lock)
        self._last_sent = float("-inf")
        self._trailing = False  # a trailing action is due at _last_sent + window
        self._thread: threading.Thread | None = None
        self._thread_pid = 0

    def request(self) -> None:
        """Run the action now if it has not run within the window, else make sure it runs at the window's end."""
        with self._lock:
            now = time.monotonic()
            send_now = not self._trailing and now - self._last_sent >= self.window
            if send_now:
                self._last_sent = now
            elif not self._trailing:
                self._trailing = True
                self._ensure_thread()
                self._wakeup.notify()
        if send_now:
            self.action()

    def flush(self) -> None:
        """Run a pending trailing action now instead of at the window's end (tests use it; a process that
        exits with one pending leaves its rows to the sweeper)."""
        with self._lock:
            pending, self._trailing = self._trailing, False
            if pending:
                self._last_sent = time.monotonic()
        if pending:
            self.action()

    def _ensure_thread(self) -> None:
        """Called with the lock held. A thread started before a fork does not exist in the child."""
        if self._thread is None or self._thread_pid != os.getpid() or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run_trailing, name="coalescer", daemon=True)
            self._thread_pid = os.getpid()
            self._thread.start()

    def _run_trailing(self) -> None:
        while True:
            with self._lock:
                idle_since = time.monotonic()
                while not self._trailing:
                    if time.monotonic() - idle_since >= IDLE_EXIT:
                        self._thread = None
                        return
                    self._wakeup.wait(IDLE_EXIT)
                delay = self._last_sent + self.window - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            with self._lock:
                if not self._trailing:  # flushed meanwhile
                    continue
                self._trailing = False
                self._last_sent = time.monotonic()
            try:
                self.action()
            except Exception:  # the thread serves every later request too
                log.exception("coalesced action %s failed", getattr(self.action, "__name__", self.action))
