"""Votes: `Like` and `Dislike` of an approved question, and their `Undo`.

In an inbox batch, the votes on published questions (`shared_votes`) run after the batch's other rows and share
one transaction (on PostgreSQL too): their questions are read in one query for all of them, and their counting
waits for the batch's end (ama.services.votes.counted_once_per_batch), where the row locks are taken in one
order. They raise Ignore only before writing anything, so they need no savepoint each."""

import threading
from contextlib import contextmanager

from federation.activities import id_of, ids_of, text_of, type_of
from federation.models import InboxMessage
from federation.routing import Incoming

from .. import services
from ..models import Question
from ..services.votes import counted_once_per_batch

VOTES = ("Like", "Dislike")
_batch = threading.local()


def _published(object_ids) -> dict[str, Question]:
    rows = Question.objects.filter(ap_id__in=set(object_ids), state=Question.State.PUBLISHED).select_related("ama")
    return {question.ap_id: question for question in rows}


def _voted_question(object_id: str | None, message: InboxMessage | None = None) -> Question | None:
    if not object_id:
        return None
    if _is_shared(message):
        if _batch.questions is None:  # the first shared vote of the transaction: every one's question at once
            _batch.questions = _published(_batch.shared.values())
        return _batch.questions.get(object_id)
    return Question.objects.filter(ap_id=object_id, state=Question.State.PUBLISHED).select_related("ama").first()


def _is_shared(message: InboxMessage | None) -> bool:
    """Whether the row is one of its batch's shared votes, running in that batch's transaction (shared_votes)."""
    return getattr(_batch, "active", False) and message is not None and message.pk in (
        getattr(_batch, "shared", None) or {})


def _voted_object(activity: dict) -> str | None:
    """The id a vote (or the Undo of an embedded one) names, or None for any other activity."""
    kind, inner = type_of(activity), activity.get("object")
    if kind in VOTES:
        return id_of(inner)
    if kind == "Undo" and isinstance(inner, dict) and type_of(inner) in VOTES:
        return id_of(inner.get("object"))
    return None


def _maybe_to_a_group(message: InboxMessage) -> bool:
    """Whether community.py may relay it (it names an audience or addressees, or came to a Group's inbox):
    such a row runs on its own, as its relay writes outside the vote's own order."""
    body = message.body
    inner = body.get("object") if isinstance(body.get("object"), dict) else {}
    named = ids_of(body.get("audience")) + ids_of(body.get("to")) + ids_of(body.get("cc")) + ids_of(
        inner.get("audience"))
    return bool(named) or message.received_via.startswith("/c/")


def shared_votes(messages: list[InboxMessage]) -> set[int]:
    """federation.routing.share_batches: the rows of a batch that are votes (or their Undo) on a published
    question, not addressed to a Group (one query). Remembered for this thread's batch."""
    wanted = {message.pk: object_id for message in messages if isinstance(message.body, dict)
              and (object_id := _voted_object(message.body)) and not _maybe_to_a_group(message)}
    published = set(Question.objects.filter(ap_id__in=set(wanted.values()), state=Question.State.PUBLISHED)
                    .values_list("ap_id", flat=True)) if wanted else set()
    _batch.shared = {pk: object_id for pk, object_id in wanted.items() if object_id in published}
    return set(_batch.shared)


def _votes_in_batch():
    """federation.routing.wrap_batches: around each batch transaction, its shared votes' questions read once
    (at the first of them, after the batch's other rows ran) and its votes counted once per question at its end."""
    _batch.questions, _batch.active = None, True
    try:
        with counted_once_per_batch():
            yield
    finally:
        _batch.questions, _batch.active = None, False


votes_in_batch = contextmanager(_votes_in_batch)  # not a decorator: this package registers nothing on import


def _vote(incoming: Incoming, value: int):
    """A shared row's vote is inserted at its batch's end with the others: its result is then told by a function
    (federation.routing.record_outcomes calls it)."""
    question = _voted_question(id_of(incoming.object), incoming.message)
    if question is None:
        return None
    vote = {"question": question, "actor": incoming.actor, "value": value, "ap_id": text_of(incoming.activity, "id")}
    added = services.vote_add_at_batch_end(**vote)
    if added is not None:
        return lambda: _result(added(), question)
    return _result(services.vote_add(**vote), question)


def _result(added: bool, question: Question) -> str:
    return f"vote {'added' if added else 'unchanged'} on {question.pk}"


def on_like(incoming: Incoming) -> str | None:
    return _vote(incoming, 1)


def on_dislike(incoming: Incoming) -> str | None:
    return _vote(incoming, -1)


def undo_vote(incoming: Incoming) -> str | None:
    """`Undo` of a vote (its Like or Dislike embedded, or named by its id alone)."""
    inner = incoming.object
    question = _voted_question(id_of(inner.get("object")), incoming.message) if isinstance(inner, dict) else None
    removed = services.vote_remove(actor=incoming.actor, question=question, ap_id=id_of(inner) or "")
    return "vote removed" if removed else None


def on_undo_by_id(incoming: Incoming) -> str | None:
    """`Undo` naming what it undoes by id alone: perhaps a vote (an embedded object was routed by its type)."""
    return None if isinstance(incoming.object, dict) else undo_vote(incoming)
