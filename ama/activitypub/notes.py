"""The AMA and its answers as Notes (what Mastodon-side servers see), the host's Create and the answers'
Create and Announce, and GoToSocial's reply control. Pure functions of the models: sending is publish.py."""

from django.utils.html import escape

from federation.activities import PUBLIC, activity
from federation.safe_urls import http_url

from ..models import Ama, Answer, Question
from . import group, ids, replies
from .documents import CONTEXT, iso, language_properties
from .placements import placement_of


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


def ama_note(ama: Ama) -> dict:
    """The AMA as a Note; the title is its first line, never `name` (Mastodon-API servers such as Takahē
    read a Note's `name` as a content warning). Only the Group's Page carries `name`."""
    replies_document = replies.replies_collection(ama, None)
    replies_document["first"] = replies.replies_collection(ama, "1") if replies_document["totalItems"] else {
        "type": "OrderedCollectionPage", "partOf": ids.replies_id(ama), "orderedItems": []}
    content = f"<p><strong>{escape(ama.title)}</strong></p>{ama.intro_html}"
    note = {
        "@context": CONTEXT, "id": ama.ap_id, "type": "Note", "attributedTo": ama.host.ap_id, "content": content,
        **language_properties(ama.language, content), "url": ama.ap_id, "to": [PUBLIC], "cc": [ama.host.followers_url],
        "published": iso(ama.published_at), "startTime": iso(ama.opens_at), "endTime": iso(ama.closes_at),
        "replies": replies_document, "context": ids.context_id(ama), "interactionPolicy": interaction_policy(ama),
        "sensitive": False, "tag": [],
    }
    if ama.updated_at:
        note["updated"] = iso(ama.updated_at)
    return note


def mention_html(actor) -> str:
    href = http_url(actor.url) or actor.ap_id
    return (f'<span class="h-card"><a href="{escape(href)}" class="u-url mention">@<span>'
            f'{escape(actor.username)}</span></a></span>')


def answer_content(answer: Answer) -> str:
    question = answer.question
    excerpt = question.content_text[:200] + ("…" if len(question.content_text) > 200 else "")
    link = http_url(question.url) or question.ap_id
    quote = (f'<blockquote><p>{escape(excerpt)}</p><p><a href="{escape(link)}">'
             f'{escape(question.author.handle)}</a></p></blockquote>')
    return f"{quote}<p>{mention_html(question.author)}</p>{answer.content_html}"


def answer_note(answer: Answer) -> dict:
    question, ama = answer.question, answer.question.ama
    content = answer_content(answer)
    note = {
        "@context": CONTEXT, "id": answer.ap_id, "type": "Note", "attributedTo": answer.author.ap_id,
        "inReplyTo": question.ap_id, "content": content, **language_properties(ama.language, content),
        "url": answer.ap_id, "to": [PUBLIC], "cc": [answer.author.followers_url, question.author.ap_id],
        "published": iso(answer.created_at), "context": ids.context_id(ama),
        "tag": [{"type": "Mention", "href": question.author.ap_id, "name": question.author.handle}],
    }
    placement = placement_of(question)
    if placement is not None:  # asked in a community elsewhere: the answer is a comment there (Lemmy's shape)
        note["audience"] = placement.community.ap_id
        note["cc"].append(placement.community.ap_id)
    elif group.has_group(ama):
        note["audience"] = ama.group.ap_id  # the answer is in the AMA's community too
    if answer.updated_at:
        note["updated"] = iso(answer.updated_at)
    return note


def reply_authorization(question: Question) -> dict:
    return {"@context": CONTEXT, "id": ids.authorization_id(question), "type": "ReplyAuthorization",
            "attributedTo": question.ama.host.ap_id, "interactingObject": question.ap_id,
            "interactionTarget": question.in_reply_to or question.ama.ap_id}


def ama_create(ama: Ama) -> dict:
    """The host's Create of the AMA note (also served at its id, rebuilt from the models)."""
    note = ama_note(ama)
    return activity("Create", actor=ama.host.ap_id, obj=note, to=note["to"], cc=note["cc"],
                    ap_id=ids.create_id(ama.ap_id))


def answer_create(answer: Answer) -> dict:
    note = answer_note(answer)
    audience = {"audience": note["audience"]} if "audience" in note else {}
    return activity("Create", actor=answer.author.ap_id, obj=note, to=note["to"], cc=note["cc"],
                    ap_id=ids.create_id(answer.ap_id), **audience)


def answer_announce(answer: Answer) -> dict:
    """The author's boost of their answer: Mastodon hides a reply to a stranger from followers' timelines."""
    return activity("Announce", actor=answer.author.ap_id, obj=answer.ap_id, to=[PUBLIC],
                    cc=[answer.author.followers_url, answer.question.author.ap_id],
                    ap_id=answer.announce_ap_id, published=iso(answer.created_at))
