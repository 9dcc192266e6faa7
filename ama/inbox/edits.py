"""`Update` and `Delete` by their author: a question edited (back to review) or tombstoned, a remote host's
answer edited or deleted."""

from federation.activities import content_and_language, id_of
from federation.routing import Ignore, Incoming

from .. import services
from ..models import Answer, Question
from .questions import note_from


def _own_question(incoming: Incoming, object_id: str | None) -> Question | None:
    if not object_id:
        return None
    return Question.objects.filter(ap_id=object_id, author=incoming.actor).select_related("ama").first()


def _own_answer(incoming: Incoming, object_id: str | None) -> Answer | None:
    if not object_id:
        return None
    return Answer.objects.filter(ap_id=object_id, author=incoming.actor, deleted_at__isnull=True) \
        .select_related("question__ama").first()


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
