"""Languages: what Lemmy/Mbin/PieFed and Mastodon declare is kept on each question, shown as a label and
filterable on the page (?lang=) and in the API (?language=); what we send says our language as Lemmy does; an
AMA may be held in any ISO 639-1 language."""

import itertools

import pytest

from ama import services
from ama.activitypub import group, group_questions, notes
from ama.models import Ama, Question
from federation.actors import store_remote_actor
from tests.ama.inbox.shapes import note, received

FRENCH = {"identifier": "fr", "name": "Français"}
_seq = itertools.count(1)


def shown(ama, text: str, language: str) -> Question:
    author = store_remote_actor({"id": f"https://lemmy.example/u/p{next(_seq)}", "type": "Person",
                                 "preferredUsername": "p", "inbox": "https://lemmy.example/inbox"})
    question = services.question_receive(ama=ama, author=author, ap_id=f"https://lemmy.example/comment/{next(_seq)}",
                                         content_html=f"<p>{text}</p>", language=language, in_reply_to=ama.ap_id)
    return services.question_approve(question=question)


# ---- in --------------------------------------------------------------------------------------------

def test_a_lemmy_comment_keeps_its_language_and_shows_it(client, open_ama, remote_actor, deliver_inbox):
    obj = note(remote_actor, open_ama.ap_id, content="<p>Quelle carte ?</p>", language=FRENCH, distinguished=False)
    question = received(deliver_inbox, remote_actor, obj)
    assert question.language == "fr"
    services.question_approve(question=question)
    html = client.get(f"/amas/{open_ama.slug}").content.decode()
    assert '<span class="badge language" title="Language">French</span>' in html
    french = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert ">Français</span>" in french


def test_undetermined_is_not_a_language(open_ama, remote_actor, deliver_inbox):
    obj = note(remote_actor, open_ama.ap_id, language={"identifier": "und", "name": "Undetermined"},
               contentMap={"de": "<p>Welche?</p>"})
    assert received(deliver_inbox, remote_actor, obj).language == "de"


# ---- filters ---------------------------------------------------------------------------------------

def test_the_page_filters_by_language_with_links_for_those_present(client, open_ama):
    shown(open_ama, "Which GPU?", "en")
    shown(open_ama, "Quelle carte ?", "fr")
    every = client.get(f"/amas/{open_ama.slug}").content.decode()
    assert "Which GPU?" in every and "Quelle carte ?" in every
    assert 'href="?sort=top&amp;lang=fr"' in every and 'href="?sort=top&amp;lang=en"' in every
    french = client.get(f"/amas/{open_ama.slug}?lang=fr").content.decode()
    assert "Quelle carte ?" in french and "Which GPU?" not in french
    assert 'href="?sort=newest&amp;lang=fr"' in french and 'data-live-lang="fr"' in french
    assert 'aria-current="page">French</a>' in french and "1 question" in french


def test_an_unknown_language_filter_shows_everything(client, open_ama):
    shown(open_ama, "Which GPU?", "en")
    assert "Which GPU?" in client.get(f"/amas/{open_ama.slug}?lang=xx").content.decode()


def test_one_language_needs_no_filter(client, open_ama):
    shown(open_ama, "Which GPU?", "en")
    assert "lang=en" not in client.get(f"/amas/{open_ama.slug}").content.decode()


def test_the_api_filters_by_language(client, open_ama):
    shown(open_ama, "Which GPU?", "en")
    french = shown(open_ama, "Quelle carte ?", "fr")
    rows = client.get(f"/api/amas/{open_ama.slug}/questions/?language=fr").json()["results"]
    assert [(row["id"], row["language"]) for row in rows] == [(french.pk, "fr")]
    refused = client.get(f"/api/amas/{open_ama.slug}/questions/?language=xx")
    assert refused.status_code == 400 and "ISO 639-1" in refused.content.decode()


# ---- the AMA's language ----------------------------------------------------------------------------

def dashboard_create(client, language: str):
    return client.post("/dashboard/", {"title": "Fragen", "language": language, "moderation_mode": "pre",
                                       "opens_at": "2030-01-01T10:00", "closes_at": "2030-01-01T12:00"})


def test_the_create_form_takes_any_iso_639_1_language(client, host):
    client.login(username="alice", password="correct-horse-battery")
    assert 'value="de"' in client.get("/dashboard/").content.decode()
    assert dashboard_create(client, "de").status_code == 302
    assert Ama.objects.get(title="Fragen").language == "de"
    refused = dashboard_create(client, "xx")
    assert refused.status_code == 400 and "Select a valid choice" in refused.content.decode()


def test_the_api_takes_any_iso_639_1_language(client, host):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=host.user)
    body = {"title": "Preguntas", "opens_at": "2030-01-01T10:00:00Z", "closes_at": "2030-01-01T12:00:00Z"}
    auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
    assert client.post("/api/amas/", body | {"language": "es"}, content_type="application/json", **auth).json()[
        "language"] == "es"
    refused = client.post("/api/amas/", body | {"language": "xx"}, content_type="application/json", **auth)
    assert refused.status_code == 400 and "ISO 639-1" in refused.json()["language"][0]


# ---- out -------------------------------------------------------------------------------------------

@pytest.fixture
def french_ama(open_ama):
    Ama.objects.filter(pk=open_ama.pk).update(language="fr")
    return Ama.objects.get(pk=open_ama.pk)


def test_answers_say_their_language_as_lemmy_and_mastodon_do(french_ama):
    answer = services.answer_publish(question=shown(french_ama, "Quelle carte ?", "fr"), author=french_ama.host,
                                     body="Une A100.")
    document = notes.answer_note(answer)
    assert document["language"] == FRENCH and document["contentMap"] == {"fr": document["content"]}


def test_the_community_page_and_questions_say_their_language(french_ama):
    page = group.page_document(french_ama)
    assert page["language"] == FRENCH and list(page["contentMap"]) == ["fr"]
    assert group.group_extra(french_ama)["language"] == [FRENCH]
    german = group_questions.question_note(shown(french_ama, "Welche Karte?", "de"))
    assert german["language"] == {"identifier": "de", "name": "Deutsch"}
    undeclared = shown(french_ama, "Misskey?", "")  # a question that declares nothing is in the AMA's language
    assert group_questions.question_note(undeclared)["language"] == FRENCH
