"""Real Chromium through Playwright: open the demo AMA, sort by votes, follow a permalink, sign in as the host,
answer a question, see the answer on the public page."""

import os
import re
import shutil

import pytest
from django.core.management import call_command

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not shutil.which("chromium") and not os.path.exists(
    "/usr/bin/chromium"), reason="needs /usr/bin/chromium")]

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844})
        yield context.new_page()
        context.close()
        browser.close()


@pytest.fixture
def demo(live_site, transactional_db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=open(os.devnull, "w"))
    from ama.models import Ama
    return Ama.objects.get(slug="ama-modeles-ouverts"), (tmp_path / "demo_host_password").read_text().strip()


def vote_counts(page) -> list[int]:
    return [int(v) for v in page.locator("section.questions > article.question > .votes .count").evaluate_all(
        "nodes => nodes.map(n => n.dataset.votes)")]


def test_host_answers_a_question_in_a_real_browser(live_site, demo, browser_page):
    ama, host_password = demo
    page = browser_page
    page.goto(f"{live_site.url}/amas/{ama.slug}")
    assert ama.title in page.locator("h1").inner_text()

    page.get_by_role("link", name="Oldest").click()
    page.get_by_role("link", name="Top votes").click()
    page.wait_for_url(re.compile(r"sort=top"))
    counts = vote_counts(page)
    assert len(counts) >= 5 and counts == sorted(counts, reverse=True) and counts[0] > counts[-1]

    page.locator("section.questions > article.question > header a.permalink").first.click()
    page.wait_for_url(re.compile(r"/questions/\d+$"))
    assert "Question from" in page.locator("h1").inner_text()

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill("camille")
    page.get_by_label("Password").fill(host_password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))
    page.get_by_role("link", name=ama.title).click()

    unanswered = page.locator("article.question:not(.answered)").filter(has=page.locator("textarea")).first
    question_text = unanswered.locator(".content").first.inner_text()
    unanswered.locator("textarea").fill("Oui : **toujours** publier les filtres de données.")
    unanswered.get_by_role("button", name="Preview").click()
    assert page.locator(".preview strong").inner_text() == "toujours"
    page.get_by_role("button", name="Publish the answer").click()
    assert "Your answer is published." in page.locator(".messages").inner_text()

    page.goto(f"{live_site.url}/amas/{ama.slug}?sort=answered")
    answered = page.locator("article.question").filter(has_text=question_text.strip()[:40]).first
    assert "toujours publier les filtres" in answered.locator(".answer").inner_text()
    assert answered.locator(".answer .content strong").inner_text() == "toujours"
