"""Questions in the AMA's community (FEP-1b12): the Group keeps its followers' copy of each question in
line with ours. What they were last sent is read back from the Group's outbox, so every change of a
question sends only the difference, and calling `send_question_state` twice sends nothing the second time:

| ours \\ theirs                 | never sent      | shown                    | removed by a moderator      |
|-------------------------------|-----------------|--------------------------|-----------------------------|
| published                     | `Create`        | `Update` if edited since | `Undo(Delete)` (+ `Update`) |
| rejected, hidden, merged      | —               | `Delete` with the reason | —                           |
| pending (an edit under review)| —               | — (keeps the approved)   | —                           |

Lemmy drops an activity whose id it has received before and does not un-remove a comment on a new
`Create`: a removal is undone with `Undo` of the moderator's `Delete` (Lemmy's own restore), never by
announcing the `Create` again. Lemmy has no merge: a merged question is removed like a rejected one, the reason
naming the question it was merged into (Lemmy shows the comment as removed by a moderator, the reason in its
modlog), and the question kept stays as it is.

Like publish_group.py, runs inside the service's transaction."""

from django.db.models import Q

from federation.activities import PUBLIC, activity
from federation.models import OutboxActivity

from ..models import Question
from . import ids
from .documents import LEMMY_CONTEXT, iso, language_properties
from .group import as_received, by_page_author, has_group, received_create
from .publish_group import announce

SHOWING = ("Create", "Update", "Undo")  # the last of these sent leaves the question shown in the community
REMOVED = (Question.State.REJECTED, Question.State.HIDDEN, Question.State.MERGED)


def send_question_state(question: Question, *, new: bool = False) -> None:
    """Send the Group's followers what they lack to see the question as we show it (see the table above).
    `new`: the question was created in this transaction, so the Group never sent anything about it (its
    history, a search through the Group's outbox, is not read)."""
    if not has_group(question.ama):
        return
    sent = [] if new else community_history(question)
    if question.state == Question.State.PUBLISHED:
        _show(question, sent)
    elif question.state in REMOVED and _is_shown(sent):
        _remove(question)


def community_history(question: Question) -> list[dict]:
    """The activities about the question the Group announced, oldest first, each with `sent_at`."""
    ap_id = question.ap_id
    about = (Q(body__object__type__in=["Create", "Update", "Delete"], body__object__object__id=ap_id)
             | Q(body__object__type="Delete", body__object__object=ap_id)
             | Q(body__object__type="Undo", body__object__object__type="Delete",
                 body__object__object__object=ap_id))
    rows = OutboxActivity.objects.filter(about, actor=question.ama.group, activity_type="Announce")
    return [row.body["object"] | {"sent_at": row.created_at} for row in rows.order_by("created_at", "pk")]


def _is_shown(sent: list[dict]) -> bool:
    return bool(sent) and sent[-1]["type"] in SHOWING


def _show(question: Question, sent: list[dict]) -> None:
    if not sent:
        announce(question.ama, question_create(question))
        return
    last = sent[-1]
    if last["type"] == "Delete":
        if last["actor"] == question.author.ap_id:
            return  # its author deleted it: nothing to restore
        announce(question.ama, by_page_author(question.ama, "Undo", _without_sent_at(last)))
    if _edit_not_sent(question, sent):
        announce(question.ama, question_update(question))


def _edit_not_sent(question: Question, sent: list[dict]) -> bool:
    texts = [item["sent_at"] for item in sent if item["type"] in ("Create", "Update")]
    return question.edited_at is not None and (not texts or question.edited_at > texts[-1])


def _without_sent_at(item: dict) -> dict:
    return {key: value for key, value in item.items() if key != "sent_at"}


def _remove(question: Question) -> None:
    """A moderator's removal (Lemmy: a `Delete` by a moderator, the reason in `summary`)."""
    announce(question.ama, by_page_author(question.ama, "Delete", question.ap_id, summary=removal_reason(question)))


def removal_reason(question: Question) -> str:
    if question.state == Question.State.MERGED and question.merged_into_id:
        kept = question.merged_into
        return f"merged into the same question: {kept.url or kept.ap_id}"
    return question.reject_note or (question.get_reject_reason_display() if question.reject_reason
                                    else "hidden by a moderator")


# ---- the question as an activity in the community -------------------------------------------------

def _signed_fits(question: Question) -> bool:
    """The author's own activity can be relayed when their note replied inside the community (not to the
    AMA's Mastodon-side Note, which Lemmy would not place under the Page)."""
    return bool(question.in_reply_to) and question.in_reply_to != question.ama.ap_id


def question_create(question: Question) -> dict:
    """The Create as its author signed it; our rendering when it is gone, did not fit, or carries a text
    edited before the Group first showed it (the text approved is the one shown)."""
    raw = received_create(question)
    if raw and _signed_fits(question) and not question.is_edited:
        return raw
    return _rendered(question, "Create", question.ap_id + "#create")


def question_update(question: Question) -> dict:
    """The author's latest Update as they signed it; our rendering of the edit when it is gone or did not fit."""
    raw = as_received(question.edit_message, "Update", question.ap_id)
    if raw and _signed_fits(question):
        return raw
    stamp = question.edited_at.strftime("%Y%m%dT%H%M%S%f")
    return _rendered(question, "Update", f"{question.ap_id}#update-{stamp}")


def _rendered(question: Question, kind: str, ap_id: str) -> dict:
    note = question_note(question)
    rendered = activity(kind, actor=question.author.ap_id, obj=note, to=[PUBLIC], cc=[question.ama.group.ap_id],
                        audience=question.ama.group.ap_id, ap_id=ap_id)
    rendered["@context"] = LEMMY_CONTEXT  # the note's `language` is Lemmy's term
    return rendered


def question_note(question: Question) -> dict:
    """Our rendering of a question as a comment in the community (used when the original did not reply
    inside it, e.g. a Mastodon reply to the AMA's Note)."""
    ama = question.ama
    parent = question.parent.ap_id if question.parent_id else ama.page_ap_id
    note = {"id": question.ap_id, "type": "Note", "attributedTo": question.author.ap_id, "inReplyTo": parent,
            "content": question.shown_html, "mediaType": "text/html", "to": [PUBLIC],
            "cc": [ama.group.ap_id], "audience": ama.group.ap_id, "url": question.url or question.ap_id,
            "published": iso(question.received_at), "context": ids.context_id(ama),
            **language_properties(question.language, question.shown_html)}
    if question.edited_at:
        note["updated"] = iso(question.edited_at)
    return note
