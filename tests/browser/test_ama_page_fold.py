"""Real Chromium (issue 21): on a 1280x800 desktop and a 390x844 phone, in English and French, the first question
of a live AMA (with a host bio, an intro of several paragraphs and a question being answered now) starts within the
first screen; the "Ask or vote from your account" control opens without JavaScript's help (details/summary)."""

import pytest

from ama import services
from federation.models import Actor
from tests.browser.test_live import streams_end  # noqa: F401  (the page's event stream ends before the database)
from tests.browser.test_votes import asked

pytestmark = pytest.mark.browser
INTRO = "\n\n".join(f"Paragraph {n} of a long introduction about open models, data and free software." * 3
                    for n in range(4))


@pytest.fixture
def ama(live_site, transactional_db, open_ama):
    Actor.objects.filter(pk=open_ama.host_id).update(
        display_name="Camille Navarro", summary="Machine-learning engineer. I train and evaluate open language "
                                                "models and contribute to free training libraries.")
    services.ama_update(ama=open_ama, intro=INTRO)
    questions = [asked(open_ama, n, f"Question number {n}: which licence would you choose, and why?", "en")
                 for n in range(1, 4)]
    services.question_now_answering(question=questions[1], on=True)
    return open_ama


@pytest.mark.usefixtures("streams_end")
@pytest.mark.parametrize("locale", ["en-US", "fr-FR"])
@pytest.mark.parametrize("viewport", [(1280, 800), (390, 844)])
def test_the_first_question_starts_on_the_first_screen(live_site, ama, chromium, viewport, locale):
    width, height = viewport
    page = chromium.new_page(locale=locale, viewport={"width": width, "height": height})
    page.goto(f"{live_site.url}/amas/{ama.slug}")
    assert page.locator("#now-answering").is_visible()
    first = page.locator("section.questions > article.question").first.bounding_box()
    assert first["y"] < height, (viewport, locale, first)
    page.locator("details.take-part > summary").click()
    assert page.locator("details.take-part input[name=handle]").is_visible()
    page.close()
