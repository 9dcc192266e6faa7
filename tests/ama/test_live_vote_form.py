"""A signed-in viewer votes on a question that arrived live: the fragment is the anonymous card, so the event
carries where the vote form and the report link post (vote_url, report_url) and the viewer's page carries the form
with their CSRF token (<template id="live-vote">), which live.js fills in. These check the server's half: the
URLs are the ones the page's own cards post to, the template is there for signed-in viewers only, and the form
it makes votes and comes back to the question."""

import re

import pytest
from django.test import Client
from test_moderation_support import ask

from ama import services
from ama.models import LiveEvent, Vote

pytestmark = pytest.mark.django_db


@pytest.fixture
def viewer(make_host):
    """A signed-in local user with a fediverse identity here (they can vote)."""
    actor = make_host(username="carol", display_name="Carol")
    client = Client(enforce_csrf_checks=True)
    client.force_login(actor.user)
    client.actor = actor
    return client


def published_payload(ama, question) -> dict:
    return LiveEvent.objects.filter(ama=ama, question=question, kind="question_published").get().payload


def live_vote_template(html: str) -> str:
    found = re.search(r'<template id="live-vote">(.*?)</template>', html, re.S)
    return found.group(1) if found else ""


def test_a_published_question_event_says_where_a_signed_in_viewer_votes_and_reports(open_ama, viewer):
    question = ask(open_ama, "Which GPUs?")
    services.question_approve(question=question)
    payload = published_payload(open_ama, question)
    html = viewer.get(f"/amas/{open_ama.slug}").content.decode()
    card = html[html.index(f'id="q-{question.pk}"'):]
    assert payload["vote_url"] == f"/amas/{open_ama.slug}/questions/{question.pk}/vote"
    assert f'action="{payload["vote_url"]}"' in card.split("</article>")[0]  # what the page's own card posts to
    assert f'href="{payload["report_url"]}"' in card.split("</article>")[0]
    assert "csrfmiddlewaretoken" not in payload["html"] and "vote-from" in payload["html"]  # still anonymous


def test_an_answered_question_deleted_by_its_author_stays_without_votes_and_its_event_has_no_vote_url(open_ama):
    question = ask(open_ama, "Which GPUs?")
    services.question_approve(question=question)
    services.answer_publish(question=question, author=open_ama.host, body="Eight of them.")
    services.question_delete_received(question=question)
    updated = LiveEvent.objects.filter(ama=open_ama, question=question, kind="question_updated").latest("seq")
    assert "vote_url" not in updated.payload and "report_url" not in updated.payload
    assert "Question deleted by its author" in updated.payload["html"]


def test_only_a_signed_in_viewers_page_carries_the_vote_form_with_their_token(client, open_ama, viewer):
    assert live_vote_template(client.get(f"/amas/{open_ama.slug}").content.decode()) == ""
    form = live_vote_template(viewer.get(f"/amas/{open_ama.slug}?sort=top").content.decode())
    assert re.search(r'name="csrfmiddlewaretoken" value="[^"]+"', form)
    assert f'name="next" value="/amas/{open_ama.slug}?sort=top"' in form
    assert 'name="value" value="up"' in form and ">Vote<" in form and ">Report<" in form


def test_the_french_page_carries_it_in_french(open_ama, viewer):
    form = live_vote_template(viewer.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert ">Voter<" in form and ">Signaler<" in form


def test_the_form_live_js_builds_votes_and_comes_back_to_the_question(open_ama, viewer):
    """The template's fields with the event's URL, as live.js posts them (the token checked for real)."""
    question = ask(open_ama, "Which GPUs?")
    services.question_approve(question=question)
    form = live_vote_template(viewer.get(f"/amas/{open_ama.slug}?sort=top").content.decode())
    fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', form))
    fields["next"] += f"#q-{question.pk}"
    response = viewer.post(published_payload(open_ama, question)["vote_url"], fields)
    assert response.status_code == 302 and response["Location"] == f"/amas/{open_ama.slug}?sort=top#q-{question.pk}"
    assert Vote.objects.filter(question=question, actor=viewer.actor, value__gt=0).exists()
    html = viewer.get(f"/amas/{open_ama.slug}?sort=top").content.decode()
    card = html[html.index(f'id="q-{question.pk}"'):].split("</article>")[0]
    assert 'aria-pressed="true">Remove my vote<' in card

    fields.pop("csrfmiddlewaretoken")
    refused = viewer.post(published_payload(open_ama, question)["vote_url"], fields | {"value": "remove"})
    assert refused.status_code == 403 and Vote.objects.filter(question=question, actor=viewer.actor).exists()
