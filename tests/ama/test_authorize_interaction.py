"""/authorize_interaction?uri=… (the subscribe template in our WebFinger): signed-in users are taken to the
thing, signed-out users sign in first, bad uris get a 400 with the reason."""

import socket
import uuid
from urllib.parse import quote

import pytest

from ama import services
from federation.models import Actor


@pytest.fixture
def signed_in(client, host):
    client.force_login(host.user)
    return client


def authorize(client, uri: str):
    return client.get(f"/authorize_interaction?uri={quote(uri, safe='')}")


@pytest.mark.parametrize("uri, reason", [
    ("", "The uri parameter is required."),
    ("javascript:alert(1)", "must be an http or https URL"),
    ("acct:bob@example.com", "must be an http or https URL"),
    ("http://", "must be an http or https URL"),
    ("https://example.com/" + "a" * 2000, "too long"),
])
def test_a_bad_uri_is_400_with_the_reason(signed_in, uri, reason):
    response = authorize(signed_in, uri)
    assert response.status_code == 400 and reason in response.content.decode()


def test_signed_out_users_sign_in_then_come_back(client, open_ama):
    response = authorize(client, open_ama.ap_id)
    assert response.status_code == 302
    back = f"/authorize_interaction?uri={quote(open_ama.ap_id, safe='')}"
    assert response["Location"] == "/accounts/login/?next=" + quote(back, safe="/")


def test_our_own_object_opens_its_page(signed_in, open_ama):
    response = authorize(signed_in, open_ama.ap_id)
    assert response.status_code == 302 and response["Location"] == open_ama.ap_id
    assert signed_in.get(response["Location"].removeprefix("http://testserver")).status_code == 200


def _question(ama, author: Actor, ap_id: str, *, approve: bool = True):
    question = services.question_receive(ama=ama, author=author, ap_id=ap_id, content_html="<p>Which GPUs?</p>",
                                         in_reply_to=ama.ap_id)
    return services.question_approve(question=question) if approve else question


def test_a_remote_question_we_hold_opens_its_question_page(signed_in, open_ama, remote_actor):
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    question = _question(open_ama, bob, remote_actor.peer.base + "/notes/q1")
    response = authorize(signed_in, question.ap_id)
    assert response.status_code == 302
    assert response["Location"] == f"http://testserver/amas/{open_ama.slug}/questions/{question.pk}"


def test_a_remote_post_found_by_its_fetched_id(signed_in, open_ama, remote_actor, peer):
    """The uri is the post's web address; the document fetched there names the question we hold."""
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    question = _question(open_ama, bob, peer.base + "/notes/q2")
    peer.serve("/@bob/q2", {"id": question.ap_id, "type": "Note", "attributedTo": bob.ap_id})
    peer.serve("/notes/q2", {"id": question.ap_id, "type": "Note", "attributedTo": bob.ap_id})
    response = authorize(signed_in, peer.base + "/@bob/q2")
    assert response.status_code == 302 and response["Location"].endswith(f"/questions/{question.pk}")


def test_a_remote_reply_to_one_of_our_amas_opens_the_ama(signed_in, open_ama, remote_actor, peer):
    url = peer.serve("/notes/r1", {"id": peer.base + "/notes/r1", "type": "Note", "inReplyTo": open_ama.ap_id,
                                   "attributedTo": remote_actor.ap_id})
    response = authorize(signed_in, url)
    assert response.status_code == 302 and response["Location"] == open_ama.ap_id


def test_a_pending_question_is_not_revealed(signed_in, open_ama, remote_actor, peer):
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    question = _question(open_ama, bob, peer.base + "/notes/q3", approve=False)
    peer.serve("/notes/q3", {"id": question.ap_id, "type": "Note", "attributedTo": bob.ap_id})
    response = authorize(signed_in, question.ap_id)
    assert response.status_code == 200 and "only hosts AMAs" in response.content.decode()


def test_anything_else_gets_a_page_saying_what_it_is(signed_in, remote_actor, peer):
    response = authorize(signed_in, remote_actor.ap_id)
    page = response.content.decode()
    assert response.status_code == 200
    assert "It is an ActivityPub Person" in page and "only hosts AMAs" in page


def test_an_unreachable_uri_says_so(signed_in, loopback):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    response = authorize(signed_in, f"http://127.0.0.1:{port}/notes/{uuid.uuid4()}")
    assert response.status_code == 502 and "could not be fetched" in response.content.decode()


def test_private_addresses_are_refused_by_default(signed_in):
    response = authorize(signed_in, "http://127.0.0.1:9/notes/1")
    assert response.status_code == 502 and "could not be fetched" in response.content.decode()


@pytest.mark.parametrize("author", ["javascript:alert(1)", "data:text/html,<script>alert(1)</script>"])
def test_a_hostile_author_is_never_a_link(signed_in, peer, author):
    url = peer.serve("/notes/hostile", {"id": peer.base + "/notes/hostile", "type": "Note", "attributedTo": author})
    page = authorize(signed_in, url).content.decode()
    assert "It is an ActivityPub Note" in page
    assert 'href="javascript:' not in page and 'href="data:' not in page
