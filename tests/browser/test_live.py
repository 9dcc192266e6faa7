"""The live AMA in real Chromium: an anonymous viewer on the AMA page, the host on the dashboard's console and the
stage view, each in its own browser context. A question arrives; the host's console shows it waiting without a
reload; the host approves it, marks it as being answered and answers it, all through the page; the viewer sees the
question, the pinned "Now answering" and the answer appear without a reload, and so does the stage.

The streams are served here by the WSGI fallback (ama/live/views.py) of Django's live server, which reads the same
events table the ASGI door does."""

import re
import threading
import time

import pytest

from ama import services
from federation.models import Actor

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180)]

PASSWORD = "correct-horse-battery"  # tests/conftest.py make_host


@pytest.fixture
def asker(db):
    return Actor.objects.create(ap_id="https://mastodon.example/users/bob", username="bob", display_name="Bob",
                                domain="mastodon.example", inbox="https://mastodon.example/users/bob/inbox")


@pytest.fixture
def streams_end(settings):
    """The live server's stream threads end soon after their browser goes (a stream notices a closed connection
    when it next writes: a heartbeat); the test waits for them before the database goes away."""
    settings.FEDIAMA_LIVE_HEARTBEAT = 0.2
    yield
    deadline = time.monotonic() + 30
    while any("process_request_thread" in t.name for t in threading.enumerate()) and time.monotonic() < deadline:
        time.sleep(0.1)


def context_page(chromium, locale="en-US", width=1280):
    return chromium.new_context(locale=locale, viewport={"width": width, "height": 900}).new_page()


def sign_in(page, url: str, username: str) -> None:
    page.goto(f"{url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/dashboard/$"))


def never_reloaded(page) -> bool:
    return page.evaluate("window.__stillTheSamePage === true")


def test_a_question_approved_and_answered_reaches_the_viewer_and_the_stage_without_a_reload(
        live_site, open_ama, asker, chromium, streams_end):
    from playwright.sync_api import expect

    url, slug = live_site.url, open_ama.slug
    viewer, host, stage = context_page(chromium), context_page(chromium), context_page(chromium)
    viewer.goto(f"{url}/amas/{slug}")
    stage.goto(f"{url}/amas/{slug}/stage")
    sign_in(host, url, open_ama.host.username)
    host.goto(f"{url}/dashboard/{slug}/")
    for page in (viewer, host, stage):
        page.evaluate("window.__stillTheSamePage = true")
    expect(viewer.locator("#now-answering")).to_be_hidden()

    question = services.question_receive(ama=open_ama, author=asker, ap_id="https://mastodon.example/notes/1",
                                         content_html="<p>Will the weights be open?</p>", in_reply_to=open_ama.ap_id)
    waiting = host.locator(f"#pending-list #q-{question.pk}")
    expect(waiting).to_contain_text("Will the weights be open?")
    expect(waiting.get_by_role("button", name="Approve")).to_be_visible()
    expect(host).to_have_title(re.compile(r"^\(1\) "))
    expect(host.locator("#pending-heading")).to_have_text("1 question waiting for review")
    assert never_reloaded(host)
    expect(viewer.locator(f"#q-{question.pk}")).to_have_count(0)  # pending: not public

    waiting.get_by_role("button", name="Approve").click()
    host.wait_for_url(re.compile(rf"/dashboard/{slug}/#q-{question.pk}$"))
    expect(host.locator(f"#q-{question.pk}.kbd-current")).to_be_focused()  # back at the same question
    shown = viewer.locator(f"#q-{question.pk}")
    expect(shown).to_contain_text("Will the weights be open?")
    expect(stage.locator("#stage-queue")).to_contain_text("Will the weights be open?")

    host.locator(f"#q-{question.pk}").get_by_role("button", name="Answering now").click()
    host.wait_for_url(re.compile(rf"#q-{question.pk}$"))
    expect(viewer.locator("#now-answering")).to_contain_text("Will the weights be open?")
    expect(viewer.locator("#now-answering a")).to_have_attribute("href", f"/amas/{slug}/questions/{question.pk}")
    expect(stage.locator("#stage-current")).to_contain_text("Will the weights be open?")
    expect(stage.locator("#stage-now-heading")).to_have_text("Now answering")
    expect(stage.locator("#stage-queue")).not_to_contain_text("Will the weights be open?")

    answer_form = host.locator(f"#q-{question.pk}")
    answer_form.locator("textarea").fill("Yes, under **Apache 2.0**.")
    answer_form.get_by_role("button", name="Publish the answer").click()
    host.wait_for_url(re.compile(rf"#q-{question.pk}$"))
    expect(shown.locator("section.answer")).to_contain_text("Yes, under Apache 2.0.")
    expect(shown.locator("section.answer .content strong")).to_have_text("Apache 2.0")
    expect(stage.locator("#stage-current .stage-answer")).to_contain_text("Yes, under Apache 2.0.")
    expect(viewer.locator("#live-status")).to_have_text("New answer")
    assert never_reloaded(viewer) and never_reloaded(stage)
    for page in (viewer, host, stage):
        page.context.close()
