# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""Follow / Accept / Reject / Undo(Follow) and an actor's self-Delete; a real remote server on loopback
follows a local host over HTTP and receives an Accept whose signature a library we did not write verifies."""

import json

import pytest
import requests
from apsig.draft.verify import Verifier

from federation import delivery_batch, routing
from federation.follows import follow_remote
from federation.models import Actor, Delivery, Follow, InboxMessage, OutboxActivity
from tests.federation.fixtures_inbox import bob, instance_actor, post_as  # noqa: F401  (fixtures)

AS2 = "application/activity+json"


def _process(ap_id: str) -> InboxMessage:
    message = InboxMessage.objects.get(ap_id=ap_id)
    routing.process(message.pk)
    message.refresh_from_db()
    return message


def _follow(follower, followed_ap_id: str, number: int = 1) -> dict:
    return {"@context": "https://www.w3.org/ns/activitystreams", "id": f"{follower.ap_id}/follows/{number}",
            "type": "Follow", "actor": follower.ap_id, "object": followed_ap_id}


# ---- over real HTTP ------------------------------------------------------------------------------

def test_remote_server_follows_over_http_and_receives_a_signed_accept(live_site, peer, host, instance_actor):
    remote = peer.actor("bob")
    follow = _follow(remote, host.ap_id)
    response = peer.post(f"{live_site.url}/users/alice/inbox", follow, as_actor=remote)
    assert response.status_code == 202, response.text
    assert peer.gets == ["/users/bob"]  # our server fetched the follower's actor and key over HTTP

    message = _process(follow["id"])
    assert (message.state, message.result) == (InboxMessage.State.PROCESSED, "follow accepted")
    assert Follow.objects.get(follower__ap_id=remote.ap_id, followed=host).state == Follow.State.ACCEPTED
    accept_delivery = Delivery.objects.get()
    assert accept_delivery.inbox == peer.base + "/inbox"  # the shared inbox is preferred

    assert delivery_batch.attempt(accept_delivery.pk) == Delivery.State.DELIVERED
    [received] = peer.inbox_posts()
    accept = received.json
    assert (accept["type"], accept["actor"], accept["object"]["id"]) == ("Accept", host.ap_id, follow["id"])
    assert accept["object"]["actor"] == remote.ap_id and accept["to"] == [remote.ap_id]

    # The peer's side: fetch our key over HTTP, verify with apsig (not our code).
    actor_doc = requests.get(host.ap_id, headers={"Accept": AS2}, timeout=10).json()
    public_pem = actor_doc["publicKey"]["publicKeyPem"]
    assert actor_doc["publicKey"]["id"] == host.key_id
    verified = Verifier(public_pem, "POST", peer.base + "/inbox", received.headers, received.body).verify(
        raise_on_fail=True)
    assert verified == host.key_id
    signed = received.headers["Signature"]
    assert 'algorithm="rsa-sha256"' in signed and 'headers="(request-target) host date digest' in signed
    with pytest.raises(Exception, match="Digest mismatch"):
        Verifier(public_pem, "POST", peer.base + "/inbox", received.headers, received.body + b" ").verify(
            raise_on_fail=True)


def test_follow_of_a_locked_host_stays_pending_and_sends_nothing(client, bob, host):
    Actor.objects.filter(pk=host.pk).update(manually_approves_followers=True)
    follow = _follow(bob, host.ap_id)
    assert post_as(client, bob, follow).status_code == 202
    assert _process(follow["id"]).result == "follow pending"
    assert Follow.objects.get().state == Follow.State.PENDING and Delivery.objects.count() == 0


def test_repeated_follow_keeps_an_accepted_follow_accepted(client, bob, host):
    Follow.objects.create(follower=Actor.objects.get(ap_id=bob.ap_id), followed=host, state=Follow.State.ACCEPTED)
    Actor.objects.filter(pk=host.pk).update(manually_approves_followers=True)
    follow = _follow(bob, host.ap_id, 2)
    assert post_as(client, bob, follow).status_code == 202
    assert _process(follow["id"]).result == "follow accepted"
    assert Follow.objects.get().state == Follow.State.ACCEPTED and Follow.objects.get().ap_id == follow["id"]
    assert OutboxActivity.objects.get().body["type"] == "Accept"


def test_follow_of_someone_not_here_is_ignored(client, bob, host):
    follow = _follow(bob, "http://elsewhere.example/users/x")
    assert post_as(client, bob, follow).status_code == 202
    assert _process(follow["id"]).state == InboxMessage.State.IGNORED
    assert Follow.objects.count() == 0


def test_undo_follow_removes_it(client, bob, host):
    follow = _follow(bob, host.ap_id)
    post_as(client, bob, follow)
    _process(follow["id"])
    undo = {"id": follow["id"] + "/undo", "type": "Undo", "actor": bob.ap_id, "object": follow}
    assert post_as(client, bob, undo).status_code == 202
    assert _process(undo["id"]).state == InboxMessage.State.PROCESSED
    assert Follow.objects.count() == 0


def test_undo_of_someone_elses_follow_is_ignored(client, bob, host):
    carol = bob.peer.actor("carol")
    from federation.actors import store_remote_actor
    Follow.objects.create(follower=store_remote_actor(carol.document()), followed=host, state=Follow.State.ACCEPTED)
    undo = {"id": bob.ap_id + "/undo/1", "type": "Undo", "actor": bob.ap_id, "object": _follow(carol, host.ap_id)}
    post_as(client, bob, undo)
    assert _process(undo["id"]).state == InboxMessage.State.IGNORED
    assert Follow.objects.get().state == Follow.State.ACCEPTED


# ---- our follows of remote actors ----------------------------------------------------------------

@pytest.fixture
def our_follow(bob, host):
    """alice follows bob: pending, with a Follow delivery to bob's server."""
    follow = follow_remote(follower=host, target_ap_id=bob.ap_id)
    assert follow.state == Follow.State.PENDING
    outbox = OutboxActivity.objects.get(ap_id=follow.ap_id)
    assert outbox.body["type"] == "Follow" and outbox.body["object"] == bob.ap_id
    assert Delivery.objects.get().inbox == bob.peer.base + "/inbox"
    return follow


@pytest.mark.parametrize("embedded", [True, False], ids=["embedded follow", "follow id only"])
def test_accept_of_our_follow(client, bob, our_follow, embedded):
    obj = OutboxActivity.objects.get(ap_id=our_follow.ap_id).body if embedded else our_follow.ap_id
    accept = {"id": bob.ap_id + "/accepts/1", "type": "Accept", "actor": bob.ap_id, "object": obj}
    assert post_as(client, bob, accept).status_code == 202
    assert _process(accept["id"]).result == "follow accepted"
    our_follow.refresh_from_db()
    assert our_follow.state == Follow.State.ACCEPTED


def test_accept_by_someone_else_changes_nothing(client, bob, our_follow):
    from federation.actors import store_remote_actor
    mallory = bob.peer.actor("mallory")
    store_remote_actor(mallory.document())
    accept = {"id": mallory.ap_id + "/accepts/1", "type": "Accept", "actor": mallory.ap_id,
              "object": our_follow.ap_id}
    post_as(client, mallory, accept)
    assert _process(accept["id"]).state == InboxMessage.State.IGNORED
    our_follow.refresh_from_db()
    assert our_follow.state == Follow.State.PENDING


def test_reject_of_our_follow_removes_it(client, bob, our_follow):
    reject = {"id": bob.ap_id + "/rejects/1", "type": "Reject", "actor": bob.ap_id,
              "object": OutboxActivity.objects.get(ap_id=our_follow.ap_id).body}
    assert post_as(client, bob, reject).status_code == 202
    assert _process(reject["id"]).result == "follow rejected"
    assert not Follow.objects.filter(pk=our_follow.pk).exists()


# ---- an actor's self-Delete ----------------------------------------------------------------------

def test_self_delete_purges_follows_both_ways_and_marks_the_actor_gone(client, bob, host, our_follow):
    remote = Actor.objects.get(ap_id=bob.ap_id)
    Follow.objects.create(follower=remote, followed=host, state=Follow.State.ACCEPTED)
    delete = {"id": bob.ap_id + "#delete", "type": "Delete", "actor": bob.ap_id, "object": bob.ap_id,
              "to": ["https://www.w3.org/ns/activitystreams#Public"]}
    assert post_as(client, bob, delete).status_code == 202
    assert _process(delete["id"]).result == "actor deleted"
    assert Follow.objects.count() == 0
    remote.refresh_from_db()
    assert remote.gone_at is not None


def test_delete_of_something_else_does_not_purge_follows(client, bob, host):
    remote = Actor.objects.get(ap_id=bob.ap_id)
    Follow.objects.create(follower=remote, followed=host, state=Follow.State.ACCEPTED)
    delete = {"id": bob.ap_id + "/notes/9#delete", "type": "Delete", "actor": bob.ap_id,
              "object": {"id": bob.ap_id.rsplit("/users/", 1)[0] + "/notes/9", "type": "Tombstone"}}
    assert post_as(client, bob, delete).status_code == 202
    _process(delete["id"])
    assert Follow.objects.count() == 1
    remote.refresh_from_db()
    assert remote.gone_at is None


def test_accept_body_is_what_mastodon_expects(client, bob, host):
    follow = _follow(bob, host.ap_id)
    post_as(client, bob, follow)
    _process(follow["id"])
    accept = OutboxActivity.objects.get().body
    assert accept["@context"] == "https://www.w3.org/ns/activitystreams"
    assert accept["object"] == json.loads(json.dumps(follow))
    assert accept["id"].startswith("http://testserver/activities/")
