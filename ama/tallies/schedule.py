"""Which remote questions to refetch, when, and the claim that keeps one fetch per object in flight.

Intervals (seconds, FEDIAMA_TALLY_MIN_INTERVAL = m, FEDIAMA_TALLY_MAX_INTERVAL = M):
    live AMA, among its FEDIAMA_TALLY_TOP questions by score   m
    live AMA, the others                                        4 m
    scheduled AMA                                               10 m (at most M)
An answer that changed nothing doubles the interval (up to M); a failure doubles it per failure in a row (up to
30 M); after the AMA ends one more refresh, then none."""

import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from federation.activities import host_of
from federation.reserved_names import is_reserved_for_examples
from federation.urls_helper import local_domain

from ..models import Ama, Question, TallyState
from ..services.tallies import Refresh

ACTIVE = (Ama.State.SCHEDULED, Ama.State.LIVE)
LEASE = timedelta(minutes=2)  # a claimed row comes due again after this if its refresher died


def enroll(now=None) -> int:
    """A TallyState for each published remote question of a scheduled or live AMA that has none (due now),
    except on names reserved for examples; rows retired while their question was hidden come back when it is
    published again."""
    now = now or timezone.now()
    ours = local_domain()
    fresh = Question.objects.filter(state=Question.State.PUBLISHED, ama__state__in=ACTIVE, ama__deleted_at=None,
                                    author__is_local=False, tally__isnull=True).values_list("pk", "ap_id")
    rows = [TallyState(question_id=pk, origin=host_of(ap_id), next_refresh_at=now) for pk, ap_id in fresh
            if _refetchable(host_of(ap_id), ours)]
    TallyState.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
    TallyState.objects.filter(next_refresh_at=None, question__state=Question.State.PUBLISHED,
                              question__ama__state__in=ACTIVE).update(next_refresh_at=now)
    return len(rows)


def _refetchable(origin: str, ours: str) -> bool:
    """Another server's, and not a name reserved for examples (the demo's made-up servers: no network)."""
    return origin not in ("", ours) and not is_reserved_for_examples(origin)


def retire(now=None) -> int:
    """No more refreshes for questions no longer shown or AMAs past their end's refresh (deleted, archived)."""
    shown = dict(question__state=Question.State.PUBLISHED, question__ama__deleted_at=None,
                 question__ama__state__in=(*ACTIVE, Ama.State.ENDED))
    return TallyState.objects.exclude(next_refresh_at=None).exclude(**shown).update(next_refresh_at=None, claim="")


def due(now, limit: int) -> list[TallyState]:
    """The rows due, first due first; the row of a name reserved for examples (enrolled before they were left
    out) is dropped instead."""
    rows = list(TallyState.objects.filter(next_refresh_at__lte=now).only(
        "question_id", "origin").order_by("next_refresh_at")[:limit])
    examples = {row.pk for row in rows if is_reserved_for_examples(row.origin)}
    if examples:
        TallyState.objects.filter(pk__in=examples).delete()
    return [row for row in rows if row.pk not in examples]


def claim(pks: list[int], now) -> list[TallyState]:
    """Take the rows still due (a conditional UPDATE of next_refresh_at to the lease's end): the rows another
    refresher took first are not returned."""
    token = uuid.uuid4().hex
    TallyState.objects.filter(pk__in=pks, next_refresh_at__lte=now).update(next_refresh_at=now + LEASE, claim=token)
    return list(TallyState.objects.filter(claim=token).select_related("question__ama"))


def top_questions(ama_ids: set[int]) -> set[int]:
    """The ids of each live AMA's top questions by score (refreshed most often)."""
    top = set()
    for ama_id in ama_ids:
        ranked = Question.objects.filter(ama_id=ama_id, state=Question.State.PUBLISHED).order_by(
            (F("vote_count") + F("remote_like_count")).desc(), "pk").values_list("pk", flat=True)
        top.update(ranked[:settings.FEDIAMA_TALLY_TOP])
    return top


@dataclass(frozen=True)
class Standing:
    ama_state: str
    top: bool


def base_interval(standing: Standing) -> int:
    low, high = settings.FEDIAMA_TALLY_MIN_INTERVAL, settings.FEDIAMA_TALLY_MAX_INTERVAL
    if standing.ama_state == Ama.State.LIVE:
        return low if standing.top else min(4 * low, high)
    return min(10 * low, high)


def after_answer(state: TallyState, standing: Standing, *, changed: bool, now) -> Refresh:
    """The next refresh after the origin answered (200 or 304)."""
    if standing.ama_state not in ACTIVE:
        return Refresh(None, state.interval)
    base = base_interval(standing)
    interval = base if changed else min(max(base, 2 * state.interval), settings.FEDIAMA_TALLY_MAX_INTERVAL)
    return Refresh(now + timedelta(seconds=interval), interval)


def after_failure(state: TallyState, standing: Standing, *, now) -> Refresh:
    """The count is kept; the next try backs off (doubling per failure in a row); after the AMA's end, three
    tries more, then none."""
    failures = state.failures + 1
    if standing.ama_state not in ACTIVE and failures > 3:
        return Refresh(None, state.interval, failures)
    interval = min(base_interval(standing) * 2 ** failures, 30 * settings.FEDIAMA_TALLY_MAX_INTERVAL)
    return Refresh(now + timedelta(seconds=interval), interval, failures)


def not_spent(state: TallyState, *, now) -> Refresh:
    """The origin's budget was spent before this row's turn: due again at once (the next run takes it)."""
    return Refresh(now, state.interval, state.failures)
