"""Inbox handlers for AMAs: replies and mentions become questions; Update/Delete by their author edit or
tombstone them; Like/Dislike/Undo are votes. Registered with federation.routing at app start."""


from federation.activities import content_and_language, id_of, text_of, type_of
from federation.routing import Ignore, Incoming, register
from federation.safe_urls import http_url

from . import services
from .models import Ama, Answer, Question

NOTE_TYPES = {"Note", "Article", "Page", "ChatMessage"}


def thread_target(in_reply_to: str | None) -> tuple[Ama | None, Question | None]:
    """The AMA a reply belongs to, and the question it follows up (None when it replies to the AMA)."""
    if not in_reply_to:
        return None, None
    ama = Ama.objects.filter(ap_id=in_reply_to).first() or Ama.objects.filter(page_ap_id=in_reply_to).first()
    if ama:
        return ama, None
    question = Question.objects.shown().filter(ap_id=in_reply_to).select_related("ama").first()
    if question:
        return question.ama, question
    answer = Answer.objects.filter(ap_id=in_reply_to, deleted_at__isnull=True).select_related(
        "question__ama").first()
    if answer and answer.question.state == Question.State.PUBLISHED:
        return answer.question.ama, answer.question
    return None, None


def mentioned_open_ama(note: dict) -> Ama | None:
    """An open AMA whose host the note mentions (the most recently opened one)."""
    mentioned = [id_of(tag) for tag in note.get("tag", []) if isinstance(tag, dict) and type_of(tag) == "Mention"] \
        if isinstance(note.get("tag"), list) else []
    mentioned += [id_of(note.get("tag"))] if isinstance(note.get("tag"), dict) else []
    if not mentioned:
        return None
    return Ama.objects.accepting_questions().filter(host__ap_id__in=[m for m in mentioned if m]).order_by(
        "-opens_at").first()


def note_from(incoming: Incoming, obj=None) -> dict:
    note = incoming.trusted_object() if obj is None else obj
    if type_of(note) not in NOTE_TYPES:
        raise Ignore(f"not a note ({type_of(note) or 'untyped'})")
    author = id_of(note.get("attributedTo"))
    if author and author != incoming.actor.ap_id:
        raise Ignore("note attributed to someone else")
    return note


def receive_note(incoming: Incoming, note: dict, *, request_ap_id: str = "") -> str | None:
    in_reply_to = id_of(note.get("inReplyTo"))
    ama, parent = thread_target(in_reply_to)
    if ama is None:
        ama = mentioned_open_ama(note)
    if ama is None or ama.deleted_at or ama.state == Ama.State.DRAFT:
        return None
    if parent is not None and parent.locked:
        raise Ignore("thread locked")
    from .remote_hosts import answer_from_remote_host
    answered = answer_from_remote_host(ama=ama, actor=incoming.actor, note=note, parent=parent,
                                       message=incoming.message)
    if answered:
        return answered
    content, language = content_and_language(note)
    question = services.question_receive(
        ama=ama, author=incoming.actor, ap_id=note["id"], content_html=content, language=language,
        parent=parent, in_reply_to=in_reply_to or "", url=http_url(note.get("url")) or "",
        request_ap_id=request_ap_id, received_message=incoming.message)
    return f"question {question.pk} {question.state}"


@register("Create")
def on_create(incoming: Incoming) -> str | None:
    return receive_note(incoming, note_from(incoming))


@register("ReplyRequest")
def on_reply_request(incoming: Incoming) -> str | None:
    """GoToSocial asks before replying: object is the post replied to, instrument the reply."""
    instrument = incoming.activity.get("instrument")
    if not instrument:
        raise Ignore("ReplyRequest without instrument")
    from federation.routing import trusted_object
    note = note_from(incoming, trusted_object(instrument, incoming.actor))
    return receive_note(incoming, note, request_ap_id=incoming.activity.get("id", ""))


def _own_question(incoming: Incoming, object_id: str | None) -> Question | None:
    if not object_id:
        return None
    return Question.objects.filter(ap_id=object_id, author=incoming.actor).select_related("ama").first()


@register("Update")
def on_update(incoming: Incoming) -> str | None:
    """The author edits their question, or a remote host their answer (only while they host the AMA, as
    for a local co-host)."""
    obj = incoming.object
    question = _own_question(incoming, id_of(obj))
    if question is None:
        return _answer_update(incoming)
    note = note_from(incoming)
    content, language = content_and_language(note)
    services.question_edit_received(question=question, content_html=content, language=language,
                                    received_message=incoming.message)
    return f"question {question.pk} edited"


@register("Delete")
def on_delete(incoming: Incoming) -> str | None:
    """The author deletes their question, or a remote host their answer (a host removed since may still
    delete what they wrote)."""
    question = _own_question(incoming, id_of(incoming.object))
    if question is not None:
        services.question_delete_received(question=question)
        return f"question {question.pk} deleted"
    answer = _own_answer(incoming, id_of(incoming.object))
    if answer is not None:
        services.answer_delete(answer=answer, received=incoming.activity)
        return f"answer {answer.pk} deleted by its author"
    return None


def _answer_update(incoming: Incoming) -> str | None:
    answer = _own_answer(incoming, id_of(incoming.object))
    if answer is None:
        return None
    if not answer.question.ama.is_host(incoming.actor):
        raise Ignore("edit of an answer by someone who no longer hosts this AMA")
    content, _language = content_and_language(note_from(incoming))
    try:
        services.answer_edit_received(answer=answer, content_html=content, received=incoming.activity)
    except services.ServiceError as error:
        raise Ignore(str(error)) from error
    return f"answer {answer.pk} edited by its author"


def _own_answer(incoming: Incoming, object_id: str | None) -> Answer | None:
    if not object_id:
        return None
    return Answer.objects.filter(ap_id=object_id, author=incoming.actor, deleted_at__isnull=True) \
        .select_related("question__ama").first()


def _voted_question(object_id: str | None) -> Question | None:
    if not object_id:
        return None
    return Question.objects.filter(ap_id=object_id, state=Question.State.PUBLISHED).select_related("ama").first()


def _vote(incoming: Incoming, value: int) -> str | None:
    question = _voted_question(id_of(incoming.object))
    if question is None:
        return None
    added = services.vote_add(question=question, actor=incoming.actor, value=value,
                              ap_id=text_of(incoming.activity, "id"))
    return f"vote {'added' if added else 'unchanged'} on {question.pk}"


@register("Like")
def on_like(incoming: Incoming) -> str | None:
    return _vote(incoming, 1)


@register("Dislike")
def on_dislike(incoming: Incoming) -> str | None:
    return _vote(incoming, -1)


def _undo_vote(incoming: Incoming) -> str | None:
    inner = incoming.object
    question = _voted_question(id_of(inner.get("object"))) if isinstance(inner, dict) else None
    removed = services.vote_remove(actor=incoming.actor, question=question, ap_id=id_of(inner) or "")
    return "vote removed" if removed else None


register("Undo", "Like")(_undo_vote)
register("Undo", "Dislike")(_undo_vote)
register("Undo")(lambda incoming: _undo_vote(incoming) if not isinstance(incoming.object, dict) else None)

