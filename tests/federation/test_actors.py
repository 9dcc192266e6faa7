# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""Actors: local ones and their keys, the instance actor, the cache of remote actors and their keys."""

from datetime import timedelta

import pytest
from django.utils import timezone

from federation import actors
from federation.actors import ActorError, actor_for_key, resolve_actor, store_remote_actor
from federation.models import Actor
from tests.federation.fixtures_inbox import instance_actor  # noqa: F401  (fixture)


def test_local_actor_urls_and_deferred_keys(db, django_capture_on_commit_callbacks, monkeypatch):
    from federation import keys
    sent = []
    monkeypatch.setattr(keys.generate_actor_keys, "delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        actor = actors.create_local_actor(username="dana", generate_keys_now=False)
    assert (actor.ap_id, actor.inbox, actor.shared_inbox, actor.key_id, actor.domain) == (
        "http://testserver/users/dana", "http://testserver/users/dana/inbox", "http://testserver/inbox",
        "http://testserver/users/dana#main-key", "testserver")
    assert actor.private_key_pem == "" and sent == [actor.pk]  # generated off the request path


def test_keys_are_rsa_2048_and_generated_once(db):
    from cryptography.hazmat.primitives.serialization import load_pem_public_key
    actor = actors.create_local_actor(username="erin", generate_keys_now=False)
    actors.ensure_keys(actor)
    first = actor.public_key_pem
    assert load_pem_public_key(first.encode()).key_size == 2048
    actors.ensure_keys(Actor.objects.get(pk=actor.pk))
    assert Actor.objects.get(pk=actor.pk).public_key_pem == first


def test_instance_actor_is_one_application_named_after_the_domain(instance_actor):
    again = actors.instance_actor()
    assert again.pk == instance_actor.pk and Actor.objects.filter(actor_type="Application").count() == 1
    assert (again.ap_id, again.username, again.actor_type) == ("http://testserver/actor", "testserver",
                                                              "Application")


def test_key_fetches_are_signed_by_the_instance_actor(peer, db, instance_actor):
    from federation import signatures
    seen = []
    original = peer.server.RequestHandlerClass.do_GET

    def recording(handler):
        seen.append(dict(handler.headers.items()))
        return original(handler)
    peer.server.RequestHandlerClass.do_GET = recording
    peer.actor("bob")
    resolve_actor(peer.base + "/users/bob")
    info = signatures.signature_info(seen[0])
    assert info.key_id == instance_actor.key_id
    signatures.verify_request(method="GET", path="/users/bob", query="", headers=seen[0], body=b"",
                              public_key_pem=instance_actor.public_key_pem)


def test_remote_actor_is_fetched_once_then_cached(peer, db, instance_actor):
    bob = peer.actor("bob", extra={"icon": {"type": "Image", "url": peer.base + "/bob.png"}, "summary": "hi"})
    actor = resolve_actor(bob.ap_id)
    assert (actor.username, actor.display_name, actor.inbox, actor.shared_inbox, actor.key_id, actor.icon_url,
            actor.summary) == ("bob", "Bob", bob.ap_id + "/inbox", peer.base + "/inbox", bob.key_id,
                               peer.base + "/bob.png", "hi")
    assert actor.public_key_pem == peer.public_pem and actor.fetched_at is not None
    resolve_actor(bob.ap_id)
    assert peer.gets == ["/users/bob"]
    resolve_actor(bob.ap_id, refresh=True)
    assert peer.gets == ["/users/bob", "/users/bob"]


def test_stale_cache_is_refreshed_and_kept_when_the_server_is_down(peer, db, instance_actor):
    bob = peer.actor("bob")
    actor = resolve_actor(bob.ap_id)
    Actor.objects.filter(pk=actor.pk).update(fetched_at=timezone.now() - timedelta(days=2))
    del peer.actors["bob"]
    assert resolve_actor(bob.ap_id).pk == actor.pk  # stale but better than nothing
    with pytest.raises(ActorError):
        resolve_actor(bob.ap_id, refresh=True)


@pytest.mark.parametrize("change, reason", [
    ({"type": "Note"}, "not an actor"),
    ({"inbox": None}, "no inbox"),
    ({"id": "urn:x"}, "no usable id"),
    ({"publicKey": {"id": "http://other.example/k", "owner": "{id}", "publicKeyPem": "x"}}, "another host"),
    ({"publicKey": {"id": "{id}#k", "owner": "http://other.example/u", "publicKeyPem": "x"}}, "someone else"),
])
def test_unacceptable_actor_documents(db, change, reason):
    document = {"id": "http://remote.example/users/x", "type": "Person", "inbox": "http://remote.example/i"}
    for name, value in change.items():
        if isinstance(value, dict):
            value = {k: v.format(id=document["id"]) for k, v in value.items()}
        document[name] = value
    with pytest.raises(ActorError, match=reason):
        store_remote_actor(document)
    assert Actor.objects.count() == 0


def test_a_remote_document_cannot_claim_one_of_our_actors(db):
    with pytest.raises(ActorError, match="one of our actors"):
        store_remote_actor({"id": "http://testserver/users/alice", "type": "Person", "inbox": "http://x/i"})


def test_expected_id_must_match(db):
    with pytest.raises(ActorError, match="not the one asked for"):
        store_remote_actor({"id": "http://remote.example/users/x", "type": "Person", "inbox": "http://r/i"},
                           expected_id="http://remote.example/users/y")


def test_actor_for_key_uses_the_cache_and_refreshes_on_request(remote_actor, instance_actor):
    assert actor_for_key(remote_actor.key_id).ap_id == remote_actor.ap_id
    assert remote_actor.peer.gets == []
    assert actor_for_key(remote_actor.key_id, refresh=True).ap_id == remote_actor.ap_id
    assert remote_actor.peer.gets == ["/users/bob"]


def test_key_staleness_and_gone(remote_actor):
    actor = Actor.objects.get(ap_id=remote_actor.ap_id)
    assert not actors.key_is_stale(actor)
    actor.fetched_at = timezone.now() - timedelta(minutes=11)
    assert actors.key_is_stale(actor)
    actors.mark_gone(actor.ap_id)
    assert Actor.objects.get(pk=actor.pk).gone_at is not None
