"""Direct messages to one fediverse account (a remote host's notifications): a Note addressed only to them,
with a Mention tag, sent by the AMA's Group (or, before it has one, the server's instance actor). Not public."""

from django.utils.html import escape, linebreaks

from federation import actors, outbox
from federation.activities import activity, new_id
from federation.models import Actor

from ..models import Ama
from .group import has_group
from .notes import mention_html


def _sender(ama: Ama) -> Actor:
    return ama.group if has_group(ama) else actors.instance_actor()


def direct_note(sender: Actor, recipient: Actor, text: str) -> dict:
    """A Note only `recipient` may read: to them alone, no cc, no Public, a Mention so their server notifies."""
    content = f"<p>{mention_html(recipient)}</p>{linebreaks(escape(text))}"
    return {"id": new_id("notes"), "type": "Note", "attributedTo": sender.ap_id, "content": content,
            "to": [recipient.ap_id], "cc": [], "sensitive": False,
            "tag": [{"type": "Mention", "href": recipient.ap_id, "name": recipient.handle}]}


def send_direct_message(ama: Ama, recipient: Actor, text: str) -> None:
    """Record the Create and its one delivery to `recipient`'s inbox (enqueued on commit)."""
    sender = _sender(ama)
    note = direct_note(sender, recipient, text)
    outbox.publish(activity("Create", actor=sender.ap_id, obj=note, to=note["to"], cc=[]),
                   sender=sender, recipients=[recipient], public=False)
