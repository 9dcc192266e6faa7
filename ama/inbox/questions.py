"""Replies and mentions become questions (or follow-ups, or a verified remote host's answers): `Create` of a
note, and GoToSocial's `ReplyRequest`.

In an inbox batch, the replies to an AMA itself (`shared_replies`) share the batch's transaction on PostgreSQL
too: a new question locks no row another batch takes as it is written (its live events wait for the batch's
end: ama.live.events.stored_once_per_batch), and their handlers raise Ignore only before writing anything, so
they need no savepoint each."""

from django.db.models import Q

from federation.activities import content_and_language, host_of, id_of, type_of
from federation.caches import once_per_batch
from federation.models import InboxMessage
from federation.routing import Ignore, Incoming, trusted_object
from federation.safe_urls import http_url

from .. import services
from ..models import Ama, Answer, Question
from .remote_hosts import answer_from_remote_host

NOTE_TYPES = {"Note", "Article", "Page", "ChatMessage"}
# Read with the AMA: a question's processing needs its host (the Accept) and its Group (the Announce).
AMA_ACCOUNTS = ("host", "group")


def thread_target(in_reply_to: str | None) -> tuple[Ama | None, Question | None]:
    """The AMA a reply belongs to, and the question it follows up (None when it replies to the AMA)."""
    if not in_reply_to:
        return None, None
    ama = once_per_batch(("AMA replied to", in_reply_to), lambda: _ama_replied_to(in_reply_to))
    if ama:
        return ama, None
    question = Question.objects.shown().filter(ap_id=in_reply_to).select_related(
        *(f"ama__{name}" for name in AMA_ACCOUNTS)).first()
    if question:
        return question.ama, question
    answer = Answer.objects.filter(ap_id=in_reply_to, deleted_at__isnull=True).select_related(
        *(f"question__ama__{name}" for name in AMA_ACCOUNTS)).first()
    if answer and answer.question.state == Question.State.PUBLISHED:
        return answer.question.ama, answer.question
    return None, None


def _ama_replied_to(in_reply_to: str) -> Ama | None:
    """The AMA whose note or page is `in_reply_to` (read once per inbox batch: its rows share the instance)."""
    amas = Ama.objects.select_related(*AMA_ACCOUNTS)
    return amas.filter(ap_id=in_reply_to).first() or amas.filter(page_ap_id=in_reply_to).first()


def mentioned_open_ama(note: dict) -> Ama | None:
    """An open AMA whose host the note mentions (the most recently opened one)."""
    mentioned = [id_of(tag) for tag in note.get("tag", []) if isinstance(tag, dict) and type_of(tag) == "Mention"] \
        if isinstance(note.get("tag"), list) else []
    mentioned += [id_of(note.get("tag"))] if isinstance(note.get("tag"), dict) else []
    if not mentioned:
        return None
    return Ama.objects.accepting_questions().filter(host__ap_id__in=[m for m in mentioned if m]).select_related(
        *AMA_ACCOUNTS).order_by("-opens_at").first()


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


def _embedded_reply_target(message: InboxMessage) -> str | None:
    """What a `Create` embedding its sender's own note (nothing to fetch) replies to; None for anything else,
    and for a row that came through a Group's inbox (the community relays it, on its own)."""
    body = message.body
    note = body.get("object") if isinstance(body, dict) and type_of(body) == "Create" else None
    if not isinstance(note, dict) or type_of(note) not in NOTE_TYPES or message.received_via.startswith("/c/"):
        return None
    if id_of(note.get("attributedTo")) != message.actor_ap_id or host_of(id_of(note)) != host_of(message.actor_ap_id):
        return None
    return id_of(note.get("inReplyTo"))


def shared_replies(messages: list[InboxMessage]) -> set[int]:
    """federation.routing.share_batches: the rows of a batch that are replies to an AMA (not to a question: a
    follow-up runs on its own), in one query."""
    targets = {message.pk: target for message in messages if (target := _embedded_reply_target(message))}
    if not targets:
        return set()
    wanted = set(targets.values())
    amas = {ap_id for pair in Ama.objects.filter(Q(ap_id__in=wanted) | Q(page_ap_id__in=wanted)).values_list(
        "ap_id", "page_ap_id") for ap_id in pair}
    return {pk for pk, target in targets.items() if target in amas}


def on_create(incoming: Incoming) -> str | None:
    return receive_note(incoming, note_from(incoming))


def on_reply_request(incoming: Incoming) -> str | None:
    """GoToSocial asks before replying: object is the post replied to, instrument the reply."""
    instrument = incoming.activity.get("instrument")
    if not instrument:
        raise Ignore("ReplyRequest without instrument")
    note = note_from(incoming, trusted_object(instrument, incoming.actor))
    return receive_note(incoming, note, request_ap_id=incoming.activity.get("id", ""))
