"""The one bridge between AMAs and ActivityPub: AS2 documents for AMA objects, and what we publish.

Builders are pure functions of the models; `send_*` functions call federation.outbox.publish and must run
inside the service's transaction (deliveries are enqueued on commit)."""

from datetime import UTC

from django.db.models import Q
from django.utils import timezone

from federation import outbox
from federation.activities import AS_CONTEXT, PUBLIC, activity
from federation.documents import ordered_collection
from federation.safe_urls import http_url

from . import groups, urls_ap
from .models import Ama, Answer, Question, Vote

GTS_CONTEXT = {"gts": "https://gotosocial.org/ns#", "interactionPolicy": {"@id": "gts:interactionPolicy",
               "@type": "@id"}, "canReply": {"@id": "gts:canReply", "@type": "@id"},
               "canLike": {"@id": "gts:canLike", "@type": "@id"},
               "canAnnounce": {"@id": "gts:canAnnounce", "@type": "@id"},
               "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
               "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
               "always": {"@id": "gts:always", "@type": "@id"},
               "approvalRequired": {"@id": "gts:approvalRequired", "@type": "@id"},
               "ReplyAuthorization": "gts:ReplyAuthorization", "ReplyRequest": "gts:ReplyRequest",
               "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
               "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
               "sensitive": "as:sensitive"}
CONTEXT = [AS_CONTEXT, GTS_CONTEXT]  # every term our notes send is defined (tests/ama/test_jsonld_terms.py)


def iso(moment) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def hosts_of(ama: Ama) -> list[str]:
    return [ama.host.ap_id] + [c.ap_id for c in ama.cohosts.all()]


def interaction_policy(ama: Ama) -> dict:
    """GoToSocial reply control: hosts reply freely; the public's replies await approval; none once closed."""
    hosts = hosts_of(ama)
    public = [PUBLIC] if ama.is_open else []
    return {"canReply": {"automaticApproval": hosts, "manualApproval": public,
                         "always": hosts, "approvalRequired": public},
            "canLike": {"automaticApproval": [PUBLIC], "always": [PUBLIC]},
            "canAnnounce": {"automaticApproval": [PUBLIC], "always": [PUBLIC]}}


def shown_thread(ama: Ama):
    return Question.objects.shown().filter(ama=ama).select_related("author")


def question_ref(question: Question) -> str:
    return question.ap_id


def replies_collection(ama: Ama, page: str | None) -> dict:
    rows = shown_thread(ama).filter(parent__isnull=True).order_by("published_at", "pk")
    return ordered_collection(urls_ap.replies_id(ama), rows, question_ref, page=page)


def context_collection(ama: Ama, page: str | None) -> dict:
    """FEP-7888: the moderated thread, the AMA note first, then approved questions and their answers."""
    items = [ama.ap_id]
    for question in shown_thread(ama).order_by("published_at", "pk").prefetch_related("answers"):
        items.append(question.ap_id)
        items.extend(a.ap_id for a in question.answers.all() if not a.deleted_at)
    document = ordered_collection(urls_ap.context_id(ama), items, lambda item: item, page=page, page_size=100)
    document["attributedTo"] = ama.host.ap_id
    return document


def ama_note(ama: Ama) -> dict:
    """The AMA as a Note; the title is its first line, never `name` (Mastodon-API servers such as Takahē
    read a Note's `name` as a content warning). Only the Group's Page carries `name`."""
    replies = replies_collection(ama, None)
    replies["first"] = replies_collection(ama, "1") if replies["totalItems"] else {
        "type": "OrderedCollectionPage", "partOf": urls_ap.replies_id(ama), "orderedItems": []}
    content = f"<p><strong>{_escape(ama.title)}</strong></p>{ama.intro_html}"
    note = {
        "@context": CONTEXT, "id": ama.ap_id, "type": "Note", "attributedTo": ama.host.ap_id, "content": content, "contentMap": {ama.language: content},
        "url": ama.ap_id, "to": [PUBLIC], "cc": [ama.host.followers_url], "published": iso(ama.published_at),
        "startTime": iso(ama.opens_at), "endTime": iso(ama.closes_at), "replies": replies,
        "context": urls_ap.context_id(ama), "interactionPolicy": interaction_policy(ama), "sensitive": False,
        "tag": [],
    }
    if ama.updated_at:
        note["updated"] = iso(ama.updated_at)
    return note


def _escape(text: str) -> str:
    from django.utils.html import escape
    return escape(text)


def mention_html(actor) -> str:
    href = http_url(actor.url) or actor.ap_id
    return (f'<span class="h-card"><a href="{_escape(href)}" class="u-url mention">@<span>'
            f'{_escape(actor.username)}</span></a></span>')


def answer_content(answer: Answer) -> str:
    question = answer.question
    excerpt = question.content_text[:200] + ("…" if len(question.content_text) > 200 else "")
    link = http_url(question.url) or question.ap_id
    quote = (f'<blockquote><p>{_escape(excerpt)}</p><p><a href="{_escape(link)}">'
             f'{_escape(question.author.handle)}</a></p></blockquote>')
    return f"{quote}<p>{mention_html(question.author)}</p>{answer.content_html}"


def answer_note(answer: Answer) -> dict:
    question, ama = answer.question, answer.question.ama
    content = answer_content(answer)
    note = {
        "@context": CONTEXT, "id": answer.ap_id, "type": "Note", "attributedTo": answer.author.ap_id,
        "inReplyTo": question.ap_id, "content": content, "contentMap": {ama.language: content},
        "url": answer.ap_id, "to": [PUBLIC], "cc": [answer.author.followers_url, question.author.ap_id],
        "published": iso(answer.created_at), "context": urls_ap.context_id(ama),
        "tag": [{"type": "Mention", "href": question.author.ap_id, "name": question.author.handle}],
    }
    if groups.has_group(ama):
        note["audience"] = ama.group.ap_id  # the answer is in the AMA's community too
    if answer.updated_at:
        note["updated"] = iso(answer.updated_at)
    return note


def object_gone(object_id: str) -> bool:
    """An AMA (its note or Page) or an answer deleted here, or a question no longer shown: activities that
    show it answer 410 at their ids (federation.activity_views' gone check)."""
    if Ama.objects.filter(Q(ap_id=object_id) | Q(page_ap_id=object_id), deleted_at__isnull=False).exists():
        return True
    if Answer.objects.filter(ap_id=object_id, deleted_at__isnull=False).exists():
        return True
    question = Question.objects.filter(ap_id=object_id)
    return question.exists() and not question.shown().exists()


def tombstone(ap_id: str, former_type: str = "Note", deleted=None) -> dict:
    return {"@context": AS_CONTEXT, "id": ap_id, "type": "Tombstone", "formerType": former_type,
            "deleted": iso(deleted or timezone.now())}


def reply_authorization(question: Question) -> dict:
    return {"@context": CONTEXT, "id": urls_ap.authorization_id(question), "type": "ReplyAuthorization",
            "attributedTo": question.ama.host.ap_id, "interactingObject": question.ap_id,
            "interactionTarget": question.in_reply_to or question.ama.ap_id}


def answer_audience(answer: Answer) -> list:
    """The asker and everyone who voted on or asked in the question's thread (their servers)."""
    question = answer.question
    voters = [v.actor for v in Vote.objects.filter(question=question).select_related("actor")]
    follow_ups = [q.author for q in Question.objects.shown().filter(parent=question).select_related("author")]
    return [question.author] + voters + follow_ups


# ---- what we send ---------------------------------------------------------------------------------

def _can_sign(actor) -> bool:
    return actor.is_local


def ama_create(ama: Ama) -> dict:
    """The host's Create of the AMA note (also served at its id, rebuilt from the models)."""
    note = ama_note(ama)
    return activity("Create", actor=ama.host.ap_id, obj=note, to=note["to"], cc=note["cc"],
                    ap_id=urls_ap.create_id(ama.ap_id))


def answer_create(answer: Answer) -> dict:
    note = answer_note(answer)
    return activity("Create", actor=answer.author.ap_id, obj=note, to=note["to"], cc=note["cc"],
                    ap_id=urls_ap.create_id(answer.ap_id), **_audience(note))


def _audience(note: dict) -> dict:
    return {"audience": note["audience"]} if "audience" in note else {}


def answer_announce(answer: Answer) -> dict:
    """The author's boost of their answer: Mastodon hides a reply to a stranger from followers' timelines."""
    return activity("Announce", actor=answer.author.ap_id, obj=answer.ap_id, to=[PUBLIC],
                    cc=[answer.author.followers_url, answer.question.author.ap_id],
                    ap_id=answer.announce_ap_id, published=iso(answer.created_at))


def send_ama_created(ama: Ama) -> None:
    groups.send_page_created(ama)
    if _can_sign(ama.host):
        outbox.publish(ama_create(ama), sender=ama.host, to_followers=True)


def send_ama_updated(ama: Ama) -> None:
    groups.send_page_updated(ama)
    if _can_sign(ama.host):
        note = ama_note(ama)
        outbox.publish(activity("Update", actor=ama.host.ap_id, obj=note, to=note["to"], cc=note["cc"]),
                       sender=ama.host, to_followers=True, recipients=_thread_authors(ama))


def send_ama_deleted(ama: Ama) -> None:
    groups.send_page_deleted(ama)
    if _can_sign(ama.host):
        outbox.publish(activity("Delete", actor=ama.host.ap_id, obj=tombstone(ama.ap_id), to=[PUBLIC],
                                cc=[ama.host.followers_url]), sender=ama.host, to_followers=True,
                       recipients=_thread_authors(ama))


def _thread_authors(ama: Ama) -> list:
    return [q.author for q in shown_thread(ama)]


def send_answer_created(answer: Answer) -> None:
    """Create(Note) to followers, the asker and the thread; then an Announce, because Mastodon hides a
    reply to a stranger from the followers' home timelines."""
    groups.send_answer_created(answer)
    if not _can_sign(answer.author):
        return
    outbox.publish(answer_create(answer), sender=answer.author, to_followers=True,
                   recipients=answer_audience(answer))
    outbox.publish(answer_announce(answer), sender=answer.author, to_followers=True,
                   recipients=[answer.question.author])


def send_answer_updated(answer: Answer, *, received: dict | None = None) -> None:
    groups.send_answer_updated(answer, received=received)
    if _can_sign(answer.author):
        note = answer_note(answer)
        outbox.publish(activity("Update", actor=answer.author.ap_id, obj=note, to=note["to"], cc=note["cc"]),
                       sender=answer.author, to_followers=True, recipients=answer_audience(answer))


def send_answer_deleted(answer: Answer, *, received: dict | None = None) -> None:
    groups.send_answer_deleted(answer, received=received)
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
