"""Inbound shapes from real fediverse software, for the tests of ama/inbox/: a note, its Create, delivered."""

import uuid

from ama.models import Question
from federation.models import InboxMessage

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def note(bob, in_reply_to, content="<p>What data did you train on?</p>", **extra):
    body = {"id": f"{bob.peer.base}/notes/{uuid.uuid4()}", "type": "Note", "attributedTo": bob.ap_id,
            "inReplyTo": in_reply_to, "content": content, "to": [PUBLIC], "cc": [bob.ap_id + "/followers"]}
    body.update(extra)
    return body


def create(bob, obj):
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": obj["id"] + "/activity",
            "type": "Create", "actor": bob.ap_id, "object": obj, "to": obj.get("to", [PUBLIC])}


def received(deliver_inbox, bob, obj) -> Question:
    message = deliver_inbox(create(bob, obj))
    assert message.state == InboxMessage.State.PROCESSED, (message.result, message.error)
    return Question.objects.get(ap_id=obj["id"])
