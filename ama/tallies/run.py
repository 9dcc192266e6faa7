"""One refresh cycle: enrol and retire rows, take the due ones within each origin's budget, refetch them on a
small thread pool (per-origin limits held by the gate), apply each outcome as it comes in.

Only one cycle runs at a time (a TallyRun lease taken by a conditional UPDATE): the per-origin limits are then
global, whatever the number of workers; a second cycle started meanwhile returns at once. Claims on the rows
keep one fetch per object in flight even if a cycle outlives its lease."""

from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from federation import actors

from ..models import Ama, TallyOrigin, TallyRun, TallyState
from ..services.tallies import direct_voters
from . import schedule
from .apply import apply
from .fetch import Job, refetch
from .gate import OriginGate, window_open

RUN = "refresh"
RUN_LEASE = timedelta(minutes=5)


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
    standings, voters = _standings(claimed), direct_voters([state.pk for state in claimed])
    signer = actors.signer_for(actors.instance_actor())
    outcomes = Counter()
    with ThreadPoolExecutor(max_workers=settings.FEDIAMA_TALLY_THREADS, thread_name_prefix="tally") as pool:
        running = {pool.submit(refetch, _job(state), gate, signer): state for state in claimed}
        for future in as_completed(running):
            state = running[future]
            outcomes[apply(future.result(), state, standings[state.pk], voters[state.pk])] += 1
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
    """This run's spending added to each origin's open window (a closed window starts again now)."""
    for host, spent in gate.spent.items():
        row, created = TallyOrigin.objects.get_or_create(host=host, defaults={"window_started_at": now,
                                                                            "spent": spent})
        if created:
            continue
        if window_open(row.window_started_at, now):
            TallyOrigin.objects.filter(host=host).update(spent=spent)
        else:
            TallyOrigin.objects.filter(host=host).update(window_started_at=now, spent=spent)
