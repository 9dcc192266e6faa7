"""Per-origin limits for one refresh run: at most FEDIAMA_TALLY_ORIGIN_CONCURRENCY requests in flight to an
origin, and at most FEDIAMA_TALLY_ORIGIN_BUDGET requests per origin per minute window (the windows persist in
TallyOrigin rows, loaded before and saved after the run, which is the only one running: ama.tallies.run)."""

import threading
from collections import defaultdict
from contextlib import contextmanager
from datetime import timedelta

from django.utils import timezone

WINDOW = timedelta(minutes=1)


class OriginGate:
    class Exhausted(Exception):
        """The origin's budget for this minute is spent."""

    def __init__(self, *, concurrency: int, budget: int, spent: dict[str, int] | None = None):
        self.concurrency, self.budget = concurrency, budget
        self.spent: dict[str, int] = defaultdict(int, spent or {})
        self._slots: dict[str, threading.BoundedSemaphore] = {}
        self._lock = threading.Lock()
        self.in_flight: dict[str, int] = defaultdict(int)
        self.most_in_flight: dict[str, int] = defaultdict(int)  # for the benchmark and the tests

    def has_budget(self, origin: str, requests: int = 1) -> bool:
        with self._lock:
            return self.spent[origin] + requests <= self.budget

    @contextmanager
    def slot(self, origin: str):
        """Hold one of the origin's slots for one request, spending one request of its budget."""
        with self._lock:
            if self.spent[origin] >= self.budget:
                raise self.Exhausted(origin)
            self.spent[origin] += 1
            semaphore = self._slots.setdefault(origin, threading.BoundedSemaphore(self.concurrency))
        with semaphore:
            self._count(origin, +1)
            try:
                yield
            finally:
                self._count(origin, -1)

    def _count(self, origin: str, step: int) -> None:
        with self._lock:
            self.in_flight[origin] += step
            self.most_in_flight[origin] = max(self.most_in_flight[origin], self.in_flight[origin])


def window_open(started_at, now=None) -> bool:
    return (now or timezone.now()) - started_at < WINDOW
