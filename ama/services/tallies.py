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
                          refresh: Refresh, direct: dict[str, str] | None = None) -> bool:
    """The origin answered with the object: its likes (None: it exposes none) replace what we knew, the credited
    count is written, and a score change is published (live votes_changed). True when the score changed.
    `direct`: the question's direct voters ({actor id: domain}) when the caller read them already."""
    with transaction.atomic():
        state = TallyState(question=question, origin=question.tally.origin, likes_total=likes.total if likes else None,
                           likers=sorted(likes.likers) if likes else [], likers_unnamed=likes.unnamed if likes else 0)
        TallyState.objects.filter(question=question).update(
            likes_total=state.likes_total, likers=state.likers, likers_unnamed=state.likers_unnamed, etag=etag,
            last_modified=last_modified, seen_at=timezone.now(), next_refresh_at=refresh.at,
            interval=refresh.interval, failures=refresh.failures, last_error="", claim="")
        return _credit(question, state, direct=direct)


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
    if state is None:
        return False
    question.remote_like_count = Question.objects.values_list("remote_like_count", flat=True).get(pk=question.pk)
    return _credit(question, state, publish=False)


def direct_voters(question_ids) -> dict[int, dict[str, str]]:
    """{question id: {actor id: actor domain}} of the counted direct votes (one query)."""
    voters: dict[int, dict[str, str]] = {pk: {} for pk in question_ids}
    for pk, ap_id, domain in Vote.objects.filter(question_id__in=question_ids, value__gt=0).values_list(
            "question_id", "actor__ap_id", "actor__domain"):
        voters[pk][ap_id] = domain
    return voters


def _credit(question: Question, state: TallyState, *, publish: bool = True, direct: dict | None = None) -> bool:
    """Write the credited count when it differs from the question's (as loaded by the caller, in this
    transaction or just before it)."""
    likes = None if state.likes_total is None and not state.likers and not state.likers_unnamed else Likes(
        total=state.likes_total, likers=frozenset(state.likers), unnamed=state.likers_unnamed)
    direct = direct_voters([question.pk])[question.pk] if direct is None else direct
    count = credited(likes, direct=set(direct),
                     direct_on_origin={ap_id for ap_id, domain in direct.items() if domain == state.origin})
    if count == question.remote_like_count:
        return False
    Question.objects.filter(pk=question.pk).update(remote_like_count=count)
    question.remote_like_count = count
    if publish:
        live.votes_changed(question)
    return True
