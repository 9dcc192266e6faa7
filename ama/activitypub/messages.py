"""Direct messages to one fediverse account (a remote host's notifications): a Note addressed only to them,
with a Mention tag, sent by the AMA's Group (or, before it has one, the server's instance actor). Not public."""

from django.utils.html import escape, format_html_join, linebreaks

from federation import actors, outbox
from federation.activities import activity, new_id
from federation.models import Actor

from ..models import Ama
from .group import has_group
from .notes import mention_html


def _sender(ama: Ama) -> Actor:
    return ama.group if has_group(ama) else actors.instance_actor()


def direct_note(sender: Actor, recipient: Actor, text: str, links=()) -> dict:
    """A Note only `recipient` may read: to them alone, no cc, no Public, a Mention so their server notifies.
    The text is shown as text; each (line, url) of `links` ends it as a paragraph with the URL as a link."""
    linked = format_html_join("", '<p>{}<br><a href="{}">{}</a></p>', ((line, url, url) for line, url in links))
    content = f"<p>{mention_html(recipient)}</p>{linebreaks(escape(text))}{linked}"
    return {"id": new_id("notes"), "type": "Note", "attributedTo": sender.ap_id, "content": content,
            "to": [recipient.ap_id], "cc": [], "sensitive": False,
            "tag": [{"type": "Mention", "href": recipient.ap_id, "name": recipient.handle}]}


def send_direct_message(ama: Ama, recipient: Actor, text: str, links=()) -> None:
    """Record the Create and its one delivery to `recipient`'s inbox (enqueued on commit)."""
    sender = _sender(ama)
    note = direct_note(sender, recipient, text, links)
    outbox.publish(activity("Create", actor=sender.ap_id, obj=note, to=note["to"], cc=[]),
                   sender=sender, recipients=[recipient], public=False)
