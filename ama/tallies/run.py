"""One refresh cycle: enrol and retire rows, take the due ones within each origin's budget, refetch them on a
small thread pool (per-origin limits held by the gate), apply the outcomes in batches as they come in.

Only one cycle runs at a time (a TallyRun lease taken by a conditional UPDATE): the per-origin limits are then
global, whatever the number of workers; a second cycle started meanwhile returns at once. Claims on the rows
keep one fetch per object in flight even if a cycle outlives its lease."""

import queue
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from federation import actors

from ..models import Ama, TallyOrigin, TallyRun, TallyState
from . import schedule
from .apply import apply_batch
from .fetch import Job, refetch
from .gate import OriginGate, window_open

RUN = "refresh"
RUN_LEASE = timedelta(minutes=5)
APPLY_BATCH = 100  # outcomes applied together
APPLY_EVERY = 1.0  # seconds: what came back meanwhile is applied even if fewer


@dataclass
class Report:
    outcomes: Counter = field(default_factory=Counter)
    most_in_flight: dict = field(default_factory=dict)  # per origin
    skipped: bool = False


def refresh_due(*, limit: int | None = None) -> Report:
    if not _take_run():
        return Report(skipped=True)
    try:
        return _cycle(limit or settings.FEDIAMA_TALLY_BATCH)
    finally:
        TallyRun.objects.filter(name=RUN).update(lease_until=timezone.now())


def _take_run() -> bool:
    now = timezone.now()
    TallyRun.objects.get_or_create(name=RUN, defaults={"lease_until": now - timedelta(seconds=1)})
    return TallyRun.objects.filter(name=RUN, lease_until__lte=now).update(lease_until=now + RUN_LEASE) == 1


def _cycle(limit: int) -> Report:
    now = timezone.now()
    schedule.enroll(now)
    schedule.retire(now)
    rows = schedule.due(now, limit)
    gate = _gate({row.origin for row in rows})
    claimed = schedule.claim(_within_budget(rows, gate), now)
    report = Report()
    if claimed:
        report.outcomes = _refetch_all(claimed, gate)
    _save_budgets(gate, now)
    report.most_in_flight = dict(gate.most_in_flight)
    return report


def _gate(origins: set[str]) -> OriginGate:
    spent = {row.host: row.spent for row in TallyOrigin.objects.filter(host__in=origins)
             if window_open(row.window_started_at)}
    return OriginGate(concurrency=settings.FEDIAMA_TALLY_ORIGIN_CONCURRENCY,
                      budget=settings.FEDIAMA_TALLY_ORIGIN_BUDGET, spent=spent)


def _within_budget(rows: list[TallyState], gate: OriginGate) -> list[int]:
    """Per origin, as many rows as its budget has requests left (a row costs one; two with a likes URL)."""
    taken, picked = defaultdict(int), []
    for row in rows:
        if gate.has_budget(row.origin, taken[row.origin] + 1):
            taken[row.origin] += 1
            picked.append(row.pk)
    return picked


def _refetch_all(claimed: list[TallyState], gate: OriginGate) -> Counter:
    """Fetch on the pool; apply what came back in batches (APPLY_BATCH outcomes, or what came back within
    APPLY_EVERY seconds), so that a batch costs a few queries and one live event per AMA."""
    standings = _standings(claimed)
    signer = actors.signer_for(actors.instance_actor())
    finished = queue.SimpleQueue()  # (future, state) as each fetch ends: no waiting on every future at once
    outcomes, ready, left, since = Counter(), [], len(claimed), time.monotonic()
    with ThreadPoolExecutor(max_workers=settings.FEDIAMA_TALLY_THREADS, thread_name_prefix="tally") as pool:
        for state in claimed:
            future = pool.submit(refetch, _job(state), gate, signer)
            future.add_done_callback(lambda done, state=state: finished.put((done, state)))
        while left:
            try:
                future, state = finished.get(timeout=APPLY_EVERY)
                ready.append((future.result(), state))
                left -= 1
            except queue.Empty:
                pass
            if ready and (len(ready) >= APPLY_BATCH or not left or time.monotonic() - since >= APPLY_EVERY):
                outcomes += apply_batch(ready, standings)
                ready, since = [], time.monotonic()
    return outcomes


def _job(state: TallyState) -> Job:
    return Job(question_id=state.question_id, ap_id=state.question.ap_id, origin=state.origin, etag=state.etag,
               last_modified=state.last_modified)


def _standings(claimed: list[TallyState]) -> dict[int, schedule.Standing]:
    live = {state.question.ama_id for state in claimed if state.question.ama.state == Ama.State.LIVE}
    top = schedule.top_questions(live)
    return {state.pk: schedule.Standing(ama_state=state.question.ama.state, top=state.pk in top)
            for state in claimed}


def _save_budgets(gate: OriginGate, now) -> None:
    """This run's spending added to each origin's open window (a closed window starts again now): one query to
    read the windows, one insert for new origins, one UPDATE per distinct (window, spent)."""
    windows = dict(TallyOrigin.objects.filter(host__in=list(gate.spent)).values_list("host", "window_started_at"))
    TallyOrigin.objects.bulk_create([TallyOrigin(host=host, window_started_at=now, spent=spent)
                                     for host, spent in gate.spent.items() if host not in windows],
                                    ignore_conflicts=True, batch_size=500)
    groups = defaultdict(list)
    for host, started in windows.items():
        groups[(started if window_open(started, now) else now, gate.spent[host])].append(host)
    for (started, spent), hosts in groups.items():
        TallyOrigin.objects.filter(host__in=hosts).update(window_started_at=started, spent=spent)
