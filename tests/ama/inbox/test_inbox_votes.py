"""ama/inbox/votes.py: Like, Dislike and their Undo are votes, counted once per actor."""

from ama import services
from ama.models import Vote
from federation.models import InboxMessage
from tests.ama.inbox.shapes import note, received


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
