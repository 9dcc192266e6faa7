"""A remote actor's handle is confirmed by WebFinger (Mastodon's reverse lookup): a server whose handles are
on another domain than its actors (web.example serves @bob@example) shows as @bob@example, only when WebFinger
on that domain points back to the actor. Two loopback peers: 127.0.0.1 serves the actors, 127.0.0.2 answers
WebFinger for the handle domain."""

import re

import pytest

from ama import services
from federation.actors import store_remote_actor
from federation.models import Actor
from federation.webfinger import confirm_handle, confirmed_handle_domain
from tests.peer import Peer


@pytest.fixture
def handle_peer(loopback):
    """The handle domain: a second server that answers WebFinger only."""
    server = Peer(host="127.0.0.2")
    yield server
    server.close()


@pytest.fixture
def eager_tasks(monkeypatch):
    monkeypatch.setitem(confirm_handle.app.conf, "task_always_eager", True)


def jrd(subject: str, self_href: str | None) -> dict:
    links = [{"rel": "self", "type": "application/activity+json", "href": self_href}] if self_href else []
    return {"subject": subject, "links": links}


def split_domains(peer, handle_peer, bob, *, points_back=True):
    """The web domain names the handle domain in its subject; the handle domain points back (or not)."""
    peer.jrds[f"acct:bob@{peer.domain}"] = jrd(f"acct:bob@{handle_peer.domain}", bob.ap_id)
    href = bob.ap_id if points_back else peer.base + "/users/mallory"
    handle_peer.jrds[f"acct:bob@{handle_peer.domain}"] = jrd(f"acct:bob@{handle_peer.domain}", href)


def store(bob, django_capture_on_commit_callbacks) -> Actor:
    with django_capture_on_commit_callbacks(execute=True):
        store_remote_actor(bob.document())
    return Actor.objects.get(ap_id=bob.ap_id)


def test_handle_on_another_domain_is_confirmed_when_it_points_back(peer, handle_peer, db, eager_tasks,
                                                                   django_capture_on_commit_callbacks):
    bob = peer.actor("bob")
    split_domains(peer, handle_peer, bob)
    actor = store(bob, django_capture_on_commit_callbacks)
    assert actor.handle == f"@bob@{handle_peer.domain}"
    assert actor.domain == peer.domain  # blocks and signer checks keep using the host of the id


def test_a_lying_subject_is_rejected(peer, handle_peer, db, eager_tasks, django_capture_on_commit_callbacks):
    bob = peer.actor("bob")
    split_domains(peer, handle_peer, bob, points_back=False)
    assert store(bob, django_capture_on_commit_callbacks).handle == f"@bob@{peer.domain}"


def test_a_subject_whose_domain_has_no_webfinger_is_rejected(peer, handle_peer, db):
    bob = peer.actor("bob")
    peer.jrds[f"acct:bob@{peer.domain}"] = jrd(f"acct:bob@{handle_peer.domain}", bob.ap_id)
    assert confirmed_handle_domain(bob.ap_id, "bob", peer.domain) == peer.domain


def test_a_subject_for_another_user_is_rejected(peer, handle_peer, db):
    bob = peer.actor("bob")
    peer.jrds[f"acct:bob@{peer.domain}"] = jrd(f"acct:alice@{handle_peer.domain}", bob.ap_id)
    handle_peer.jrds[f"acct:alice@{handle_peer.domain}"] = jrd(f"acct:alice@{handle_peer.domain}", bob.ap_id)
    assert confirmed_handle_domain(bob.ap_id, "bob", peer.domain) == peer.domain


def test_without_webfinger_the_handle_is_on_the_id_host(peer, db, eager_tasks, django_capture_on_commit_callbacks):
    bob = peer.actor("bob")
    assert store(bob, django_capture_on_commit_callbacks).handle == f"@bob@{peer.domain}"
    assert f"/.well-known/webfinger?resource=acct:bob@{peer.domain}" in peer.gets


def test_webfinger_is_asked_once_a_day_not_at_every_store(peer, handle_peer, db, eager_tasks,
                                                          django_capture_on_commit_callbacks):
    bob = peer.actor("bob")
    split_domains(peer, handle_peer, bob)
    store(bob, django_capture_on_commit_callbacks)
    store(bob, django_capture_on_commit_callbacks)
    assert sum(path.startswith("/.well-known/webfinger") for path in peer.gets) == 1
    assert Actor.objects.get(ap_id=bob.ap_id).handle == f"@bob@{handle_peer.domain}"


def test_the_confirmed_handle_is_used_in_pages_api_and_mentions(client, open_ama, peer, handle_peer, eager_tasks,
                                                                django_capture_on_commit_callbacks):
    bob = peer.actor("bob")
    split_domains(peer, handle_peer, bob)
    author = store(bob, django_capture_on_commit_callbacks)
    handle = f"@bob@{handle_peer.domain}"
    question = services.question_receive(ama=open_ama, author=author, ap_id=peer.base + "/notes/q1",
                                         content_html="<p>Which GPUs?</p>", in_reply_to=open_ama.ap_id)
    services.question_approve(question=question)
    answer = services.answer_publish(question=question, author=open_ama.host, body="Many.")
    from ama.activitypub.notes import answer_note
    assert answer_note(answer)["tag"][0]["name"] == handle
    page = client.get(f"/amas/{open_ama.slug}/questions/{question.pk}").content.decode()
    assert handle in re.sub(r"<[^>]+>", "", page)  # as a reader sees it (the server part is styled apart)
    assert f"@{bob.username}@{peer.domain}" not in re.sub(r"<[^>]+>", "", page)
    listed = client.get(f"/api/amas/{open_ama.slug}/questions/").json()
    assert handle in str(listed)
