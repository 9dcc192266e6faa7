"""Hosts on other servers (issue 7): a named account proves its claim by posting the code, and a verified
remote host's reply to an approved question is an answer."""

from federation.activities import content_and_language, id_of
from federation.models import Actor
from federation.routing import Incoming

from .. import services
from ..models import Ama, Question


def on_claim_code(incoming: Incoming) -> str | None:
    """A post carrying a claim code from the claimed account verifies it (it is not also a question)."""
    if incoming.actor.is_local or not services.remote_hosts.has_waiting_claim(incoming.actor):
        return None
    note = incoming.trusted_object()
    if id_of(note.get("attributedTo")) not in (None, incoming.actor.ap_id):
        return None
    content, _ = content_and_language(note)
    claims = services.remote_host_claim_verify(actor=incoming.actor, content_html=content,
                                               evidence_ap_id=note.get("id", ""))
    if not claims:
        return None
    return "remote host verified for " + ", ".join(claim.ama.slug for claim in claims)


def answer_from_remote_host(*, ama: Ama, actor: Actor, note: dict, parent: Question | None,
                            message=None) -> str | None:
    """When `actor` is a verified remote host of `ama` (a claim proven by its code) replying to an approved
    question, publish the answer (the Group announces it) and return a result; otherwise None (the note is
    treated as a question or follow-up)."""
    if actor.is_local or parent is None:
        return None
    if not services.is_verified_remote_host(ama, actor):
        return None
    content, _ = content_and_language(note)
    answer = services.answer_publish(question=parent, author=actor, body="", content_html=content,
                                     ap_id=note["id"], received_message=message)
    return f"answer {answer.pk} from remote host"
