"""The server-rendered side of the live AMA: "Now answering" pinned on the page while the AMA is live, the stage
view and its QR code, and the data the page's script opens its stream with."""

import re

import pytest
import segno

from ama import services
from ama.models import Ama
from federation.models import Actor

pytestmark = pytest.mark.django_db


@pytest.fixture
def asker(db):
    return Actor.objects.create(ap_id="https://mastodon.example/users/bob", username="bob",
                                domain="mastodon.example", inbox="https://mastodon.example/users/bob/inbox")


def published(ama, author, text, n):
    question = services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{n}",
                                         content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id)
    return services.question_approve(question=question)


def pinned(html: str) -> str:
    found = re.search(r'<section id="now-answering".*?</section>', html, re.S)
    return found.group(0) if found else ""


def test_the_question_being_answered_is_pinned_above_the_questions_of_a_live_ama(client, open_ama, asker):
    question = published(open_ama, asker, "Which licence for the weights?", 1)
    assert "hidden" in pinned(client.get(f"/amas/{open_ama.slug}").content.decode())  # a place for it, empty
    services.question_now_answering(question=question, on=True)
    html = client.get(f"/amas/{open_ama.slug}").content.decode()
    region = pinned(html)
    assert "Now answering" in region and "Which licence for the weights?" in region and " hidden" not in region
    assert f'href="/amas/{open_ama.slug}/questions/{question.pk}"' in region
    # under the title and the host card, above the questions: the first thing a reader of the list sees
    assert html.index('id="ama-title"') < html.index('id="now-answering"') < html.index('id="questions-heading"')


def test_nothing_is_pinned_once_the_ama_is_closed(client, open_ama, asker):
    question = published(open_ama, asker, "Which licence for the weights?", 1)
    services.question_now_answering(question=question, on=True)
    services.ama_close(ama=open_ama)
    assert pinned(client.get(f"/amas/{open_ama.slug}").content.decode()) == ""


def test_the_page_opens_its_stream_at_the_version_it_was_rendered_at(client, open_ama, asker):
    published(open_ama, asker, "First", 1)
    open_ama.refresh_from_db()
    html = client.get(f"/amas/{open_ama.slug}?sort=newest").content.decode()
    assert f'data-live-events="/amas/{open_ama.slug}/events"' in html
    assert f'data-live-version="{open_ama.version}"' in html and 'data-live-sort="newest"' in html
    scripts = re.findall(r'<script src="([^"]+)" defer></script>', html)
    names = [src.rsplit("/", 1)[1] for src in scripts]
    assert names.index("stream.js") < names.index("live.js")  # deferred: run in this order
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1) == f"{open_ama.title} · fediama"
    assert html.count('id="live-status"') == 1 and html.count('id="live-new"') == 1


def test_the_page_says_live_updates_in_french(client, open_ama):
    html = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'data-new-answer="Nouvelle réponse"' in html
    assert "{n} nouvelles questions" in html


def test_an_english_viewer_of_a_french_ama_gets_english_fragments(client, open_ama, asker):
    """The stream opened as stream.js opens it: the page's data-live-events, its version and its <html lang>."""
    Ama.objects.filter(pk=open_ama.pk).update(language="fr")
    html = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    language = re.search(r'<html lang="([^"]+)"', html).group(1)
    events = re.search(r'data-live-events="([^"]+)"', html).group(1)
    version = re.search(r'data-live-version="([^"]+)"', html).group(1)
    published(open_ama, asker, "Which licence?", 1)
    stream = client.get(f"{events}?last_event_id={version}&locale={language}").streaming_content
    frame = b"".join(next(stream) for _ in range(2)).decode()
    assert language == "en" and "event: question_published" in frame
    assert ">0 votes<" in frame and "Permalink to this question" in frame and "Lien permanent" not in frame


def test_the_stage_shows_the_question_being_answered_and_the_next_ones_by_votes(client, open_ama, asker, host):
    answering = published(open_ama, asker, "Being answered", 1)
    waiting = [published(open_ama, asker, f"Waiting {n}", n) for n in range(2, 5)]
    done = published(open_ama, asker, "Already answered", 5)
    services.answer_publish(question=done, author=host, body="Done.")
    services.question_now_answering(question=answering, on=True)
    services.vote_add(question=waiting[2], actor=asker)
    services.answer_publish(question=answering, author=host, body="The **answer** so far.")
    html = client.get(f"/amas/{open_ama.slug}/stage").content.decode()
    assert "Just answered" in html  # the answer stays up until the host marks the next question
    current = re.search(r'<div id="stage-current".*?<p id="stage-idle"', html, re.S).group(0)
    assert "Being answered" in current and "<strong>answer</strong>" in current
    queue = re.search(r'<ol id="stage-queue"[^>]*>.*?</ol>', html, re.S).group(0)
    assert re.findall(r"Waiting \d", queue) == ["Waiting 4", "Waiting 2", "Waiting 3"]
    assert "Already answered" not in queue and "Being answered" not in queue
    assert open_ama.host.handle in html and f'src="/amas/{open_ama.slug}/qr.svg"' in html
    assert f'data-live-version="{Ama.objects.get(pk=open_ama.pk).version}"' in html


def test_the_stage_shows_the_question_marked_as_being_answered(client, open_ama, asker, host):
    done = published(open_ama, asker, "Answered before", 1)
    services.answer_publish(question=done, author=host, body="Done.")
    services.question_now_answering(question=published(open_ama, asker, "On stage now", 2), on=True)
    html = client.get(f"/amas/{open_ama.slug}/stage").content.decode()
    current = re.search(r'<div id="stage-current".*?<p id="stage-idle"', html, re.S).group(0)
    assert "On stage now" in current and "Answered before" not in current
    assert '<h2 id="stage-now-heading"' in html and ">Now answering</h2>" in html


@pytest.mark.parametrize("theme, expected", [("dark", ' data-theme="dark"'), ("light", ' data-theme="light"'),
                                             ("purple", "")])
def test_the_stage_theme_can_be_forced(client, open_ama, theme, expected):
    html = client.get(f"/amas/{open_ama.slug}/stage?theme={theme}").content.decode()
    assert re.search(r'<html lang="en" class="stage-page"([^>]*)>', html).group(1) == expected


def test_the_stage_is_404_for_drafts_deleted_and_unknown_amas(client, open_ama, host):
    draft = services.ama_create(host=host, title="Draft", opens_at=open_ama.opens_at, closes_at=open_ama.closes_at)
    assert client.get(f"/amas/{draft.slug}/stage").status_code == 404
    assert client.get(f"/amas/{draft.slug}/qr.svg").status_code == 404
    assert client.get("/amas/nobody/stage").status_code == 404
    services.ama_delete(ama=open_ama)
    assert client.get(f"/amas/{open_ama.slug}/stage").status_code == 404


def test_the_qr_code_is_a_cacheable_svg_of_the_ama_address(client, open_ama):
    response = client.get(f"/amas/{open_ama.slug}/qr.svg")
    assert response.status_code == 200 and response["Content-Type"] == "image/svg+xml"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    body = response.content.decode()
    assert body.startswith("<svg") and "viewBox" in body and "style=" not in body
    expected = segno.make(open_ama.ap_id, error="m").matrix
    assert len(expected) == int(re.search(r'viewBox="0 0 (\d+)', body).group(1)) - 4  # the code, 2 modules round


@pytest.fixture
def host_client(client, host):
    client.force_login(host.user)
    return client


def pending_question(ama, author, text, n):
    return services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{n}",
                                     content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id)


@pytest.mark.parametrize("action", ["approve", "reject", "star", "now"])
def test_a_console_action_returns_to_the_question_with_the_lists_filters_and_page(host_client, open_ama, asker,
                                                                                    action):
    question = pending_question(open_ama, asker, "Keep my place", 1)
    if action in ("star", "now"):
        services.question_approve(question=question)
    back = "state=&q=place&pending_page=2&page=3"
    response = host_client.post(f"/dashboard/{open_ama.slug}/questions/{question.pk}/{action}",
                                {"reason": "spam", "back": back})
    assert response.status_code == 302
    assert response["Location"] == (f"/dashboard/{open_ama.slug}/?q=place&page=3&pending_page=2#q-{question.pk}")


def test_only_the_dashboards_own_query_goes_back(host_client, open_ama, asker):
    question = pending_question(open_ama, asker, "Keep my place", 1)
    back = "next=https://evil.example/&q=" + "x" * 300 + "&state=pending"
    response = host_client.post(f"/dashboard/{open_ama.slug}/questions/{question.pk}/approve", {"back": back})
    assert response["Location"] == f"/dashboard/{open_ama.slug}/?state=pending&q={'x' * 200}#q-{question.pk}"


def test_an_answer_published_from_the_console_returns_to_its_question(host_client, open_ama, asker):
    question = services.question_approve(question=pending_question(open_ama, asker, "Answer me", 1))
    url = f"/dashboard/{open_ama.slug}/questions/{question.pk}/answer/"
    preview = host_client.post(url, {"body": "Draft", "preview": "1", "back": "page=2"}).content.decode()
    assert '<input type="hidden" name="back" value="page=2">' in preview  # carried through the preview
    response = host_client.post(url, {"body": "Done", "publish": "1", "back": "page=2"})
    assert response["Location"] == f"/dashboard/{open_ama.slug}/?page=2#q-{question.pk}"


def test_the_console_page_carries_its_query_its_stream_and_the_pending_form_template(host_client, open_ama, asker):
    pending_question(open_ama, asker, "Waiting one", 1)
    html = host_client.get(f"/dashboard/{open_ama.slug}/?q=Wait&page=1").content.decode()
    assert html.count('<input type="hidden" name="back" value="q=Wait&amp;page=1">') >= 3
    assert f'data-live-events="/dashboard/{open_ama.slug}/events"' in html and 'data-waiting="1"' in html
    template = re.search(r'<template id="pending-template">.*?</template>', html, re.S).group(0)
    assert 'name="csrfmiddlewaretoken"' in template and '<select name="reason">' in template
    assert re.findall(r'<script src="[^"]*/(\w+\.js)" defer>', html) == ["times.js", "stream.js", "console.js"]
    assert re.search(r"<title>(.*?)</title>", html, re.S).group(1) == f"Dashboard · {open_ama.title} · fediama"
