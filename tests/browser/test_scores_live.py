"""Real Chromium: a batch of the remote-tally refresher (one scores_changed event) changes the scores an open AMA
page shows, with their parts, in the page's language, without a reload."""

import pytest
from playwright.sync_api import expect

from ama import services
from ama.models import Question, TallyState
from ama.services.tallies import Counted, Refresh
from ama.tallies.likes import Likes
from tests.browser.test_live import context_page, streams_end  # noqa: F401  (streams end before the database)
from tests.browser.test_votes import asked

pytestmark = pytest.mark.browser


@pytest.mark.usefixtures("streams_end")
@pytest.mark.parametrize("locale, label, parts", [
    ("en-US", "9 votes", "9 votes: 1 here, 8 on mastodon.example"),
    ("fr-FR", "9 votes", "9 votes : 1 ici, 8 sur mastodon.example")])
def test_a_refresher_batch_moves_the_scores_on_an_open_page(live_site, transactional_db, open_ama, chromium,
                                                             locale, label, parts):
    first, second = asked(open_ama, 1, "Which GPUs did you use?", "en"), asked(open_ama, 2, "Which data?", "en")
    services.vote_add(question=first, actor=open_ama.host)
    for question in (first, second):
        TallyState.objects.create(question=question, origin="mastodon.example")
    page = context_page(chromium, locale=locale)
    page.goto(f"{live_site.url}/amas/{open_ama.slug}")
    count = page.locator(f"#q-{first.pk} .votes .count")
    expect(count).to_have_attribute("data-votes", "1")
    assert count.get_attribute("title") is None  # no remote votes yet: no parts

    rows = Question.objects.select_related("ama").filter(pk__in=[first.pk, second.pk]).order_by("pk")
    services.questions_tally_update([Counted(row, "mastodon.example", Likes(total=8, likers=frozenset()),
                                             Refresh(None, 30)) for row in rows])

    expect(count).to_have_attribute("data-votes", "9")
    expect(count).to_have_text(label)
    expect(count).to_have_attribute("title", parts)
    expect(count).to_have_attribute("aria-label", parts)
    expect(page.locator(f"#q-{second.pk} .votes .count")).to_have_attribute("data-votes", "8")
    page.close()
