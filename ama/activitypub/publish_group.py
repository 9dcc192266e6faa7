"""What the AMA's Group announces to its followers (FEP-1b12: the Announce is the approval): the Page, its
updates, its `Lock` on closing and its deletion, answers, and the votes and deletions it relays. Questions
are group_questions.py. Runs inside the service's transaction (deliveries are enqueued on commit)."""

from federation import outbox
from federation.activities import PUBLIC, activity
from federation.activity_views import embedded_announce_id
from federation.models import OutboxActivity
from federation.urls_helper import absolute

from ..models import Ama, Answer
from .documents import LEMMY_CONTEXT
from .group import by_page_author, has_group, is_closed, page_document, received_create
from .notes import answer_create, answer_note


def announce(ama: Ama, inner: dict, *, recipients=()) -> OutboxActivity:
    """The Group's Announce of `inner` to its followers."""
    group = ama.group
    inner = {key: value for key, value in inner.items() if key != "@context"}
    body = activity("Announce", actor=group.ap_id, obj=inner, to=[PUBLIC], cc=[group.followers_url],
                    audience=group.ap_id, ap_id=_carrier_id(inner))
    body["@context"] = LEMMY_CONTEXT  # the terms of what a community carries (`language` of pages and comments)
    return outbox.publish(body, sender=group, to_followers=True, recipients=recipients)


def _carrier_id(inner: dict) -> str | None:
    """A moderator's activity minted here (by_page_author) is stored only inside this Announce, whose id
    then derives from its own so that both ids answer (federation.activity_views)."""
    inner_id = inner.get("id") or ""
    return embedded_announce_id(inner_id) if inner_id.startswith(absolute("/activities/")) else None


def send_page_created(ama: Ama) -> None:
    if has_group(ama):
        announce(ama, by_page_author(ama, "Create", page_document(ama)))


def send_page_updated(ama: Ama) -> None:
    if not has_group(ama):
        return
    announce(ama, by_page_author(ama, "Update", page_document(ama)))
    if is_closed(ama):
        send_page_locked(ama)


def send_page_locked(ama: Ama) -> None:
    """Closing the AMA locks the post (Lemmy `Lock`), once."""
    if OutboxActivity.objects.filter(actor=ama.group, activity_type="Announce", body__object__type="Lock").exists():
        return
    announce(ama, by_page_author(ama, "Lock", ama.page_ap_id))


def send_page_deleted(ama: Ama) -> None:
    if has_group(ama):
        announce(ama, by_page_author(ama, "Delete", ama.page_ap_id))


def _answer_create(answer: Answer) -> dict:
    """The author's Create as they signed it; else the one the host sent (its note names the community as
    `audience`), the same document its id serves."""
    if not answer.author.is_local:
        raw = received_create(answer)
        if raw:
            return raw
    return answer_create(answer)


def send_answer_created(answer: Answer) -> None:
    if has_group(answer.question.ama):
        announce(answer.question.ama, _answer_create(answer))


def send_answer_updated(answer: Answer, *, received: dict | None = None) -> None:
    """A host's edited answer: the community gets the author's Update (`received`: a remote host's, as they
    signed it; their own server tells their followers)."""
    ama = answer.question.ama
    if has_group(ama) and received is not None:
        announce(ama, received)
    elif has_group(ama) and answer.author.is_local:
        note = answer_note(answer)
        announce(ama, activity("Update", actor=answer.author.ap_id, obj=note, to=note["to"], cc=note["cc"],
                               audience=note["audience"]))


def send_answer_deleted(answer: Answer, *, received: dict | None = None) -> None:
    """A deleted answer is deleted in the community too (its author's Delete, as Lemmy relays a comment's:
    `received`, as a remote author signed it, or ours)."""
    ama = answer.question.ama
    if has_group(ama):
        announce(ama, received or activity("Delete", actor=answer.author.ap_id, obj=answer.ap_id,
                                           to=[ama.group.ap_id, PUBLIC], cc=[], audience=ama.group.ap_id))


def send_received(ama: Ama, received: dict) -> None:
    """Re-announce an activity received in the community (votes, their undoing, an author's Delete)."""
    if has_group(ama):
        announce(ama, received)
