"""Remote tallies: the likes a remote question's origin reports, credited beside the votes we received
(ama/tallies fetches them; FEDERATION.md "Remote tallies" has the rule). The only writers of TallyState's
results and of Question.remote_like_count."""

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import live
from ..models import Question, TallyState, Vote
from ..tallies.likes import Likes, credited


@dataclass(frozen=True)
class Refresh:
    """When to ask the origin again (None: no more), the interval it reflects, failures in a row."""
    at: datetime | None
    interval: int
    failures: int = 0


def question_tally_update(*, question: Question, likes: Likes | None, etag: str = "", last_modified: str = "",
                          refresh: Refresh) -> bool:
    """The origin answered with the object: its likes (None: it exposes none) replace what we knew, the credited
    count is written, and a score change is published (live votes_changed). True when the score changed."""
    with transaction.atomic():
        state = TallyState.objects.select_for_update().get(question=question)
        state.likes_total = likes.total if likes else None
        state.likers = sorted(likes.likers) if likes else []
        state.likers_unnamed = likes.unnamed if likes else 0
        state.etag, state.last_modified = etag, last_modified
        _schedule(state, refresh, error="")
        state.seen_at = timezone.now()
        state.save()
        return _credit(question, state)


def question_tally_keep(*, question: Question, refresh: Refresh, error: str = "") -> None:
    """The count stays as it was: the object is unchanged (304, no error) or the origin failed (error)."""
    fields = {"next_refresh_at": refresh.at, "interval": refresh.interval, "failures": refresh.failures,
              "last_error": error[:200], "claim": ""}
    if not error:
        fields["seen_at"] = timezone.now()
    TallyState.objects.filter(question=question).update(**fields)


def question_tally_recount(*, question: Question) -> bool:
    """After the question's direct votes changed: the credited remote part again (a voter may be a listed
    liker). Call inside the vote's transaction. True when the remote part changed."""
    state = TallyState.objects.select_for_update().filter(question=question).first()
    return state is not None and _credit(question, state, publish=False)


def _schedule(state: TallyState, refresh: Refresh, *, error: str) -> None:
    state.next_refresh_at, state.interval, state.failures = refresh.at, refresh.interval, refresh.failures
    state.last_error, state.claim = error[:200], ""


def _credit(question: Question, state: TallyState, *, publish: bool = True) -> bool:
    likes = None if state.likes_total is None and not state.likers and not state.likers_unnamed else Likes(
        total=state.likes_total, likers=frozenset(state.likers), unnamed=state.likers_unnamed)
    direct = dict(Vote.objects.filter(question=question, value__gt=0).values_list("actor__ap_id", "actor__domain"))
    count = credited(likes, direct=set(direct),
                     direct_on_origin={ap_id for ap_id, domain in direct.items() if domain == state.origin})
    question.remote_like_count = Question.objects.values_list("remote_like_count", flat=True).get(pk=question.pk)
    if count == question.remote_like_count:
        return False
    Question.objects.filter(pk=question.pk).update(remote_like_count=count)
    question.remote_like_count = count
    if publish:
        live.votes_changed(question)
    return True
