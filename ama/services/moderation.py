"""Moderators' question services: edit for display, merge, mark answered, lock, star, "now answering".

Permission checks are the caller's (ama.permissions); every function writes one audit record."""

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from .. import audit, live
from ..activitypub import group_questions
from ..models import Question, Vote
from ..text import sanitize
from .errors import ServiceError

CLOSED = (Question.State.DELETED, Question.State.MERGED)


def _flags(question: Question) -> dict:
    return {"starred": question.starred, "now_answering": question.now_answering, "locked": question.locked,
            "answered": question.answered_at is not None, "answered_note": question.answered_note}


def _set(question: Question, by_user, action: str, *, public: bool = True, reason: str = "", extra_before=None,
         event: str | None = "changed", **fields):
    """Set plain fields on one question, with an audit record holding before and after, and its live `event`:
    "changed" (what the page shows changed), "starred", "now_answering", or None (nothing shown changed)."""
    if question.state in CLOSED:
        raise ServiceError(f"a {question.get_state_display()} question cannot be changed")
    with transaction.atomic():
        before = {name: _jsonable(getattr(question, name)) for name in fields} | (extra_before or {})
        seen = live.question_view(question)
        for name, value in fields.items():
            setattr(question, name, value)
        question.save(update_fields=list(fields))
        _announce(question, event, seen)
        audit.record(user=by_user, action=action, question=question, target=question.author.handle,
                     reason=reason, before=before, after={n: _jsonable(v) for n, v in fields.items()},
                     public=public)
    return question


def _announce(question: Question, event: str | None, seen: live.Seen) -> None:
    if event == "changed":
        live.question_changed(question, seen)
    elif event == "starred":
        live.publish(question.ama, "starred", question=question, data={"starred": question.starred})
    elif event == "now_answering":
        live.now_answering(question.ama, question if question.now_answering else None)


def _jsonable(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def question_edit_display(*, question: Question, display_html: str, by_user=None, reason: str = "") -> Question:
    """Show an edited text instead of the asker's (empty: the original again). The original stays in
    content_html and the audit record; pages show "edited by a moderator" when display_html is set."""
    clean = sanitize(display_html) if display_html.strip() else ""
    if clean == question.display_html:
        return question
    return _set(question, by_user, "question.edit_display", reason=reason or "edited for display",
                extra_before={"original_html": question.content_html}, display_html=clean)


def question_star(*, question: Question, starred: bool = True, by_user=None) -> Question:
    return _set(question, by_user, "question.star" if starred else "question.unstar", public=False,
                event="starred", starred=starred)


def question_lock(*, question: Question, locked: bool = True, by_user=None, reason: str = "") -> Question:
    """A locked thread takes no follow-ups (inbound replies to it are ignored)."""
    return _set(question, by_user, "question.lock" if locked else "question.unlock", reason=reason, event=None,
                locked=locked)


def question_now_answering(*, question: Question, on: bool = True, by_user=None) -> Question:
    """The one question the host is answering now (any other in the AMA is cleared)."""
    if on and question.state != Question.State.PUBLISHED:
        raise ServiceError("only a published question can be the one being answered")
    with transaction.atomic():
        if on:
            Question.objects.filter(ama=question.ama_id, now_answering=True).exclude(pk=question.pk).update(
                now_answering=False)
        return _set(question, by_user, "question.now_answering" if on else "question.not_answering",
                    public=False, event="now_answering", now_answering=on)


def question_mark_answered(*, question: Question, by_user=None, note: str = "") -> Question:
    """Answered elsewhere (a stream, a video): marked answered with a note, no answer Note sent."""
    if question.state != Question.State.PUBLISHED:
        raise ServiceError("only a published question can be marked answered")
    return _set(question, by_user, "question.mark_answered", reason=note,
                answered_at=question.answered_at or timezone.now(), answered_note=note, now_answering=False)


def question_mark_unanswered(*, question: Question, by_user=None, note: str = "") -> Question:
    if question.answers.filter(deleted_at__isnull=True).exists():
        raise ServiceError("this question has an answer; delete the answer to make it unanswered")
    return _set(question, by_user, "question.mark_unanswered", reason=note, answered_at=None, answered_note=note)


def _unite_votes(duplicate: Question, kept: Question) -> int:
    """Move the duplicate's votes to the kept question, one per actor; returns the votes moved."""
    already = set(Vote.objects.filter(question=kept).values_list("actor_id", flat=True))
    moving = Vote.objects.filter(question=duplicate).exclude(actor_id__in=already).exclude(actor_id=kept.author_id)
    moved = moving.update(question=kept)
    Vote.objects.filter(question=duplicate).delete()
    for question in (kept, duplicate):
        votes = Vote.objects.filter(question=question)
        if not question.ama.allow_downvotes:
            votes = votes.filter(value__gt=0)
        question.vote_count = votes.aggregate(total=Sum("value"))["total"] or 0
        Question.objects.filter(pk=question.pk).update(vote_count=question.vote_count)
    return moved


def question_merge(*, question: Question, into: Question, by_user=None) -> Question:
    """Merge a duplicate into the question kept: votes united by actor (never counted twice), the duplicate
    becomes `merged` and points to the kept one."""
    if question.pk == into.pk or question.ama_id != into.ama_id:
        raise ServiceError("a question merges into another question of the same AMA")
    if question.state in CLOSED or into.state in CLOSED:
        raise ServiceError("deleted or merged questions cannot be merged")
    with transaction.atomic():
        before = {"state": question.state, "vote_count": question.vote_count,
                  "voters": list(question.votes.values_list("actor_id", flat=True))}
        seen = live.question_view(question)
        moved = _unite_votes(question, into)
        question.state, question.merged_into = Question.State.MERGED, into
        question.now_answering = False
        question.save(update_fields=["state", "merged_into", "now_answering"])
        live.question_changed(question, seen)
        live.votes_changed(into)
        group_questions.send_question_state(question)
        audit.record(user=by_user, action="question.merge", question=question, target=question.author.handle,
                     reason=f"duplicate of question {into.pk}", before=before,
                     after={"merged_into": into.pk, "votes_moved": moved, "kept_votes": into.vote_count},
                     public=True)
    return question
