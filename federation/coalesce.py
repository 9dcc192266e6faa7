"""Coalesced wake-ups: many callers ask for one action, and it runs at most once per window per process.

The inbox stores every activity in the database first; the workers only need to hear *that* there is work,
not which rows (they drain every queued row). Sending one broker message per accepted activity cost as much
CPU as everything else the inbox does, so a burst of requests is told to the workers with one message now
and, if more arrive within the window, one trailing message at its end. Every caller is therefore followed
by a send that starts after its call: no stored row waits for the sweeper."""

import threading
import time
from collections.abc import Callable


class Coalescer:
    def __init__(self, action: Callable[[], object], window: float):
        self.action = action
        self.window = window
        self._lock = threading.Lock()
        self._last_sent = float("-inf")
        self._trailing: threading.Timer | None = None

    def request(self) -> None:
        """Run the action now if it has not run within the window, else make sure it runs at the window's end."""
        with self._lock:
            now = time.monotonic()
            if self._trailing is None and now - self._last_sent >= self.window:
                self._last_sent = now
                send_now = True
            else:
                send_now = False
                if self._trailing is None:
                    self._trailing = threading.Timer(max(0.0, self._last_sent + self.window - now), self._fire)
                    self._trailing.daemon = True
                    self._trailing.start()
        if send_now:
            self.action()

    def _fire(self) -> None:
        with self._lock:
            self._trailing = None
            self._last_sent = time.monotonic()
        self.action()

    def flush(self) -> None:
        """Run a pending trailing action now instead of at the window's end (tests use it; a process that
        exits with one pending leaves its rows to the sweeper)."""
        with self._lock:
            timer, self._trailing = self._trailing, None
        if timer is not None:
            timer.cancel()
            self.action()
