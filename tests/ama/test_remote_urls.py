# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""URLs from other servers (an actor's url and icon, a note's url) through the real inbox: only http(s) URLs are
stored, rendered as links or returned by the API; a bad value already in the database is not rendered either."""

import re
import uuid

import pytest
from django.urls import reverse

from ama import services
from ama.models import Question
from federation import routing
from federation.models import Actor, InboxMessage
from tests.federation.fixtures_inbox import create_note, instance_actor, post_as  # noqa: F401  (fixtures)

HOSTILE = {
    "javascript": "javascript:alert(1)",
    "data": "data:text/html,<script>alert(1)</script>",
    "mixed case after a space": " JaVaScRiPt:alert(1)",
    "Link object": {"type": "Link", "href": "javascript:alert(1)"},
    "list of Links": [{"type": "Link", "href": "javascript:alert(1)"}, {"type": "Link", "href": "vbscript:x"}],
}
BAD_SCHEME = re.compile(r"(javascript|data|vbscript):", re.IGNORECASE)


@pytest.fixture
def ask(client, open_ama, peer, instance_actor):
    """A stranger on the peer asks through POST /inbox (their actor document fetched from the peer); the question
    is processed and approved, so every public view shows it."""
    def run(*, actor_url=None, icon_url=None, note_url=None) -> Question:
        extra = {} if actor_url is None else {"url": actor_url}
        if icon_url is not None:
            extra["icon"] = {"type": "Image", "mediaType": "image/png", "url": icon_url}
        stranger = peer.actor(f"m{uuid.uuid4().hex[:8]}", extra=extra)
        note = {} if note_url is None else {"url": note_url}
        activity = create_note(stranger.ap_id, inReplyTo=open_ama.ap_id, **note)
        assert post_as(client, stranger, activity).status_code == 202
        routing.process(InboxMessage.objects.get(ap_id=activity["id"]).pk)
        question = Question.objects.get(ap_id=activity["object"]["id"])
        services.question_approve(question=question)
        return question
    return run


def public_views(client, question) -> dict[str, str]:
    ama = question.ama
    return {"AMA page": client.get(reverse("ama", args=[ama.slug])).content.decode(),
            "question page": client.get(reverse("question", args=[ama.slug, question.pk])).content.decode(),
            "API": client.get(f"/api/amas/{ama.slug}/questions/").content.decode()}


def api_question(client, question) -> dict:
    rows = client.get(f"/api/amas/{question.ama.slug}/questions/").json()["results"]
    return next(row for row in rows if row["id"] == question.pk)


@pytest.mark.parametrize("hostile", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_urls_are_not_stored_rendered_or_returned(client, ask, hostile):
    question = ask(actor_url=hostile, icon_url=hostile, note_url=hostile)
    author = Actor.objects.get(pk=question.author_id)
    assert (author.url, author.icon_url, question.url) == ("", "", "")
    for name, text in public_views(client, question).items():
        assert not BAD_SCHEME.search(text), name
    assert "See it on the asker" not in public_views(client, question)["question page"]
    row = api_question(client, question)
    assert (row["url"], row["author"]["url"], row["author"]["icon_url"]) == (None, None, None)


def test_https_urls_are_kept_and_linked(client, ask):
    question = ask(actor_url="https://social.example/@mallory", icon_url="https://files.example/m.png",
                   note_url=[{"type": "Link", "href": "javascript:alert(1)"},
                             {"type": "Link", "mediaType": "text/html", "href": "https://social.example/@mallory/1"}])
    assert question.url == "https://social.example/@mallory/1"
    pages = public_views(client, question)
    assert 'href="https://social.example/@mallory"' in pages["AMA page"]
    assert 'href="https://social.example/@mallory/1"' in pages["question page"]
    row = api_question(client, question)
    assert row["url"] == "https://social.example/@mallory/1"
    assert (row["author"]["url"], row["author"]["icon_url"]) == ("https://social.example/@mallory",
                                                                 "https://files.example/m.png")


def test_actor_without_url_links_to_its_id(client, ask):
    question = ask()
    assert f'href="{question.author.ap_id}"' in public_views(client, question)["AMA page"]


def test_bad_values_already_in_the_database_are_not_rendered_or_returned(client, ask, host):
    question = ask(actor_url="https://social.example/@mallory", note_url="https://social.example/@mallory/1")
    answer = services.answer_publish(question=question, author=host, body="Open weights.")
    Actor.objects.filter(pk=question.author_id).update(url="javascript:alert(1)", icon_url="data:image/svg+xml,x")
    Question.objects.filter(pk=question.pk).update(url=" JaVaScRiPt:alert(2)")
    type(answer).objects.filter(pk=answer.pk).update(ap_id="javascript://social.example/%0aalert(3)")
    pages = public_views(client, question)
    for name, text in pages.items():
        assert not BAD_SCHEME.search(text), name
    assert f'href="{question.author.ap_id}"' in pages["AMA page"]  # the author still links to their id
    assert "Open weights." in pages["question page"]
    row = api_question(client, question)
    assert (row["url"], row["author"]["url"], row["author"]["icon_url"]) == (None, None, None)
    assert row["answers"][0]["url"] is None


def test_embedded_object_with_a_script_id_is_ignored(client, open_ama, peer, instance_actor):
    stranger = peer.actor("eve")
    activity = create_note(stranger.ap_id, inReplyTo=open_ama.ap_id)
    activity["object"]["id"] = f"javascript://{peer.domain}/%0aalert(1)"
    assert post_as(client, stranger, activity).status_code == 202
    message = InboxMessage.objects.get(ap_id=activity["id"])
    assert routing.process(message.pk) == InboxMessage.State.IGNORED
    assert not Question.objects.exists()
