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

    services.vote_add(question=question, actor=Actor.objects.create(
        ap_id="https://lemmy.example/u/v", username="v", domain="lemmy.example", inbox="https://lemmy.example/inbox"))
    expect(shown.locator(".votes .count")).to_have_text("1 vote")
    expect(host.locator(f"#q-{question.pk} .count")).to_have_text("1 vote")  # the console's list follows too
    assert never_reloaded(viewer) and never_reloaded(stage)
    for page in (viewer, host, stage):
        page.context.close()


def approved(ama, n: int, text: str, remote_votes: int = 0):
    """A shown question from bob with `remote_votes` votes counted elsewhere (as the tally would have)."""
    from ama.models import Question

    asker = Actor.objects.get_or_create(ap_id="https://mastodon.example/users/bob", defaults={
        "username": "bob", "domain": "mastodon.example", "inbox": "https://mastodon.example/users/bob/inbox"})[0]
    question = services.question_receive(ama=ama, author=asker, ap_id=f"https://mastodon.example/notes/{n}",
                                         content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id)
    Question.objects.filter(pk=question.pk).update(remote_like_count=remote_votes)
    return services.question_approve(question=Question.objects.get(pk=question.pk))


def first_card(page):
    return page.locator("section.questions > article.question").first


def order(page) -> list[str]:
    return page.evaluate("Array.from(document.querySelectorAll('section.questions > article.question'), q => q.id)")


def test_a_signed_in_viewer_votes_on_a_question_that_arrived_live_and_it_moves_up_on_another_viewers_page(
        live_site, open_ama, make_host, chromium, streams_end):
    from playwright.sync_api import expect

    url, slug = live_site.url, open_ama.slug
    first = approved(open_ama, 1, "Which GPUs did you use?")
    make_host(username="carol", display_name="Carol")
    voter, reader = context_page(chromium), context_page(chromium)
    sign_in(voter, url, "carol")
    for page in (voter, reader):
        page.goto(f"{url}/amas/{slug}")  # sorted by top votes
        page.evaluate("window.__stillTheSamePage = true")

    arrived = approved(open_ama, 2, "Is the training data public?")
    card, seen = voter.locator(f"#q-{arrived.pk}"), reader.locator(f"#q-{arrived.pk}")
    expect(card).to_contain_text("Is the training data public?")
    expect(seen).to_contain_text("Is the training data public?")
    assert order(reader) == [f"q-{first.pk}", f"q-{arrived.pk}"]  # 0 votes each: the older first
    expect(card.get_by_role("button", name="Vote", exact=True)).to_be_visible()  # the signed-in viewer's form
    expect(card.get_by_text("Vote from your account")).to_have_count(0)
    expect(card.get_by_role("link", name="Report")).to_have_attribute("href", f"/questions/{arrived.pk}/report")
    expect(seen.get_by_text("Vote from your account")).to_be_visible()  # the anonymous reader's stays theirs
    expect(seen.get_by_role("button", name="Vote", exact=True)).to_have_count(0)
    assert never_reloaded(voter)

    card.get_by_role("button", name="Vote", exact=True).click()
    voter.wait_for_url(re.compile(rf"/amas/{slug}#q-{arrived.pk}$"))
    mine = voter.locator(f"#q-{arrived.pk}").get_by_role("button", name="Remove my vote")
    expect(mine).to_have_attribute("aria-pressed", "true")
    expect(seen.locator(".votes .count")).to_have_text("1 vote")
    expect(first_card(reader)).to_have_id(f"q-{arrived.pk}")
    assert order(reader) == [f"q-{arrived.pk}", f"q-{first.pk}"]  # moved above, no reload
    assert order(voter) == order(reader)  # the server's order after the vote is the same
    expect(reader.locator("#live-status")).to_have_text("New question")  # the move said nothing more
    assert never_reloaded(reader)
    voter.reload()
    expect(voter.locator(f"#q-{arrived.pk}").get_by_role("button", name="Remove my vote")).to_be_visible()
    for page in (voter, reader):
        page.context.close()


SLIDES = """window.__slides = 0;
const animate = Element.prototype.animate;
Element.prototype.animate = function () { window.__slides += 1; return animate.apply(this, arguments); };"""


def test_a_card_moving_above_the_view_leaves_the_readers_place_and_focus_and_slides_only_with_motion(
        live_site, open_ama, chromium, streams_end):
    from playwright.sync_api import expect

    from ama.models import Question

    rows = [approved(open_ama, n, f"Question number {n}? " + "Some context. " * 30, remote_votes=6 - n)
            for n in range(6)]
    climber, reading = rows[-1], rows[3]
    pages = {}
    for motion in ("no-preference", "reduce"):
        context = chromium.new_context(locale="en-US", viewport={"width": 800, "height": 500}, reduced_motion=motion)
        context.add_init_script(SLIDES)
        page = pages[motion] = context.new_page()
        page.goto(f"{live_site.url}/amas/{open_ama.slug}")
        assert order(page) == [f"q-{row.pk}" for row in rows]
    reader = pages["no-preference"]
    reader.evaluate(f"""() => {{
        document.scrollingElement.style.overflowAnchor = "none";  // Chromium's own anchoring off: live.js's is tested
        document.querySelector('#q-{climber.pk} a.permalink').focus({{preventScroll: true}});
        window.scrollTo(0, document.getElementById('q-{reading.pk}').getBoundingClientRect().top + window.scrollY + 40);
    }}""")
    top_before = reader.evaluate(f"document.getElementById('q-{reading.pk}').getBoundingClientRect().top")
    assert -100 < top_before < 0

    Question.objects.filter(pk=climber.pk).update(remote_like_count=9)
    services.vote_add(question=Question.objects.get(pk=climber.pk), actor=Actor.objects.create(
        ap_id="https://lemmy.example/u/v", username="v", domain="lemmy.example", inbox="https://lemmy.example/inbox"))
    for page in pages.values():
        expect(first_card(page)).to_have_id(f"q-{climber.pk}")
        assert order(page) == [f"q-{climber.pk}"] + [f"q-{row.pk}" for row in rows[:-1]]
    top_after = reader.evaluate(f"document.getElementById('q-{reading.pk}').getBoundingClientRect().top")
    assert abs(top_after - top_before) < 1  # scrolled to a whole pixel
    assert reader.evaluate(f"document.activeElement === document.querySelector('#q-{climber.pk} a.permalink')")
    assert reader.evaluate("window.__slides") == 1
    assert pages["reduce"].evaluate("window.__slides") == 0
    for page in pages.values():
        page.context.close()
