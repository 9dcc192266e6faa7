"""Real Chromium: a visitor reads a question's score parts, filters the AMA by language, and the "vote from your
account" box sends them to their own server's Like page (a loopback peer answers WebFinger for them)."""

import re

import pytest

from ama import services
from ama.models import Question
from federation.actors import store_remote_actor
from tests.browser.test_live import streams_end  # noqa: F401  (the page's event stream ends before the database)

pytestmark = pytest.mark.browser
LIKE_PAGE = "https://home.example/like"


def asked(ama, n: int, text: str, language: str) -> Question:
    author = store_remote_actor({"id": f"https://mastodon.example/users/a{n}", "type": "Person",
                                 "preferredUsername": f"a{n}", "inbox": "https://mastodon.example/inbox"})
    question = services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{n}",
                                         content_html=f"<p>{text}</p>", language=language, in_reply_to=ama.ap_id)
    return services.question_approve(question=question)


@pytest.fixture
def ama(live_site, transactional_db, open_ama):
    english = asked(open_ama, 1, "Which GPUs did you use?", "en")
    asked(open_ama, 2, "Quelles données ?", "fr")
    services.vote_add(question=english, actor=store_remote_actor({
        "id": "https://lemmy.example/u/v", "type": "Person", "preferredUsername": "v",
        "inbox": "https://lemmy.example/inbox"}))
    Question.objects.filter(pk=english.pk).update(remote_like_count=5)  # as the tally would have counted
    services.question_star(question=english)  # any change: a new version, so no earlier render is served
    return open_ama


@pytest.mark.usefixtures("streams_end")
def test_score_parts_language_filter_and_vote_from_my_account(live_site, ama, peer, chromium):
    peer.jrds[f"acct:bob@{peer.domain}"] = {"subject": f"acct:bob@{peer.domain}", "links": [
        {"rel": "https://w3id.org/fep/3b86/Like", "template": LIKE_PAGE + "?object={object}"}]}
    page = chromium.new_page(locale="en-US", viewport={"width": 1024, "height": 900})
    page.route(LIKE_PAGE + "*", lambda route: route.fulfill(status=200, content_type="text/html",
                                                           body="<title>Like it?</title>"))
    page.goto(f"{live_site.url}/amas/{ama.slug}")

    english = page.locator("article.question", has_text="Which GPUs")
    count = english.locator(".votes .count")
    assert count.inner_text() == "6 votes"
    assert count.get_attribute("title") == "6 votes: 1 here, 5 on mastodon.example"
    assert count.get_attribute("aria-label") == count.get_attribute("title")

    page.get_by_role("navigation", name="Filter by language").get_by_role("link", name="French").click()
    page.wait_for_url(re.compile(r"lang=fr"))
    assert page.locator("section.questions article.question").count() == 1
    french = page.locator("article.question", has_text="Quelles données")
    assert french.locator(".badge.language").inner_text() == "French"

    french.get_by_text("Vote from your account").click()
    french.get_by_label("Your fediverse handle").fill(f"bob@{peer.domain}")
    french.get_by_role("button", name="Vote from my account").click()
    page.wait_for_url(LIKE_PAGE + "*")
    assert page.url == LIKE_PAGE + "?object=https%3A%2F%2Fmastodon.example%2Fnotes%2F2"

    page.goto(f"{live_site.url}/amas/{ama.slug}")  # the handle was remembered in this browser, not by us
    box = page.locator("article.question", has_text="Which GPUs")
    box.get_by_text("Vote from your account").click()
    assert box.get_by_label("Your fediverse handle").input_value() == f"bob@{peer.domain}"
    page.close()
