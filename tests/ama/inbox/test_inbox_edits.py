"""ama/inbox/edits.py: an author's Update and Delete edit or tombstone their question; nobody else's do."""

from ama import services
from ama.models import Question
from federation.models import InboxMessage
from tests.ama.inbox.shapes import note, received


def test_update_by_author_edits_and_returns_to_review(open_ama, remote_actor, deliver_inbox):
    obj = note(remote_actor, open_ama.ap_id)
    question = received(deliver_inbox, remote_actor, obj)
    services.question_approve(question=question)
    edited = dict(obj, content="<p>What data, and how much?</p>")
    update = {"id": obj["id"] + "/update/1", "type": "Update", "actor": remote_actor.ap_id, "object": edited}
    assert deliver_inbox(update).state == InboxMessage.State.PROCESSED
    question.refresh_from_db()
    assert question.is_edited and question.content_text == "What data, and how much?"
    assert question.state == Question.State.PENDING
    assert question.revisions.get().content_text == "What data did you train on?"


def test_update_or_delete_by_someone_else_changes_nothing(open_ama, remote_actor, peer, deliver_inbox):
    from federation.actors import store_remote_actor

    question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    mallory = peer.actor("mallory")
    store_remote_actor(mallory.document())
    delete = {"id": mallory.ap_id + "/delete/1", "type": "Delete", "actor": mallory.ap_id, "object": question.ap_id}
    assert deliver_inbox(delete).state == InboxMessage.State.IGNORED
    question.refresh_from_db()
    assert question.state == Question.State.PENDING and question.content_text


def test_delete_by_author_tombstones_and_answer_stays(open_ama, remote_actor, deliver_inbox):
    question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    services.question_approve(question=question)
    answer = services.answer_publish(question=question, author=open_ama.host, body="Common Crawl.")
    delete = {"id": question.ap_id + "#delete", "type": "Delete", "actor": remote_actor.ap_id,
              "object": {"id": question.ap_id, "type": "Tombstone"}}
    assert deliver_inbox(delete).state == InboxMessage.State.PROCESSED
    question.refresh_from_db()
    assert question.state == Question.State.DELETED and question.content_html == ""
    answer.refresh_from_db()
    assert answer.deleted_at is None
