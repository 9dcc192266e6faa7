"""Remote tallies: the likes a remote question's origin reports, credited beside the votes we received
(ama/tallies fetches them; FEDERATION.md "Remote tallies" has the rule). The only writers of TallyState's
results and of Question.remote_like_count.

The refresher applies its answers in batches (questions_tally_update, questions_tally_keep): a handful of
queries and one live event per AMA per batch, whatever the number of questions in it."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from .. import live
from ..models import Question, TallyState, Vote
from ..tallies.likes import Likes, credited
from .rows import update_each


@dataclass(frozen=True)
class Refresh:
    """When to ask the origin again (None: no more), the interval it reflects, failures in a row."""
    at: datetime | None
    interval: int
    failures: int = 0


@dataclass(frozen=True)
class Counted:
    """The origin answered with the object: its likes (None: it exposes none) and validators, and when to ask
    again. `question` as the refresher loaded it (with its AMA)."""
    question: Question
    origin: str  # the host that counted them (TallyState.origin)
    likes: Likes | None
    refresh: Refresh
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Kept:
    """The count stays as it was: the object is unchanged (304, no error) or the origin failed (error)."""
    question_id: int
    refresh: Refresh
    error: str = ""


COUNTED_FIELDS = ["likes_total", "likers", "likers_unnamed", "etag", "last_modified", "seen_at", "next_refresh_at",
                  "interval", "failures", "last_error", "claim"]


def questions_tally_update(answers: list[Counted]) -> set[int]:
    """A batch of answers with objects: their likes replace what we knew (one UPDATE sent once), each credited
    count is worked out against the direct voters read now (one query) and written where it changed (one
    more), and the changed scores are published: one live `scores_changed` per AMA. Returns the ids of the
    questions whose score changed."""
    if not answers:
        return set()
    now = timezone.now()
    rows = [_counted_row(answer, now) for answer in answers]
    ids = [answer.question.pk for answer in answers]
    with transaction.atomic():
        update_each(TallyState, COUNTED_FIELDS, rows)
        direct = direct_voters(ids)
        current = {pk: (votes, remote) for pk, votes, remote in Question.objects.filter(pk__in=ids).values_list(
            "pk", "vote_count", "remote_like_count")}
        changed = []
        for answer, row in zip(answers, rows, strict=True):
            question = answer.question
            if question.pk not in current:
                continue  # deleted meanwhile (its row went with it)
            question.vote_count, question.remote_like_count = current[question.pk]
            count = _credited(row, direct[question.pk])
            if count != question.remote_like_count:
                question.remote_like_count = count
                changed.append(question)
        update_each(Question, ["remote_like_count"], changed)
        live.scores_changed(changed)
    return {question.pk for question in changed}


def _counted_row(answer: Counted, now) -> TallyState:
    likes, refresh = answer.likes, answer.refresh
    return TallyState(question_id=answer.question.pk, origin=answer.origin, likes_total=likes.total if likes else None,
                      likers=sorted(likes.likers) if likes else [], likers_unnamed=likes.unnamed if likes else 0,
                      etag=answer.etag, last_modified=answer.last_modified, seen_at=now,
                      next_refresh_at=refresh.at, interval=refresh.interval, failures=refresh.failures,
                      last_error="", claim="")


def questions_tally_keep(kept: list[Kept]) -> None:
    """The counts stay as they were; when to ask again, and the error if any. One UPDATE per distinct outcome
    (rows that share their next refresh, interval, failures and error), not per question."""
    now, groups = timezone.now(), defaultdict(list)
    for row in kept:
        groups[(row.refresh, row.error[:200])].append(row.question_id)
    for (refresh, error), ids in groups.items():
        fields = {"next_refresh_at": refresh.at, "interval": refresh.interval, "failures": refresh.failures,
                  "last_error": error, "claim": ""}
        if not error:
            fields["seen_at"] = now
        TallyState.objects.filter(question_id__in=ids).update(**fields)


def question_tally_recount(*, question: Question) -> bool:
    """After the question's direct votes changed: the credited remote part again (a voter may be a listed
    liker). Call inside the vote's transaction. True when the remote part changed."""
    return bool(questions_tally_recount(questions=[question]))


def questions_tally_recount(*, questions: list[Question]) -> set[int]:
    """question_tally_recount for several questions (an inbox batch's, at its end): their tally rows locked (by
    question id) and read in one query, and, only where there are some, the direct voters and the remote parts
    in one query each and the changed ones written. Returns the ids of the questions whose remote part changed."""
    ids = sorted(question.pk for question in questions)
    states = list(TallyState.objects.select_for_update().filter(question_id__in=ids).order_by("question_id"))
    if not states:
        return set()
    direct = direct_voters([state.question_id for state in states])
    current = dict(Question.objects.filter(pk__in=direct).values_list("pk", "remote_like_count"))
    changed = {}
    for state in states:
        count = _credited(state, direct[state.question_id])
        if state.question_id in current and count != current[state.question_id]:
            changed[state.question_id] = count
    for pk in sorted(changed):
        Question.objects.filter(pk=pk).update(remote_like_count=changed[pk])
    for question in questions:
        if question.pk in current:
            question.remote_like_count = changed.get(question.pk, current[question.pk])
    return set(changed)


def direct_voters(question_ids) -> dict[int, dict[str, str]]:
    """{question id: {actor id: actor domain}} of the counted direct votes (one query)."""
    voters: dict[int, dict[str, str]] = {pk: {} for pk in question_ids}
    for pk, ap_id, domain in Vote.objects.filter(question_id__in=question_ids, value__gt=0).values_list(
            "question_id", "actor__ap_id", "actor__domain"):
        voters[pk][ap_id] = domain
    return voters


def _credited(state: TallyState, direct: dict[str, str]) -> int:
    """The remote part of a question's score from its tally row and its direct voters ({actor id: domain})."""
    likes = None if state.likes_total is None and not state.likers and not state.likers_unnamed else Likes(
        total=state.likes_total, likers=frozenset(state.likers), unnamed=state.likers_unnamed)
    return credited(likes, direct=set(direct),
                    direct_on_origin={ap_id for ap_id, domain in direct.items() if domain == state.origin})
