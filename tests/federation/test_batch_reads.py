"""Reads taken once per inbox batch (federation.caches.once_per_batch), and what makes them read again; the
outbox's one-statement insert when an activity is published again."""

import pytest

from federation import caches, domain_policy, outbox
from federation.models import Actor, Delivery, DomainBlock, Follow, OutboxActivity

pytestmark = pytest.mark.django_db


def counting():
    calls = []

    def read():
        calls.append(1)
        return len(calls)
    return calls, read


def test_a_read_is_taken_once_per_batch_and_every_time_outside_one():
    calls, read = counting()
    assert [caches.once_per_batch(("k",), read) for _ in range(2)] == [1, 2]
    with caches.batch_reads():
        assert [caches.once_per_batch(("k",), read) for _ in range(3)] == [3, 3, 3]
        assert caches.once_per_batch(("other",), read) == 4
    with caches.batch_reads():
        assert caches.once_per_batch(("k",), read) == 5  # a new batch reads again
    assert len(calls) == 5


def test_a_block_made_during_a_batch_holds_for_its_next_rows():
    with caches.batch_reads():
        assert not domain_policy.is_suspended("spam.example")
        DomainBlock.objects.create(domain="spam.example", severity=DomainBlock.Severity.SUSPEND)
        assert domain_policy.is_suspended("spam.example")
        assert outbox.deliverable({"https://spam.example/inbox", "https://fine.example/inbox"}) == [
            "https://fine.example/inbox"]


def test_a_follow_accepted_during_a_batch_is_among_the_next_rows_recipients(host):
    with caches.batch_reads():
        assert outbox.follower_inboxes(host) == frozenset()
        bob = Actor.objects.create(ap_id="https://peer.example/users/bob", username="bob", domain="peer.example",
                                   inbox="https://peer.example/users/bob/inbox", shared_inbox="https://peer.example/inbox")
        Follow.objects.create(follower=bob, followed=host, state=Follow.State.ACCEPTED)
        assert outbox.follower_inboxes(host) == {"https://peer.example/inbox"}


def test_publishing_an_activity_again_keeps_its_first_row_and_adds_only_the_inboxes_it_lacked(host):
    first, second = (Actor.objects.create(ap_id=f"https://{name}.example/users/u", username="u",
                                          domain=f"{name}.example", inbox=f"https://{name}.example/inbox")
                     for name in ("one", "two"))
    activity = {"id": "http://testserver/activities/fixed", "type": "Announce", "actor": host.ap_id,
                "object": "https://one.example/notes/1"}
    stored = outbox.publish(activity, sender=host, recipients=[first])
    again = outbox.publish({**activity, "object": "https://changed.example/notes/9"}, sender=host,
                           recipients=[first, second])
    assert again.pk == stored.pk and OutboxActivity.objects.count() == 1
    assert OutboxActivity.objects.get().body["object"] == "https://one.example/notes/1"  # the first one kept
    assert sorted(Delivery.objects.filter(activity=stored).values_list("inbox", flat=True)) == [
        "https://one.example/inbox", "https://two.example/inbox"]


def test_a_read_for_senders_is_taken_once_for_all_of_them_and_alone_for_anyone_else():
    asked = []

    def read(actor_ids):
        asked.append(sorted(actor_ids))
        return {actor_id: actor_id * 10 for actor_id in actor_ids}
    assert caches.once_per_batch_for_senders(("k",), 1, read) == {1: 10}  # outside a batch: alone
    with caches.batch_reads([1, 2, 3]):
        assert caches.once_per_batch_for_senders(("k",), 1, read)[1] == 10
        assert caches.once_per_batch_for_senders(("k",), 3, read)[3] == 30
        assert caches.once_per_batch_for_senders(("k",), 9, read) == {9: 90}  # sent none of the batch's rows
        assert caches.once_per_batch_for_senders(("k",), 9, read) == {9: 90}
        caches.in_batch(("k",))[2] = 21  # a row adds to what was read: the next rows see it
        assert caches.once_per_batch_for_senders(("k",), 2, read)[2] == 21
        assert caches.batch_senders() == {1, 2, 3}
    assert caches.batch_senders() == frozenset() and caches.in_batch(("k",)) is None
    assert asked == [[1], [1, 2, 3], [9], [9]]


def test_reads_for_senders_are_forgotten_when_a_follow_is_saved(host):
    asked = []

    def read(actor_ids):
        asked.append(1)
        return {}
    with caches.batch_reads([host.pk]):
        caches.once_per_batch_for_senders(("k",), host.pk, read)
        caches.once_per_batch_for_senders(("k",), host.pk, read)
        bob = Actor.objects.create(ap_id="https://peer.example/users/bob", username="bob", domain="peer.example",
                                   inbox="https://peer.example/users/bob/inbox")
        Follow.objects.create(follower=bob, followed=host, state=Follow.State.ACCEPTED)
        caches.once_per_batch_for_senders(("k",), host.pk, read)
    assert len(asked) == 2
