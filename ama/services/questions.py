"""Questions: received from the fediverse, edited or deleted by their author, approved, rejected, hidden."""

import threading
from contextlib import contextmanager

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.bulk_insert import insert_rows, reserve_ids
from federation.models import Actor
from federation.routing import in_shared_row, savepoint_unless_shared

from .. import audit, live, rules
from ..activitypub import group_questions, ids
from ..activitypub import publish as ap
from ..models import Ama, Question, QuestionRevision
from ..text import plain_text, sanitize
from .errors import ServiceError


def question_receive(*, ama: Ama, author: Actor, ap_id: str, content_html: str, language: str = "",
                     parent: Question | None = None, in_reply_to: str = "", url: str = "",
                     request_ap_id: str = "", received_message=None) -> Question:
    """A reply or mention addressed to an AMA becomes a question, in the state the rules decide.
    Idempotent by ap_id: a question already received is returned unchanged (the row's unique ap_id says so:
    a new question, nearly every one, is not looked for first)."""
    clean = sanitize(content_html)
    text = plain_text(clean)
    decision = rules.decide(ama, author, text)
    published = decision.state == Question.State.PUBLISHED
    question = Question(
        ama=ama, author=author, ap_id=ap_id, url=url[:500], parent=parent, in_reply_to=in_reply_to[:500],
        content_html=clean, content_text=text, language=language[:16] or ama.language, state=decision.state,
        held_by=decision.rule[:200], published_at=timezone.now() if published else None,
        is_late=ama.state in (Ama.State.ENDED, Ama.State.ARCHIVED), received_message=received_message)
    try:
        with savepoint_unless_shared():
            inserted_now = not _stored_at_batch_end(question)
            if inserted_now:
                question.save(force_insert=True)
            if published:
                _published(question, request_ap_id=request_ap_id, save=inserted_now)
                group_questions.send_question_state(question, new=True)
            live.question_changed(question, live.UNSEEN)
            rules.question_received(ama, author)
    except IntegrityError:
        existing = Question.objects.filter(ap_id=ap_id).first()
        if existing is None:
            raise  # another constraint than the ap_id's
        return existing
    return question


def _published(question: Question, *, request_ap_id: str = "", save: bool = True) -> None:
    """Its interaction authorization (an id made of the row's) stored, and sent to the asker. `save` False: the
    row is inserted later, with it (inserted_at_batch_end)."""
    question.published_at = question.published_at or timezone.now()
    question.authorization_ap_id = ids.authorization_id(question)
    if save:
        question.save(update_fields=["published_at", "authorization_ap_id"])
    ap.send_reply_accepted(question, request_ap_id=request_ap_id)


_batch = threading.local()
MAX_ID_BLOCK = 32  # question ids reserved at a time in an inbox batch: 1, 2, 4… up to this (unused ones are gaps, so
# a batch with one reply wastes none, and one with 25 reserves 31 in 5 statements)


@contextmanager
def inserted_at_batch_end():
    """federation.routing.wrap_batches: the questions that an inbox batch's shared rows (replies to an AMA) make
    are inserted at its end, in one statement, instead of one INSERT each and an UPDATE for each one's
    authorization (its id is made of the row's): their ids are reserved first (bulk_insert.reserve_ids), so all
    that is written about them meanwhile (their live event, Accept and the community's Announce) has them. On an
    exception nothing is inserted: the batch rolls back (a note delivered twice makes the INSERT fail: the batch's
    rows then run one by one, and the second finds the first)."""
    waiting: list[Question] = []
    _batch.waiting, _batch.ids, _batch.block = waiting, [], 1
    try:
        yield
    finally:
        _batch.waiting, _batch.ids = None, None
    insert_rows(waiting)


def _stored_at_batch_end(question: Question) -> bool:
    """In a shared row of an inbox batch: `question` given a reserved id and left for inserted_at_batch_end."""
    waiting = getattr(_batch, "waiting", None)
    if waiting is None or not in_shared_row():
        return False
    if not _batch.ids:
        _batch.ids = reserve_ids(Question, _batch.block)
        _batch.block = min(2 * _batch.block, MAX_ID_BLOCK)
    question.pk = _batch.ids.pop(0)
    waiting.append(question)
    return True


def _snapshot(question: Question) -> dict:
    return {"state": question.state, "reject_reason": question.reject_reason, "held_by": question.held_by}


def _set_state(question: Question, state: str, **fields) -> dict:
    before, seen = _snapshot(question), live.question_view(question)
    question.state = state
    for name, value in fields.items():
        setattr(question, name, value)
    question.save(update_fields=["state", *fields])
    group_questions.send_question_state(question)
    live.question_changed(question, seen)
    return before


def question_approve(*, question: Question, by_user=None, announce: bool = False) -> Question:
    """Show a pending (or hidden, rejected) question, add it to the thread, send Accept to the asker."""
    if question.state in (Question.State.DELETED, Question.State.MERGED):
        raise ServiceError(_("a %(state)s question cannot be approved") % {"state": question.get_state_display()})
    with transaction.atomic():
        before = _set_state(question, Question.State.PUBLISHED, held_by="", reject_reason="", reject_note="")
        _published(question)
        if announce:
            ap.send_question_announced(question)
        audit.record(user=by_user, action="question.approve", question=question, target=question.author.handle,
                     before=before, after=_snapshot(question), public=True)
    return question


def question_reject(*, question: Question, by_user=None, reason: str = Question.RejectReason.OTHER,
                    note: str = "", tell_asker: bool = False, by_actor: Actor | None = None) -> Question:
    """Hide the question everywhere we control; a `Reject` goes to the asker only if asked for.
    `by_actor`: a remote moderator (a verified co-host) who removed it in the community."""
    if question.state == Question.State.DELETED:
        raise ServiceError(_("a question deleted by its author cannot be rejected"))
    if reason not in Question.RejectReason.values:
        raise ServiceError(f"unknown reason {reason!r}")
    with transaction.atomic():
        before = _set_state(question, Question.State.REJECTED, reject_reason=reason, reject_note=note)
        if tell_asker:
            ap.send_reply_rejected(question)
        audit.record(user=by_user, action="question.reject", question=question, target=question.author.handle,
                     reason=note or question.get_reject_reason_display(), before=before,
                     after=_snapshot(question), public=True, by_actor=by_actor)
    return question


def question_hide(*, question: Question, by_user=None, note: str = "") -> Question:
    if question.state != Question.State.PUBLISHED:
        raise ServiceError(_("only a published question can be hidden"))
    with transaction.atomic():
        before = _set_state(question, Question.State.HIDDEN)
        audit.record(user=by_user, action="question.hide", question=question, reason=note, before=before,
                     after=_snapshot(question), public=True)
    return question


def question_unhide(*, question: Question, by_user=None) -> Question:
    if question.state != Question.State.HIDDEN:
        raise ServiceError(_("only a hidden question can be unhidden"))
    with transaction.atomic():
        before = _set_state(question, Question.State.PUBLISHED)
        audit.record(user=by_user, action="question.unhide", question=question, before=before,
                     after=_snapshot(question), public=True)
    return question


def question_edit_received(*, question: Question, content_html: str, language: str = "",
                           received_message=None) -> Question:
    """The author's Update (`received_message`: the inbox message it came in, re-announced by the Group as
    the author signed it): the old text kept as a revision, marked edited; an approved question returns to
    review when the AMA says so, otherwise the community gets the edit at once."""
    if question.state == Question.State.DELETED:
        return question
    clean = sanitize(content_html)
    with transaction.atomic():
        seen = live.question_view(question)
        QuestionRevision.objects.create(question=question, content_html=question.content_html,
                                        content_text=question.content_text)
        question.content_html, question.content_text = clean, plain_text(clean)
        question.language = language[:16] or question.language
        question.is_edited, question.edited_at = True, timezone.now()
        question.edit_message = received_message
        fields = ["content_html", "content_text", "language", "is_edited", "edited_at", "edit_message"]
        if question.state == Question.State.PUBLISHED and question.ama.review_edits:
            question.state, question.held_by = Question.State.PENDING, "edited after approval"
            fields += ["state", "held_by"]
        question.save(update_fields=fields)
        group_questions.send_question_state(question)
        live.question_changed(question, seen)
    return question


def question_delete_received(*, question: Question) -> Question:
    """The author's Delete: the question becomes a tombstone (its text is gone); answers stay, labelled."""
    with transaction.atomic():
        seen = live.question_view(question)
        question.revisions.all().delete()
        question.state, question.deleted_at = Question.State.DELETED, timezone.now()
        question.content_html = question.content_text = question.display_html = ""
        question.save(update_fields=["state", "deleted_at", "content_html", "content_text", "display_html"])
        live.question_changed(question, seen)
    return question
