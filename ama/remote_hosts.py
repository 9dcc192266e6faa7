"""Hosts on other servers (issue 7): a verified remote host's reply to an approved question is an answer."""

from federation.models import Actor

from .models import Ama, Question


def answer_from_remote_host(*, ama: Ama, actor: Actor, note: dict, parent: Question | None,
                            message=None) -> str | None:
    """When `actor` is a verified remote host of `ama` (a claim proven by its code) replying to an approved
    question, publish the answer (the Group announces it) and return a result; otherwise None (the note is
    treated as a question or follow-up)."""
    if actor.is_local or parent is None:
        return None
    from . import services
    if not services.is_verified_remote_host(ama, actor):
        return None
    from federation.activities import content_and_language
    content, _ = content_and_language(note)
    answer = services.answer_publish(question=parent, author=actor, body="", content_html=content,
                                     ap_id=note["id"], received_message=message)
    return f"answer {answer.pk} from remote host"
