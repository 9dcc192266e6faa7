"""The "vote from your account" box on every question: the visitor's handle leads to their own server's page
for liking the question (FEP-3b86 Like intent, else the OStatus subscribe template, else authorize_interaction);
bad handles and unreachable servers get a form error on the question's page."""

from urllib.parse import parse_qs, urlsplit

import pytest

from ama import services
from federation.actors import store_remote_actor

LIKE_INTENT = "https://w3id.org/fep/3b86/Like"
OSTATUS = "http://ostatus.org/schema/1.0/subscribe"


@pytest.fixture
def question(open_ama):
    author = store_remote_actor({"id": "https://mastodon.example/users/carol", "type": "Person",
                                 "preferredUsername": "carol", "inbox": "https://mastodon.example/inbox"})
    received = services.question_receive(ama=open_ama, author=author, ap_id="https://mastodon.example/notes/77",
                                         content_html="<p>Vote for me?</p>", in_reply_to=open_ama.ap_id)
    return services.question_approve(question=received)


def vote_box(client, question, handle):
    return client.post(f"/amas/{question.ama.slug}/questions/{question.pk}/vote-from-account", {"handle": handle})


def webfinger(peer, *links):
    peer.jrds[f"acct:bob@{peer.domain}"] = {"subject": f"acct:bob@{peer.domain}", "links": list(links)}


def test_every_question_offers_the_box_to_visitors_without_an_account(client, question):
    html = client.get(f"/amas/{question.ama.slug}").content.decode()
    assert f'action="/amas/{question.ama.slug}/questions/{question.pk}/vote-from-account"' in html
    assert "Vote from your account" in html and "data-remember-handle" in html and "ama/handle.js" in html
    permalink = client.get(f"/amas/{question.ama.slug}/questions/{question.pk}").content.decode()
    assert "vote-from-account" in permalink and "ama/handle.js" in permalink


def test_signed_in_users_vote_here_instead(client, host, question):
    client.login(username="alice", password="correct-horse-battery")
    assert "vote-from-account" not in client.get(f"/amas/{question.ama.slug}").content.decode()


def test_the_like_intent_wins(client, question, peer):
    webfinger(peer, {"rel": OSTATUS, "template": "https://peer.example/ostatus?uri={uri}"},
              {"rel": "https://w3id.org/fep/3b86/Create", "template": "https://peer.example/share?inReplyTo={inReplyTo}"},
              {"rel": LIKE_INTENT, "template": "https://peer.example/like?object={object}"})
    response = vote_box(client, question, f"@bob@{peer.domain}")
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert (location.netloc, location.path) == ("peer.example", "/like")
    assert parse_qs(location.query) == {"object": ["https://mastodon.example/notes/77"]}


def test_without_a_like_intent_the_subscribe_template(client, question, peer):
    webfinger(peer, {"rel": "https://w3id.org/fep/3b86/Create", "template": "https://peer.example/share?x={inReplyTo}"},
              {"rel": OSTATUS, "template": "https://peer.example/authorize_interaction?uri={uri}"})
    response = vote_box(client, question, f"bob@{peer.domain}")
    assert response["Location"] == "https://peer.example/authorize_interaction?uri=https%3A%2F%2Fmastodon.example%2Fnotes%2F77"


def test_without_templates_authorize_interaction_on_their_domain(client, question, peer):
    webfinger(peer, {"rel": "self", "href": f"{peer.base}/users/bob"})
    response = vote_box(client, question, f"bob@{peer.domain}")
    location = urlsplit(response["Location"])
    assert (location.netloc, location.path) == (peer.domain, "/authorize_interaction")
    assert parse_qs(location.query) == {"uri": ["https://mastodon.example/notes/77"]}


def test_a_bad_handle_is_a_form_error_under_that_question(client, question):
    response = vote_box(client, question, "not a handle")
    html = response.content.decode()
    assert response.status_code == 400 and "name@server" in html
    assert f'id="vote-error-{question.pk}"' in html and 'class="vote-from" open' in html
    assert 'value="not a handle"' in html


def test_an_unreachable_server_says_so_and_nothing_about_names(client, question, peer):
    response = vote_box(client, question, f"bob@{peer.domain}")  # the peer answers WebFinger with a 404
    assert response.status_code == 400 and "could not be reached" in response.content.decode()
    response = vote_box(client, question, "bob@localhost")  # the guard refuses loopback by default
    html = response.content.decode()
    assert "Your server localhost could not be reached." in html and "127.0.0.1" not in html


def test_only_shown_questions_have_the_box(client, open_ama, question):
    services.question_hide(question=question)
    assert vote_box(client, question, "bob@peer.example").status_code == 404


def test_the_box_posts_without_a_token_from_a_shared_page(client, question, peer):
    """The AMA page is cached for every anonymous visitor, so its forms carry no CSRF token."""
    from django.test import Client

    webfinger(peer, {"rel": LIKE_INTENT, "template": "https://peer.example/like?object={object}"})
    strict = Client(enforce_csrf_checks=True)
    assert "csrfmiddlewaretoken" not in strict.get(f"/amas/{question.ama.slug}").content.decode()
    assert vote_box(strict, question, f"bob@{peer.domain}").status_code == 302
