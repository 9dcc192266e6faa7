"""Inbound shapes from real fediverse software become questions, edits, tombstones and votes."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from ama import services
from ama.models import Ama, Question, Vote
from federation.models import Delivery, InboxMessage

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


def test_mastodon_reply_is_a_pending_question_sanitized(open_ama, remote_actor, deliver_inbox):
    obj = note(remote_actor, open_ama.ap_id,
               content='<p>Hi <script>alert(1)</script><a href="javascript:x()" onclick="y()">link</a></p>',
               contentMap={"en": "<p>Hi</p>"})
    question = received(deliver_inbox, remote_actor, obj)
    assert question.state == Question.State.PENDING
    assert question.ama == open_ama and question.author.ap_id == remote_actor.ap_id
    assert "script" not in question.content_html and "javascript" not in question.content_html
    assert "onclick" not in question.content_html and "link" in question.content_text
    assert not Question.objects.shown().exists()


def test_misskey_reply_uses_misskey_content_when_content_missing(open_ama, remote_actor, deliver_inbox):
    obj = note(remote_actor, open_ama.ap_id, content=None, _misskey_content="Quel GPU ?")
    obj.pop("content")
    question = received(deliver_inbox, remote_actor, obj)
    assert question.content_text == "Quel GPU ?"


def test_content_map_gives_language(open_ama, remote_actor, deliver_inbox):
    obj = note(remote_actor, open_ama.ap_id, contentMap={"fr": "<p>Bonjour</p>"})
    obj.pop("content")
    question = received(deliver_inbox, remote_actor, obj)
    assert (question.language, question.content_text) == ("fr", "Bonjour")


def test_lemmy_comment_with_audience(open_ama, remote_actor, deliver_inbox):
    obj = note(remote_actor, open_ama.ap_id, audience=remote_actor.peer.base + "/c/ama", distinguished=False)
    assert received(deliver_inbox, remote_actor, obj).state == Question.State.PENDING


def test_pleroma_reply_with_singleton_to(open_ama, remote_actor, deliver_inbox):
    obj = note(remote_actor, open_ama.ap_id, to=PUBLIC, cc=open_ama.host.ap_id)
    assert received(deliver_inbox, remote_actor, obj).state == Question.State.PENDING


def test_gotosocial_reply_request_then_approval_accepts_the_request(open_ama, remote_actor, deliver_inbox):
    reply = note(remote_actor, open_ama.ap_id)
    request = {"id": remote_actor.ap_id + "/reply-requests/1", "type": "ReplyRequest", "actor": remote_actor.ap_id,
               "object": open_ama.ap_id, "instrument": reply}
    message = deliver_inbox(request)
    assert message.state == InboxMessage.State.PROCESSED, message.error
    question = Question.objects.get(ap_id=reply["id"])
    assert question.state == Question.State.PENDING
    services.question_approve(question=question)
    accept = Delivery.objects.get(activity__activity_type="Accept").activity.body
    assert accept["object"] == question.ap_id and accept["target"] == open_ama.ap_id
    assert accept["result"].endswith(f"/authorizations/{question.pk}")


def test_mention_while_open_is_a_question_and_without_open_ama_is_ignored(open_ama, remote_actor, deliver_inbox):
    tag = [{"type": "Mention", "href": open_ama.host.ap_id, "name": "@alice"}]
    obj = note(remote_actor, None, tag=tag)
    assert received(deliver_inbox, remote_actor, obj).ama == open_ama
    services.ama_close(ama=open_ama)
    services.ama_advance_states(now=timezone.now() + timedelta(days=60))
    later = note(remote_actor, None, tag=tag)
    message = deliver_inbox(create(remote_actor, later))
    assert message.state == InboxMessage.State.IGNORED
    assert not Question.objects.filter(ap_id=later["id"]).exists()


def test_reply_after_the_end_is_kept_late_and_hidden(open_ama, remote_actor, deliver_inbox):
    services.ama_close(ama=open_ama)
    open_ama.refresh_from_db()
    assert open_ama.state == Ama.State.ENDED
    question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    assert question.is_late
    services.question_approve(question=question)
    assert not Question.objects.shown().filter(pk=question.pk).exists()


def test_reply_to_an_approved_question_is_a_follow_up(open_ama, remote_actor, deliver_inbox):
    first = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    services.question_approve(question=first)
    follow_up = received(deliver_inbox, remote_actor, note(remote_actor, first.ap_id))
    assert follow_up.parent == first and follow_up.ama == open_ama


def test_reply_to_a_pending_question_is_not_a_follow_up(open_ama, remote_actor, deliver_inbox):
    first = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    message = deliver_inbox(create(remote_actor, note(remote_actor, first.ap_id)))
    assert message.state == InboxMessage.State.IGNORED


def test_post_moderation_holds_first_question_then_shows(open_ama, remote_actor, deliver_inbox):
    services.ama_update(ama=open_ama, moderation_mode=Ama.Moderation.POST)
    first = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    assert (first.state, first.held_by) == (Question.State.PENDING, "first question from a new actor")
    second = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    assert second.state == Question.State.PUBLISHED
    assert Question.objects.shown().filter(pk=second.pk).exists()


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


def like(bob, question, n=1, kind="Like"):
    return {"id": f"{bob.ap_id}/likes/{n}", "type": kind, "actor": bob.ap_id, "object": question.ap_id}


def test_votes_count_once_per_actor_and_undo_removes(open_ama, remote_actor, deliver_inbox):
    question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    services.question_approve(question=question)
    deliver_inbox(like(remote_actor, question, 1))
    deliver_inbox(like(remote_actor, question, 2))  # a second Like by the same actor
    question.refresh_from_db()
    assert question.vote_count == 1 and Vote.objects.count() == 1
    undo = {"id": remote_actor.ap_id + "/undo/1", "type": "Undo", "actor": remote_actor.ap_id,
            "object": like(remote_actor, question, 2)}
    assert deliver_inbox(undo).state == InboxMessage.State.PROCESSED
    question.refresh_from_db()
    assert question.vote_count == 0 and not Vote.objects.exists()


def test_dislike_counts_only_when_downvotes_allowed(open_ama, remote_actor, peer, deliver_inbox):
    from federation.actors import store_remote_actor

    question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    services.question_approve(question=question)
    carol = peer.actor("carol")
    store_remote_actor(carol.document())
    deliver_inbox(like(remote_actor, question, 1))
    deliver_inbox(like(carol, question, 1, kind="Dislike"))
    question.refresh_from_db()
    assert question.vote_count == 1 and Vote.objects.count() == 2
    services.ama_update(ama=open_ama, allow_downvotes=True)
    deliver_inbox(like(carol, question, 2, kind="Like"))
    deliver_inbox(like(carol, question, 3, kind="Dislike"))
    question.refresh_from_db()
    assert question.vote_count == 0


def test_like_of_a_pending_question_is_ignored(open_ama, remote_actor, deliver_inbox):
    question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    assert deliver_inbox(like(remote_actor, question)).state == InboxMessage.State.IGNORED
    assert not Vote.objects.exists()


def test_embedded_note_attributed_to_another_host_is_fetched_not_believed(open_ama, remote_actor, deliver_inbox):
    forged = note(remote_actor, open_ama.ap_id, attributedTo="https://victim.invalid/users/carol")
    forged["id"] = "https://victim.invalid/notes/1"
    message = deliver_inbox(create(remote_actor, forged) | {"id": remote_actor.ap_id + "/create/x"})
    assert message.state in (InboxMessage.State.IGNORED, InboxMessage.State.FAILED)
    assert not Question.objects.exists()


@pytest.mark.parametrize("state", [Ama.State.DRAFT])
def test_reply_to_a_draft_is_ignored(host, remote_actor, deliver_inbox, state):
    now = timezone.now()
    draft = services.ama_create(host=host, title="Draft", opens_at=now, closes_at=now + timedelta(hours=1))
    message = deliver_inbox(create(remote_actor, note(remote_actor, draft.ap_id)))
    assert message.state == InboxMessage.State.IGNORED


def test_follow_up_to_a_locked_thread_is_ignored_and_stored_as_such(open_ama, remote_actor, deliver_inbox):
    first = services.question_approve(question=received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id)))
    services.question_lock(question=first)
    follow_up = note(remote_actor, first.ap_id, content="<p>And the licence?</p>")
    message = deliver_inbox(create(remote_actor, follow_up))
    assert (message.state, message.result) == (InboxMessage.State.IGNORED, "thread locked")
    assert not Question.objects.filter(ap_id=follow_up["id"]).exists()
    services.question_lock(question=first, locked=False)
    assert received(deliver_inbox, remote_actor, note(remote_actor, first.ap_id)).parent == first
