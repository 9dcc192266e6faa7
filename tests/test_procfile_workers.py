"""`make run`'s workers, started from the Procfile as honcho starts them: incoming activities are the inbox
worker's (processes: their work is CPU), and the delivery worker (threads) leaves them alone."""

import json

import pytest

from ama import services
from ama.models import Question
from federation import inbox
from federation.models import InboxMessage
from tests.ama.inbox.shapes import note, received
from tests.workers import Worker, purge_broker, wait_for

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


def _likes(question, voters) -> list[int]:
    """Likes stored as the inbox stores them (the web process's part), the workers woken."""
    ids = []
    for voter in voters:
        activity = {"id": f"{voter.ap_id}/likes/procfile", "type": "Like", "actor": voter.ap_id,
                    "object": question.ap_id}
        ids.append(inbox.store(json.dumps(activity), ap_id=activity["id"], kind="Like", actor_id=voter.ap_id,
                               key_id=voter.ap_id + "#main-key", via="test"))
    inbox.wake_workers()
    return ids


def _states(ids) -> list[str]:
    return list(InboxMessage.objects.filter(pk__in=ids).values_list("state", flat=True))


def test_the_inbox_worker_processes_likes_and_the_delivery_worker_does_not(open_ama, remote_actor, peer,
                                                                         deliver_inbox):
    from federation.actors import store_remote_actor

    question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id))
    services.question_approve(question=question)
    voters = [remote_actor] + [store_remote_actor(peer.actor(f"voter{n}").document()) for n in range(5)]
    purge_broker()
    deliveries = Worker.from_procfile("worker").start()
    try:
        ids = _likes(question, voters)
        assert not wait_for(lambda: InboxMessage.State.QUEUED not in _states(ids), timeout=3), _states(ids)
        processes = Worker.from_procfile("inbox").start()
        try:
            assert wait_for(lambda: set(_states(ids)) == {InboxMessage.State.PROCESSED}, timeout=30), (
                _states(ids), processes.log.read_text()[-3000:])
        finally:
            processes.stop()
    finally:
        deliveries.stop()
    assert Question.objects.get(pk=question.pk).vote_count == len(voters)
    assert processes.command[processes.command.index("-P") + 1] == "prefork"
