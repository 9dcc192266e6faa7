"""Searching by handle finds the account as people see it: `@bob@example.com` names an account whose server
lives at another host (a separate web domain: the handle's domain is not the one in its id), and the id's host
finds it too; in the host's dashboard, the questions admin and the askers' cards alike."""

import pytest

from ama import services
from ama.models import Question
from federation.models import Actor, handle_lookup

pytestmark = pytest.mark.django_db


@pytest.fixture
def bob(db):
    return Actor.objects.create(ap_id="https://social.example.com/users/bob", username="bob",
                                domain="social.example.com", handle_domain="example.com",
                                inbox="https://social.example.com/users/bob/inbox")


@pytest.fixture
def carol(db):
    return Actor.objects.create(ap_id="https://example.org/users/carol", username="carol", domain="example.org",
                                inbox="https://example.org/users/carol/inbox")


@pytest.fixture
def questions(open_ama, bob, carol):
    asked = {}
    for n, author in enumerate((bob, carol)):
        question = services.question_receive(ama=open_ama, author=author, ap_id=f"{author.ap_id}/notes/{n}",
                                             content_html=f"<p>A question by {author.username}?</p>",
                                             in_reply_to=open_ama.ap_id)
        services.question_approve(question=question)
        asked[author.username] = question
    return asked


@pytest.mark.parametrize("term, found", [
    ("@bob@example.com", {"bob"}), ("bob@EXAMPLE.com", {"bob"}), ("@bob@social.example.com", {"bob"}),
    ("@carol@example.org", {"carol"}), ("@bob@example.org", set()), ("@carol@example.com", set()),
])
def test_a_handle_names_the_account_by_its_handles_domain_or_its_ids(bob, carol, term, found):
    assert {actor.username for actor in Actor.objects.filter(handle_lookup(term))} == found


@pytest.mark.parametrize("term", ["bob", "@bob", "bob@", "@@example.com", "bob@example.com extra", "a@b@c"])
def test_what_is_not_a_handle_is_not_looked_up_as_one(term):
    assert handle_lookup(term) is None


def test_the_dashboard_finds_a_question_by_its_authors_handle(client, host, open_ama, questions):
    client.force_login(host.user)
    html = client.get(f"/dashboard/{open_ama.slug}/", {"q": "@bob@example.com"}).content.decode()
    assert f'id="q-{questions["bob"].pk}"' in html and f'id="q-{questions["carol"].pk}"' not in html


def test_the_admin_finds_questions_and_askers_by_handle(admin_client, questions, bob):
    page = admin_client.get("/admin/ama/question/", {"q": "@bob@example.com"}).content.decode()
    assert f'/admin/ama/question/{questions["bob"].pk}/change/' in page
    assert f'/admin/ama/question/{questions["carol"].pk}/change/' not in page
    cards = admin_client.get("/admin/ama/askeractor/", {"q": "@bob@example.com"}).content.decode()
    assert f"/admin/ama/askeractor/{bob.pk}/change/" in cards
    assert Question.objects.count() == 2
