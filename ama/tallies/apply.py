"""An outcome of a refetch, applied through the services (on the refresher's own thread, with the database)."""

import logging

from django.utils import timezone

from ..models import TallyState
from ..services import question_delete_received, question_edit_received
from ..services.tallies import question_tally_keep, question_tally_update
from ..text import sanitize
from . import schedule
from .fetch import Outcome

log = logging.getLogger(__name__)


def apply(outcome: Outcome, state: TallyState, standing: schedule.Standing, direct: dict | None = None) -> str:
    """What happened, in a word (counted by the run): gone, edited, counted, unchanged, failed, deferred.
    `direct`: the question's direct voters, read for the whole batch (services.tallies.direct_voters)."""
    now, question = timezone.now(), state.question
    if outcome.kind == "gone":
        question_delete_received(question=question)
        question_tally_keep(question=question, refresh=schedule.Refresh(None, state.interval))
        return "gone"
    if outcome.kind == "failed":
        return _failed(outcome, state, standing, now)
    if outcome.kind == "unchanged":
        question_tally_keep(question=question, refresh=schedule.after_answer(state, standing, changed=False, now=now))
        return "unchanged"
    edited = _edit_if_changed(outcome, state)
    changed = edited or _likes_changed(outcome, state)
    refresh = schedule.after_answer(state, standing, changed=changed, now=now)
    question_tally_update(question=question, likes=outcome.likes, etag=outcome.etag,
                          last_modified=outcome.last_modified, refresh=refresh, direct=direct)
    return "edited" if edited else "counted" if changed else "unchanged"


def _failed(outcome: Outcome, state: TallyState, standing: schedule.Standing, now) -> str:
    if outcome.error == "budget":
        question_tally_keep(question=state.question, refresh=schedule.not_spent(state, now=now), error="budget")
        return "deferred"
    log.info("tally of question %s: %s answered %s", state.question_id, state.origin, outcome.error)
    question_tally_keep(question=state.question, refresh=schedule.after_failure(state, standing, now=now),
                        error=outcome.error)
    return "failed"


def _edit_if_changed(outcome: Outcome, state: TallyState) -> bool:
    """The origin's text differs from ours: the author edited it (and we missed the Update, or it is on its way)."""
    question = state.question
    if not outcome.content or sanitize(outcome.content) == question.content_html:
        return False
    question_edit_received(question=question, content_html=outcome.content, language=outcome.language)
    return True


def _likes_changed(outcome: Outcome, state: TallyState) -> bool:
    likes = outcome.likes
    if likes is None:
        return state.likes_total is not None or bool(state.likers)
    return (likes.total, sorted(likes.likers), likes.unnamed) != (state.likes_total, state.likers,
                                                                   state.likers_unnamed)
