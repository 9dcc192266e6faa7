"""Answers: the host's (or a co-host's) reply Note to an approved question."""

import uuid

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from federation.models import Actor

from .. import audit, live
from ..activitypub import ids
from ..activitypub import publish as ap
from ..models import Answer, Question
from ..text import plain_text, render_markdown, sanitize
from .errors import ServiceError


def answer_publish(*, question: Question, author: Actor, body: str, by_user=None, content_html: str = "",
                   ap_id: str = "", received_message=None) -> Answer:
    """Must be called with an approved question. In one transaction: lock the question, create the
    Answer, mark the question answered, write the deliveries (enqueued on commit).
    `content_html`/`ap_id`/`received_message` are given for answers that arrived from the host's own server."""
    if not question.ama.is_host(author):
        raise ServiceError(_("%(handle)s does not host this AMA") % {"handle": author.handle})
    if not (body.strip() or content_html.strip()):
        raise ServiceError(_("an answer needs text"))
    with transaction.atomic():
        locked = Question.objects.select_for_update().select_related("ama", "author").get(pk=question.pk)
        if locked.state != Question.State.PUBLISHED:
            raise ServiceError(_("only an approved question can be answered"))
        token = uuid.uuid4().hex
        own_id = ids.answer_id(locked.ama, token)
        answer = Answer.objects.create(
            question=locked, author=author, ap_id=ap_id or own_id, body=body,
            content_html=sanitize(content_html) if content_html else render_markdown(body),
            announce_ap_id=own_id + "/announce", received_message=received_message)
        was_answering = locked.now_answering
        locked.answered_at, locked.now_answering = timezone.now(), False
        locked.save(update_fields=["answered_at", "now_answering"])
        live.publish(locked.ama, "answer_published", question=locked, answer=answer)
        if was_answering:
            live.now_answering(locked.ama, None)
        ap.send_answer_created(answer)
        audit.record(user=by_user, action="answer.publish", question=locked, target=answer.ap_id)
    question.answered_at = locked.answered_at
    return answer


def answer_edit(*, answer: Answer, body: str, by_user=None) -> Answer:
    if answer.deleted_at:
        raise ServiceError(_("a deleted answer cannot be edited"))
    if not body.strip():
        raise ServiceError(_("an answer needs text"))
    with transaction.atomic():
        before = {"body": answer.body}
        answer.body, answer.content_html, answer.updated_at = body, render_markdown(body), timezone.now()
        answer.save(update_fields=["body", "content_html", "updated_at"])
        ap.send_answer_updated(answer)
        live.publish(answer.question.ama, "answer_edited", question=answer.question, answer=answer)
        audit.record(user=by_user, action="answer.edit", question=answer.question, target=answer.ap_id,
                     before=before, after={"body": body})
    return answer


def answer_edit_received(*, answer: Answer, content_html: str, received: dict) -> Answer:
    """A remote host's `Update` of their answer (`received`, which the community gets as they signed it)."""
    if answer.deleted_at:
        raise ServiceError(_("a deleted answer cannot be edited"))
    clean = sanitize(content_html)
    if not plain_text(clean).strip():
        raise ServiceError(_("an answer needs text"))
    with transaction.atomic():
        before = {"content_html": answer.content_html}
        answer.content_html, answer.updated_at = clean, timezone.now()
        answer.save(update_fields=["content_html", "updated_at"])
        ap.send_answer_updated(answer, received=received)
        live.publish(answer.question.ama, "answer_edited", question=answer.question, answer=answer)
        audit.record(user=None, action="answer.edit", question=answer.question, target=answer.ap_id,
                     before=before, after={"content_html": clean}, by_actor=answer.author)
    return answer


def answer_delete(*, answer: Answer, by_user=None, received: dict | None = None) -> Answer:
    """Tombstone the answer; the question is unanswered again if no other answer remains. `received`: the
    Delete its remote author sent, which the community gets as they signed it."""
    if answer.deleted_at:
        return answer
    with transaction.atomic():
        answer.deleted_at = timezone.now()
        answer.save(update_fields=["deleted_at"])
        question = answer.question
        if not question.answers.filter(deleted_at__isnull=True).exists():
            Question.objects.filter(pk=question.pk).update(answered_at=None)
        ap.send_answer_deleted(answer, received=received)
        live.publish(question.ama, "answer_deleted", question=question, answer=answer)
        audit.record(user=by_user, action="answer.delete", question=question, target=answer.ap_id,
                     by_actor=answer.author if received else None)
    return answer
