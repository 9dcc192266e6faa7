"""ama/inbox/answer_likes.py: a Like of one of our answers, from any server, is "found helpful" (one per actor,
Undo removes it), shown under the answer and pushed live; it never moves the question."""

import pytest

from ama import services
from ama.models import AnswerLike, LiveEvent, Question
from federation.actors import store_remote_actor
from federation.models import InboxMessage
from tests.ama.inbox.shapes import note, received


def like(actor, obj_id: str, n: int = 1) -> dict:
    return {"id": f"{actor.ap_id}/likes/{n}", "type": "Like", "actor": actor.ap_id, "object": obj_id}


def undo(actor, inner, n: int = 1) -> dict:
    return {"id": f"{actor.ap_id}/undo/{n}", "type": "Undo", "actor": actor.ap_id, "object": inner}


@pytest.fixture
def answer(open_ama, remote_actor, deliver_inbox):
    question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    services.question_approve(question=question)
    return services.answer_publish(question=question, author=open_ama.host, body="Mostly open data.")


@pytest.fixture
def carol(peer):
    carol = peer.actor("carol")
    store_remote_actor(carol.document())
    return carol


def test_likes_count_once_per_actor_and_never_move_the_question(client, answer, remote_actor, carol, deliver_inbox):
    for n in (1, 2):  # bob likes twice
        assert deliver_inbox(like(remote_actor, answer.ap_id, n)).state == InboxMessage.State.PROCESSED
    deliver_inbox(like(carol, answer.ap_id))
    answer.refresh_from_db()
    question = Question.objects.get(pk=answer.question_id)
    assert answer.like_count == 2 == AnswerLike.objects.filter(answer=answer).count()
    assert (question.vote_count, question.score) == (0, 0)
    html = client.get(f"/amas/{answer.question.ama.slug}").content.decode()
    assert 'data-likes="2">found helpful by 2</p>' in html
    french = client.get(f"/amas/{answer.question.ama.slug}", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "jugée utile par 2 personnes" in french


def test_undo_removes_it_embedded_or_by_id(answer, remote_actor, carol, deliver_inbox):
    deliver_inbox(like(remote_actor, answer.ap_id))
    deliver_inbox(like(carol, answer.ap_id))
    message = deliver_inbox(undo(remote_actor, like(remote_actor, answer.ap_id)))
    assert message.state == InboxMessage.State.PROCESSED and message.result == "answer like removed"
    deliver_inbox(undo(carol, carol.ap_id + "/likes/1"))  # Mastodon-style: the Like named by its id alone
    answer.refresh_from_db()
    assert answer.like_count == 0 and not AnswerLike.objects.exists()


def test_a_page_without_likes_shows_no_line(client, answer):
    html = client.get(f"/amas/{answer.question.ama.slug}").content.decode()
    assert 'data-likes="0" hidden>' in html


def test_each_change_is_a_live_event_with_the_label(answer, remote_actor, deliver_inbox):
    deliver_inbox(like(remote_actor, answer.ap_id))
    event = LiveEvent.objects.filter(kind="answer_likes_changed").order_by("-seq").first()
    assert event.payload["answer_id"] == answer.pk and event.payload["like_count"] == 1
    assert event.payload["label"] == "found helpful by 1"
    assert event.payload["localized"]["fr"]["label"] == "jugée utile par 1 personne"


def test_a_like_of_a_deleted_answer_is_not_recorded(answer, remote_actor, deliver_inbox):
    services.answer_delete(answer=answer)
    message = deliver_inbox(like(remote_actor, answer.ap_id))
    assert message.state != InboxMessage.State.FAILED and not AnswerLike.objects.exists()
