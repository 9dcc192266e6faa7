"""The public AMA page as readers meet it (issue 21): the host card, the question cards ("answered after", the
badges, follow-ups folded in <details>), the ended AMA read as an interview, the dashboard's follow-ups with their
parent, and pages without inline style or script (the CSP forbids both)."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from ama import profiles, services
from ama.models import Question
from federation.actors import store_remote_actor
from federation.models import Actor
from tests.ama.test_pages import ask, page, remote


def answered(ama, text: str, *, minutes_before: float, body: str = "An answer."):
    """A question that arrived `minutes_before` its answer was published."""
    question = ask(ama, text)
    Question.objects.filter(pk=question.pk).update(received_at=timezone.now() - timedelta(minutes=minutes_before))
    question.refresh_from_db()
    services.answer_publish(question=question, author=ama.host, body=body)
    return question


def votes(question, count: int):
    for n in range(count):
        services.vote_add(question=question, actor=remote(f"voter{question.pk}x{n}"))


# ---- the host card ----------------------------------------------------------------------------------

def test_the_host_card_shows_name_bio_and_the_handle_to_copy(client, open_ama, make_host):
    Actor.objects.filter(pk=open_ama.host_id).update(display_name="Alice Martin",
                                                     summary="I train <b>open</b> models & write about them.")
    cohost = make_host(username="bruno", display_name="Bruno")
    services.ama_cohost_add(ama=open_ama, actor=cohost)
    html = page(client, f"/amas/{open_ama.slug}")
    card = html[html.index('class="hosts"'):html.index('class="intro"')]
    assert "Alice Martin" in card and "I train <b>open</b> models &amp; write about them." in card
    assert 'data-share-copy="@alice@testserver"' in card and ">Copy<" in card
    assert 'class="cohosts"' in card and "Bruno" in card and "@bruno@testserver" in card
    assert html.index('id="ama-title"') < html.index('class="hosts"') < html.index('id="questions-heading"')


def test_a_remote_bio_and_profile_links_are_made_safe(db):
    actor = store_remote_actor({
        "id": "https://mastodon.example/users/eve", "type": "Person", "preferredUsername": "eve",
        "inbox": "https://mastodon.example/inbox", "summary": '<p onclick="x()">Hi<script>alert(1)</script></p>',
        "attachment": [
            {"type": "PropertyValue", "name": "Blog", "value": '<a href="https://eve.example/blog">eve.example</a>'},
            {"type": "PropertyValue", "name": "Trap", "value": '<a href="javascript:alert(1)">click</a>'},
            {"type": "PropertyValue", "name": "Pronouns", "value": "she/her"},
            {"type": "IdentityProof", "name": "Other", "value": "https://proof.example"}]})
    assert profiles.bio_html(actor) == "<p>Hi</p>"
    assert [(link.name, link.url, link.text) for link in profiles.profile_links(actor)] == [
        ("Blog", "https://eve.example/blog", "eve.example")]


def test_the_ask_box_is_one_compact_control_that_opens_on_an_error(client, open_ama):
    html = page(client, f"/amas/{open_ama.slug}")
    box = re.search(r'<details class="take-part" id="take-part"( open)?>', html)
    assert box and not box.group(1) and "Ask or vote from your account" in html
    assert html.count("data-remember-handle") >= 1  # handle.js remembers the handle in the browser
    refused = client.post(f"/amas/{open_ama.slug}/ask", {"handle": "not a handle"}).content.decode()
    assert '<details class="take-part" id="take-part" open>' in refused


# ---- question cards ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("minutes", "english", "french"), [
    (0.5, "answered within a minute", "réponse en moins d’une minute"),
    (1, "answered after 1 minute", "réponse au bout de 1 minute"),
    (12, "answered after 12 minutes", "réponse au bout de 12 minutes"),
    (150, "answered after 2 hours", "réponse au bout de 2 heures"),
    (60 * 24 * 3, "answered after 3 days", "réponse au bout de 3 jours"),
])
def test_an_answer_says_how_long_after_the_question_it_came(client, open_ama, minutes, english, french):
    answered(open_ama, "How long?", minutes_before=minutes)
    assert english in page(client, f"/amas/{open_ama.slug}")
    assert french in page(client, f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="fr")


def test_answered_and_starred_badges_and_the_askers_server(client, open_ama):
    question = answered(open_ama, "Starred one", minutes_before=5)
    services.question_star(question=question)
    html = page(client, f"/amas/{open_ama.slug}")
    card = html[html.index(f'id="q-{question.pk}"'):]
    assert f'class="question answered starred" id="q-{question.pk}"' in html
    assert 'class="badge answered-badge">answered<' in card and 'class="badge star-badge">starred by the host<' in card
    assert f'@{question.author.username}<span class="server">@mastodon.example</span>' in card


def test_follow_ups_are_folded_with_their_count_and_open_on_the_question_page(client, open_ama):
    parent = ask(open_ama, "Parent question")
    ask(open_ama, "First child", parent=parent)
    ask(open_ama, "Second child", parent=parent)
    html = page(client, f"/amas/{open_ama.slug}")
    folded = html[html.index('<details class="follow-ups">'):]
    assert "<summary>2 follow-ups</summary>" in folded and folded.index("First child") < folded.index("</details>")
    question_page = page(client, f"/amas/{open_ama.slug}/questions/{parent.pk}")
    assert '<details class="follow-ups" open>' in question_page and "First child" in question_page


# ---- after the end: an interview ----------------------------------------------------------------------

def test_an_ended_ama_leads_with_its_answers_in_vote_order_and_folds_the_rest(client, open_ama):
    low, high = answered(open_ama, "Answered, one vote", minutes_before=3), answered(
        open_ama, "Answered, three votes", minutes_before=4)
    waiting = ask(open_ama, "Never answered")
    votes(low, 1)
    votes(high, 3)
    votes(waiting, 5)  # more votes than any answered one, still below them
    services.ama_close(ama=open_ama)
    html = page(client, f"/amas/{open_ama.slug}")
    assert "The interview: 2 answered questions" in html
    assert html.index("Answered, three votes") < html.index("Answered, one vote") < html.index(
        '<details class="unanswered"') < html.index("Never answered")
    assert "1 question was not answered" in html
    for how_to_ask in ("To ask a question", "Ask from my account", "Ask or vote from your account", "take-part"):
        assert how_to_ask not in html
    chosen = page(client, f"/amas/{open_ama.slug}?sort=newest")  # a sort the reader picks lists them all
    assert "The interview" not in chosen and chosen.index("Never answered") < chosen.index("Answered, one vote")


def test_a_live_ama_is_not_an_interview(client, open_ama):
    answered(open_ama, "Answered", minutes_before=1)
    ask(open_ama, "Waiting")
    html = page(client, f"/amas/{open_ama.slug}")
    assert "The interview" not in html and '<details class="unanswered"' not in html
    assert "Ask or vote from your account" in html


# ---- the dashboard ------------------------------------------------------------------------------------

def test_the_dashboard_shows_a_follow_up_with_its_parent(client, open_ama):
    client.login(username="alice", password="correct-horse-battery")
    parent = ask(open_ama, "The parent question text")
    ask(open_ama, "A shown follow-up", parent=parent)
    ask(open_ama, "A waiting follow-up", parent=parent, approve=False)
    html = page(client, f"/dashboard/{open_ama.slug}/")
    for child in ("A shown follow-up", "A waiting follow-up"):
        article = html[:html.index(child)].rsplit("<article", 1)[1]
        assert "Follow-up to" in article and "The parent question text" in article
    top = html[html.index(f'id="q-{parent.pk}"'):]
    assert "Follow-up to" not in top[:top.index("</article>")]


# ---- no inline style or script ---------------------------------------------------------------------------

def test_pages_carry_no_inline_style_or_script(client, open_ama):
    parent = answered(open_ama, "Styled?", minutes_before=2)
    ask(open_ama, "A follow-up", parent=parent)
    paths = [f"/amas/{open_ama.slug}", f"/amas/{open_ama.slug}/questions/{parent.pk}", "/"]
    htmls = [page(client, path) for path in paths]
    services.ama_close(ama=open_ama)
    htmls.append(page(client, f"/amas/{open_ama.slug}"))
    client.login(username="alice", password="correct-horse-battery")
    htmls.append(page(client, f"/dashboard/{open_ama.slug}/"))
    for html in htmls:
        assert not re.search(r"<[^>]+\sstyle=", html)
        assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
