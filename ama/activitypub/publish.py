"""What the AMA's hosts send (the bridge out; the Group's side is publish_group.py, called from here): the
AMA note's Create, Update and Delete, answers and their Announce, the Accept or Reject of a reply, the
host's boost of a question. Each `send_*` calls federation.outbox.publish and must run inside the service's
transaction (deliveries are enqueued on commit)."""

from federation import outbox
from federation.activities import PUBLIC, activity
from federation.documents import actor_document

from ..models import Ama, Answer, Question, Vote
from . import placements, publish_group
from .documents import CONTEXT, tombstone
from .notes import ama_create, ama_note, answer_announce, answer_create, answer_note
from .replies import shown_thread


def _can_sign(actor) -> bool:
    return actor.is_local


def answer_audience(answer: Answer) -> list:
    """The asker and everyone who voted on or asked in the question's thread (their servers)."""
    question = answer.question
    voters = [v.actor for v in Vote.objects.filter(question=question).select_related("actor")]
    follow_ups = [q.author for q in Question.objects.shown().filter(parent=question).select_related("author")]
    placement = placements.placement_of(question)
    community = [placement.community] if placement and placement.state == placement.State.POSTED else []
    return [question.author] + voters + follow_ups + community


def _thread_authors(ama: Ama) -> list:
    return [q.author for q in shown_thread(ama)]


def send_ama_created(ama: Ama) -> None:
    publish_group.send_page_created(ama)
    if _can_sign(ama.host):
        outbox.publish(ama_create(ama), sender=ama.host, to_followers=True)


def send_ama_updated(ama: Ama) -> None:
    publish_group.send_page_updated(ama)
    placements.send_ama_updated(ama)
    if _can_sign(ama.host):
        note = ama_note(ama)
        outbox.publish(activity("Update", actor=ama.host.ap_id, obj=note, to=note["to"], cc=note["cc"]),
                       sender=ama.host, to_followers=True, recipients=_thread_authors(ama))


def send_ama_deleted(ama: Ama) -> None:
    publish_group.send_page_deleted(ama)
    placements.send_ama_deleted(ama)
    if _can_sign(ama.host):
        outbox.publish(activity("Delete", actor=ama.host.ap_id, obj=tombstone(ama.ap_id), to=[PUBLIC],
                                cc=[ama.host.followers_url]), sender=ama.host, to_followers=True,
                       recipients=_thread_authors(ama))


def send_profile_updated(actor) -> None:
    """A local host's profile changed (name, bio, links, picture): Update of the actor to its followers, as
    Mastodon sends, so their servers refresh the account they show instead of waiting for their next fetch."""
    if _can_sign(actor):
        outbox.publish(activity("Update", actor=actor.ap_id, obj=actor_document(actor), to=[PUBLIC],
                                cc=[actor.followers_url]), sender=actor, to_followers=True)


def send_answer_created(answer: Answer) -> None:
    """Create(Note) to followers, the asker and the thread; then an Announce, because Mastodon hides a
    reply to a stranger from the followers' home timelines."""
    publish_group.send_answer_created(answer)
    if not _can_sign(answer.author):
        return
    outbox.publish(answer_create(answer), sender=answer.author, to_followers=True,
                   recipients=answer_audience(answer))
    outbox.publish(answer_announce(answer), sender=answer.author, to_followers=True,
                   recipients=[answer.question.author])


def send_answer_updated(answer: Answer, *, received: dict | None = None) -> None:
    publish_group.send_answer_updated(answer, received=received)
    if _can_sign(answer.author):
        note = answer_note(answer)
        outbox.publish(activity("Update", actor=answer.author.ap_id, obj=note, to=note["to"], cc=note["cc"]),
                       sender=answer.author, to_followers=True, recipients=answer_audience(answer))


def send_answer_deleted(answer: Answer, *, received: dict | None = None) -> None:
    publish_group.send_answer_deleted(answer, received=received)
    if not _can_sign(answer.author):
        return
    author = answer.author
    undo = activity("Undo", actor=author.ap_id, obj={"id": answer.announce_ap_id, "type": "Announce",
                                                      "actor": author.ap_id, "object": answer.ap_id},
                    to=[PUBLIC], cc=[author.followers_url])
    outbox.publish(undo, sender=author, to_followers=True)
    outbox.publish(activity("Delete", actor=author.ap_id, obj=tombstone(answer.ap_id), to=[PUBLIC],
                            cc=[author.followers_url]), sender=author, to_followers=True,
                   recipients=answer_audience(answer))


def send_reply_accepted(question: Question, *, request_ap_id: str = "") -> None:
    """Accept (object: the reply or its ReplyRequest; target: the AMA note; result: a ReplyAuthorization)."""
    host = question.ama.host
    if not _can_sign(host) or question.author.is_local:
        return
    accept = activity("Accept", actor=host.ap_id, obj=request_ap_id or question.ap_id, to=[question.author.ap_id],
                      target=question.in_reply_to or question.ama.ap_id, result=question.authorization_ap_id)
    accept["@context"] = CONTEXT
    outbox.publish(accept, sender=host, recipients=[question.author], public=False)


def send_reply_rejected(question: Question) -> None:
    host = question.ama.host
    if not _can_sign(host) or question.author.is_local:
        return
    reject = activity("Reject", actor=host.ap_id, obj=question.ap_id, to=[question.author.ap_id],
                      target=question.in_reply_to or question.ama.ap_id)
    outbox.publish(reject, sender=host, recipients=[question.author], public=False)


def send_question_announced(question: Question) -> None:
    """The host boosts an approved question (optional, per moderator)."""
    host = question.ama.host
    if _can_sign(host):
        outbox.publish(activity("Announce", actor=host.ap_id, obj=question.ap_id, to=[PUBLIC],
                                cc=[host.followers_url, question.author.ap_id]),
                       sender=host, to_followers=True, recipients=[question.author])
