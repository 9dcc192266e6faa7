"""ama/inbox/questions.py: replies and mentions from real fediverse software become questions and follow-ups."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ama import services
from ama.models import Ama, Question
from federation.models import Delivery, InboxMessage
from tests.ama.inbox.shapes import PUBLIC, create, note, received


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


def test_embedded_note_attributed_to_another_host_is_fetched_not_believed(open_ama, remote_actor, deliver_inbox):
    forged = note(remote_actor, open_ama.ap_id, attributedTo="https://victim.invalid/users/carol")
    forged["id"] = "https://victim.invalid/notes/1"
    message = deliver_inbox(create(remote_actor, forged) | {"id": remote_actor.ap_id + "/create/x"})
    # fetched from its own host (which cannot be reached: the message waits to be tried again), not believed
    assert message.state == InboxMessage.State.RETRYING and "https://victim.invalid/notes/1" in message.error
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
