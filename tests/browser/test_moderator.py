"""In real Chromium: a moderator approves two questions and rejects one with a reason in the admin; the
public AMA page then shows exactly those two."""

import os

import pytest
from django.contrib.auth import get_user_model
from django.db import connections

from ama import services
from ama.models import ModeratorAssignment, Question
from federation.models import Actor

pytestmark = pytest.mark.browser
CHROMIUM = "/usr/bin/chromium"
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture
def page():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian chromium is not installed")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser.new_page()
        browser.close()
        # The test's queries ran inside Playwright's greenlet, on a connection of that context's own; left
        # open, it keeps the test database from being dropped at the end of the session.
        connections.close_all()


def question(ama, n, text):
    author = Actor.objects.create(ap_id=f"https://remote.example/users/asker{n}", username=f"asker{n}",
                                  domain="remote.example", inbox=f"https://remote.example/users/asker{n}/inbox")
    return services.question_receive(ama=ama, author=author, ap_id=f"https://remote.example/notes/{n}",
                                     content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id)


def select_and_run(page, base, questions, action):
    page.goto(f"{base}/admin/ama/question/?state__exact=pending")
    for q in questions:
        page.check(f'input[name="_selected_action"][value="{q.pk}"]')
    page.select_option('select[name="action"]', action)
    page.click('button[name="index"]')


def test_moderator_approves_two_and_rejects_one(transactional_db, live_server, open_ama, page):
    moderator = get_user_model().objects.create_user("mod", password="pw-correct-horse", is_staff=True)
    ModeratorAssignment.objects.create(user=moderator, ama=open_ama)
    first, second = question(open_ama, 1, "Which dataset?"), question(open_ama, 2, "Which licence?")
    spam = question(open_ama, 3, "Buy cheap pills")
    base = live_server.url
    page.goto(f"{base}/admin/login/?next=/admin/")
    page.fill("#id_username", "mod")
    page.fill("#id_password", "pw-correct-horse")
    page.click('input[type="submit"]')
    select_and_run(page, base, [first, second], "approve")
    assert "2 approved" in page.text_content(".messagelist")
    select_and_run(page, base, [spam], "reject")
    page.select_option("#id_reason", "spam")
    page.fill("#id_note", "advertising")
    page.click('input[name="apply"]')
    assert "1 rejected" in page.text_content(".messagelist")
    spam.refresh_from_db()
    assert spam.state == Question.State.REJECTED and spam.reject_note == "advertising"
    page.goto(f"{base}/amas/{open_ama.slug}")
    shown = page.locator("article.question").evaluate_all("nodes => nodes.map(n => n.id)")
    assert sorted(shown) == sorted([f"q-{first.pk}", f"q-{second.pk}"])
    assert "Buy cheap pills" not in page.content()
    page.goto(f"{base}/amas/{open_ama.slug}/moderation")
    assert "advertising" in page.content() and page.locator("table.moderation-log tbody tr").count() >= 3
