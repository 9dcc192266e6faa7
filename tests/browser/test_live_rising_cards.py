"""Real Chromium: what the live pages do when votes and follow-ups move things a page does not hold. On the AMA page
sorted by votes and paged, a question from the next page whose votes rise into this page's range comes in (its card
fetched once, from ama/views/cards.py) and the card it pushed out goes, as a reload shows; a signed-in viewer's
vote on it works; a card whose votes take it past the page's edge goes and the next one comes in. Follow-ups arriving live land in their question's "N follow-ups" details, whose count moves as a
reload shows it, in English and French. The stage view's next questions reorder as votes move, take in one rising
from outside them, and slide only with motion allowed."""

import re

import pytest
from playwright.sync_api import expect

from ama import services
from ama.models import Question
from ama.views import listing
from federation.models import Actor
from tests.browser.test_live import (  # noqa: F401  (streams_end: the page's stream ends before the database)
    SLIDES,
    approved,
    context_page,
    order,
    sign_in,
    streams_end,
)

pytestmark = [pytest.mark.browser, pytest.mark.timeout(180), pytest.mark.usefixtures("streams_end")]


def voter(n: int) -> Actor:
    return Actor.objects.create(ap_id=f"https://lemmy.example/u/v{n}", username=f"v{n}", domain="lemmy.example",
                                inbox="https://lemmy.example/inbox")


def score(question: Question, remote: int, voters: int = 1) -> None:
    """Bring a question's score to `remote` + `voters`, as the tally and votes here would (one event)."""
    Question.objects.filter(pk=question.pk).update(remote_like_count=remote)
    for n in range(voters):
        services.vote_add(question=Question.objects.get(pk=question.pk), actor=voter(question.pk * 100 + n))


def card_requests(page) -> list[str]:
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url) if "/card?" in request.url else None)
    return seen


def test_a_question_rising_from_the_next_page_comes_in_and_pushes_the_last_card_out(
        live_site, open_ama, make_host, chromium, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    rows = [approved(open_ama, n, f"Question number {n}? " + "Some context. " * 60, remote_votes=5 - n)
            for n in range(5)]
    url, slug = live_site.url, open_ama.slug
    make_host(username="carol", display_name="Carol")
    reader = context_page(chromium)
    phone = context_page(chromium, width=390)
    sign_in(phone, url, "carol")
    fetched = card_requests(reader)
    for page in (reader, phone):
        page.goto(f"{url}/amas/{slug}?sort=top")
        page.evaluate("window.__stillTheSamePage = true")
        assert order(page) == [f"q-{row.pk}" for row in rows[:3]]
    phone.evaluate("window.scrollTo(0, document.body.scrollHeight)")  # reading the end: the new card lands above

    riser = rows[4]
    score(riser, remote=3)  # 4 votes: after the first two (5 and 4, received earlier), before the third (3)
    expected = [f"q-{rows[0].pk}", f"q-{rows[1].pk}", f"q-{riser.pk}"]
    expect(reader.locator(f"#q-{riser.pk}")).to_contain_text("Question number 4?")
    assert order(reader) == expected
    expect(reader.locator(f"#q-{riser.pk} .votes .count")).to_have_text("4 votes")
    expect(reader.locator(f"#q-{rows[2].pk}")).to_have_count(0)  # pushed to the next page
    expect(reader.locator("#live-new")).to_be_hidden()  # the reader is at the top: nothing pushed their view

    bar = phone.locator("#live-new")
    expect(bar).to_have_text("1 new question: show")  # above the reader's view: held behind the bar
    expect(phone.locator(f"#q-{rows[2].pk}")).to_have_count(0)
    bar.click()
    card = phone.locator(f"#q-{riser.pk}")
    expect(card).to_be_focused()
    assert order(phone) == expected
    vote = card.get_by_role("button", name="Vote", exact=True)  # this viewer's own form, not "vote from account"
    expect(card.get_by_text("Vote from your account")).to_have_count(0)
    expect(card.get_by_role("link", name="Report")).to_have_attribute("href", f"/questions/{riser.pk}/report")
    assert never_reloaded(reader) and never_reloaded(phone)
    vote.click()
    phone.wait_for_url(re.compile(rf"/amas/{slug}\?sort=top#q-{riser.pk}$"))
    expect(phone.locator(f"#q-{riser.pk}").get_by_role("button", name="Remove my vote")).to_be_visible()

    score(rows[3], remote=2)  # 3 votes, still on the next page (the last card here has 4 or 5): no card fetched
    score(rows[0], remote=6)  # a later event, to know the one before it has arrived
    expect(reader.locator(f"#q-{rows[0].pk} .votes .count")).to_have_text("7 votes")
    assert len(fetched) == 1 and f"/questions/{riser.pk}/card?sort=top" in fetched[0]
    for page in (reader, phone):
        page.context.close()


def rescored(question: Question, remote: int) -> None:
    """The question's score set to `remote` (as a tally refresh would), its votes_changed sent."""
    from ama import live

    Question.objects.filter(pk=question.pk).update(remote_like_count=remote)
    live.votes_changed(Question.objects.select_related("ama").get(pk=question.pk))


def test_a_card_whose_votes_take_it_past_its_pages_edge_goes_and_the_next_one_comes_in(
        live_site, open_ama, chromium, monkeypatch, settings):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 0  # every change sent at once
    monkeypatch.setattr(listing, "PAGE_SIZE", 3)
    rows = [approved(open_ama, n, f"Question number {n}?", remote_votes=10 - n) for n in range(6)]
    url = f"{live_site.url}/amas/{open_ama.slug}?sort=top"
    first, second = context_page(chromium), context_page(chromium, width=390)
    first.goto(url)
    second.goto(url + "&page=2")
    ids = lambda *picked: [f"q-{rows[n].pk}" for n in picked]  # noqa: E731
    assert (order(first), order(second)) == (ids(0, 1, 2), ids(3, 4, 5))

    rescored(rows[1], 2)  # 2 votes: past the last card of page 1 (8) and of page 2 (5): the last of the list
    expect(first.locator(f"#q-{rows[3].pk}")).to_be_attached()  # the first of page 2 took its place here
    expect(first.locator(f"#q-{rows[1].pk}")).to_have_count(0)
    assert order(first) == ids(0, 2, 3)
    expect(second.locator(f"#q-{rows[1].pk}")).to_be_attached()  # and came in at the end of page 2
    assert order(second) == ids(4, 5, 1)

    rescored(rows[5], 20)  # from page 2 to the top of page 1
    expect(second.locator(f"#q-{rows[5].pk}")).to_have_count(0)
    expect(second.locator(f"#q-{rows[3].pk}")).to_be_attached()  # the last of page 1, pushed down to here
    assert order(second) == ids(3, 4, 1)
    expect(first.locator(f"#q-{rows[5].pk}")).to_be_attached()
    assert order(first) == ids(5, 0, 2)
    for page, expected in ((first, ids(5, 0, 2)), (second, ids(3, 4, 1))):
        page.reload()
        assert order(page) == expected  # as the server lists them
        page.context.close()


def never_reloaded(page) -> bool:
    return page.evaluate("window.__stillTheSamePage === true")


def follow_up(ama, n: int, parent: Question, text: str) -> Question:
    asker = Actor.objects.get(ap_id="https://mastodon.example/users/bob")
    question = services.question_receive(ama=ama, author=asker, ap_id=f"https://mastodon.example/notes/{n}",
                                         content_html=f"<p>{text}</p>", parent=parent, in_reply_to=parent.ap_id)
    return services.question_approve(question=question)


THREADS = """Array.from(document.querySelectorAll('section.questions details.follow-ups, section.questions p.more'),
    node => [node.tagName, node.parentNode.id, node.open === true,
             (node.querySelector(':scope > summary') || node).textContent.trim(),
             Array.from(node.querySelectorAll(':scope > article.question'), card => card.id)])"""


@pytest.mark.parametrize("locale, one, two, more", [
    ("en-US", "1 follow-up", "2 follow-ups", "1 more reply"),
    ("fr-FR", "1 question de suivi", "2 questions de suivi", "1 réponse de plus")])
def test_follow_ups_arriving_live_are_counted_in_their_questions_summary(
        live_site, open_ama, chromium, locale, one, two, more):
    question = approved(open_ama, 1, "Which GPUs did you use?")
    page = context_page(chromium, locale=locale)
    page.goto(f"{live_site.url}/amas/{open_ama.slug}")
    page.evaluate("window.__stillTheSamePage = true")
    summary = page.locator(f"#q-{question.pk} > details.follow-ups > summary")

    first = follow_up(open_ama, 2, question, "How many?")
    expect(summary).to_have_text(one)
    expect(page.locator(f"#q-{question.pk} > details.follow-ups")).not_to_have_attribute("open", "")
    second = follow_up(open_ama, 3, question, "And how long?")
    expect(summary).to_have_text(two)
    deeper = follow_up(open_ama, 4, first, "Rented or owned?")
    expect(page.locator(f"#q-{first.pk} > details.follow-ups > summary")).to_have_text(one)
    follow_up(open_ama, 5, deeper, "Which cloud?")  # deeper than the AMA page shows: its question's link counts it
    link = page.locator(f"#q-{deeper.pk} > p.more > a")
    expect(link).to_have_text(more)
    expect(link).to_have_attribute("href", f"/amas/{open_ama.slug}/questions/{deeper.pk}")
    services.question_hide(question=Question.objects.get(pk=second.pk))
    expect(summary).to_have_text(one)
    live = page.evaluate(THREADS)
    assert never_reloaded(page)
    page.reload()
    assert page.evaluate(THREADS) == live  # the same details, counts and cards as the server renders
    page.close()


def stage_queue(page) -> list[str]:
    return page.evaluate("Array.from(document.querySelectorAll('#stage-queue > li'), li => li.dataset.questionId)")


def test_the_stage_queue_reorders_as_votes_move_and_takes_in_a_question_rising_from_outside(
        live_site, open_ama, chromium):
    rows = [approved(open_ama, n, f"Question number {n}?", remote_votes=30 - n) for n in range(12)]
    pages = {}
    for motion in ("no-preference", "reduce"):
        context = chromium.new_context(locale="en-US", viewport={"width": 1280, "height": 900}, reduced_motion=motion)
        context.add_init_script(SLIDES)
        pages[motion] = context.new_page()
        pages[motion].goto(f"{live_site.url}/amas/{open_ama.slug}/stage")
        assert stage_queue(pages[motion]) == [str(row.pk) for row in rows[:10]]
    stage = pages["no-preference"]

    score(rows[3], remote=40)  # 41: first
    expected = [rows[3]] + rows[:3] + rows[4:10]
    for page in pages.values():
        expect(page.locator("#stage-queue > li").first).to_have_attribute("data-question-id", str(rows[3].pk))
        assert stage_queue(page) == [str(row.pk) for row in expected]
    expect(stage.locator("#stage-queue > li").first).to_contain_text("41")
    assert stage.evaluate("window.__slides") > 0
    assert pages["reduce"].evaluate("window.__slides") == 0

    score(rows[11], remote=28)  # 29 votes, as many as rows[1] (received before it): from outside, third
    expected = [rows[3], rows[0], rows[1], rows[11], rows[2]] + rows[4:9]
    expect(stage.locator(f'#stage-queue > li[data-question-id="{rows[11].pk}"]')).to_contain_text("Question number 11?")
    assert stage_queue(stage) == [str(row.pk) for row in expected]  # ten: the last one went
    score(rows[2], remote=28)  # 29, received before rows[11]: ties go by who asked first
    expected = [rows[3], rows[0], rows[1], rows[2], rows[11]] + rows[4:9]
    expect(stage.locator("#stage-queue > li").nth(3)).to_have_attribute("data-question-id", str(rows[2].pk))
    assert stage_queue(stage) == [str(row.pk) for row in expected]
    stage.reload()
    assert stage_queue(stage) == [str(row.pk) for row in expected]  # what the server shows
    for page in pages.values():
        page.context.close()


def test_the_stage_queue_takes_in_the_next_questions_as_the_host_answers_past_its_first_ten(
        live_site, open_ama, host, chromium):
    rows = [approved(open_ama, n, f"Question number {n}?", remote_votes=30 - n) for n in range(14)]
    context = chromium.new_context(locale="en-US", viewport={"width": 1280, "height": 900})
    stage = context.new_page()
    stage.goto(f"{live_site.url}/amas/{open_ama.slug}/stage")
    assert stage_queue(stage) == [str(row.pk) for row in rows[:10]]
    for n in range(4):  # the host takes the top question four times and answers it
        question = Question.objects.get(pk=rows[n].pk)
        services.question_now_answering(question=question, on=True)
        expect(stage.locator("#stage-current")).to_have_attribute("data-question-id", str(rows[n].pk))
        services.answer_publish(question=question, author=host, body=f"Answer {n}.")
        expect(stage.locator("#stage-current .stage-answer")).to_contain_text(f"Answer {n}.")
        expected = [str(row.pk) for row in rows[n + 1:n + 11]]  # still ten, the next one from outside at the end
        expect(stage.locator("#stage-queue > li").last).to_have_attribute("data-question-id", expected[-1])
        assert stage_queue(stage) == expected
    expect(stage.locator("#stage-queue > li").last).to_contain_text("Question number 13?")
    services.question_hide(question=Question.objects.get(pk=rows[4].pk))  # a hidden one leaves room too, and
    expect(stage.locator("#stage-queue > li")).to_have_count(9)  # nothing is left to take its place
    stage.reload()
    assert stage_queue(stage) == [str(row.pk) for row in rows[5:14]]  # what the server shows
    context.close()
