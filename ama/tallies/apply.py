"""Outcomes of refetches, applied through the services in batches (on the refresher's own thread, with the
database): the counts and schedules of a batch in a few queries and one live event per AMA; deletes and
edits, which are rare, one by one."""

import logging
from collections import Counter

from django.utils import timezone

from ..models import TallyState
from ..services import question_delete_received, question_edit_received
from ..services.tallies import Counted, Kept, questions_tally_keep, questions_tally_update
from ..text import sanitize
from . import schedule
from .fetch import Outcome

log = logging.getLogger(__name__)


def apply_batch(answers: list[tuple[Outcome, TallyState]], standings: dict[int, schedule.Standing]) -> Counter:
    """What happened to each, in a word (counted by the run): gone, edited, counted, unchanged, failed,
    deferred. `standings` by question id."""
    now, said, counted, kept = timezone.now(), Counter(), [], []
    for outcome, state in answers:
        standing = standings[state.pk]
        if outcome.kind == "gone":
            question_delete_received(question=state.question)
            kept.append(Kept(state.pk, schedule.Refresh(None, state.interval)))
            said["gone"] += 1
        elif outcome.kind == "failed":
            said[_failed(outcome, state, standing, now, kept)] += 1
        elif outcome.kind == "unchanged":
            kept.append(Kept(state.pk, schedule.after_answer(state, standing, changed=False, now=now)))
            said["unchanged"] += 1
        else:
            edited = _edit_if_changed(outcome, state)
            changed = edited or _likes_changed(outcome, state)
            counted.append(Counted(state.question, state.origin, outcome.likes,
                                   schedule.after_answer(state, standing, changed=changed, now=now),
                                   outcome.etag, outcome.last_modified))
            said["edited" if edited else "counted" if changed else "unchanged"] += 1
    questions_tally_keep(kept)
    questions_tally_update(counted)
    return said


def _failed(outcome: Outcome, state: TallyState, standing: schedule.Standing, now, kept: list[Kept]) -> str:
    if outcome.error == "budget":
        kept.append(Kept(state.pk, schedule.not_spent(state, now=now), error="budget"))
        return "deferred"
    log.info("tally of question %s: %s answered %s", state.question_id, state.origin, outcome.error)
    kept.append(Kept(state.pk, schedule.after_failure(state, standing, now=now), error=outcome.error))
    return "failed"


def _edit_if_changed(outcome: Outcome, state: TallyState) -> bool:
    """The origin's text differs from ours: the author edited it (and we missed the Update, or it is on its way).
    The text as we stored it (sanitized) is taken as unchanged without sanitizing it again."""
    question = state.question
    if not outcome.content or outcome.content == question.content_html or \
            sanitize(outcome.content) == question.content_html:
        return False
    question_edit_received(question=question, content_html=outcome.content, language=outcome.language)
    return True


def _likes_changed(outcome: Outcome, state: TallyState) -> bool:
    likes = outcome.likes
    if likes is None:
        return state.likes_total is not None or bool(state.likers)
    return (likes.total, sorted(likes.likers), likes.unnamed) != (state.likes_total, state.likers,
                                                                   state.likers_unnamed)
