"""Real Chromium in Paris: the host edits the AMA (times typed in Paris time, stored in UTC, shown back with the
zone named), adds a co-host, closes it after the confirmation, reopens it and downloads its Markdown export."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from ama import services
from ama.models import Ama

pytestmark = pytest.mark.browser


@pytest.fixture
def paris_page(chromium):
    context = chromium.new_context(locale="en-US", timezone_id="Europe/Paris", viewport={"width": 1000, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def setting(live_site, transactional_db, make_host):
    host, erin = make_host("alice", "Alice"), make_host("erin", "Erin")
    ama = services.ama_create(host=host, title="Open models", opens_at=timezone.now() - timedelta(hours=1),
                              closes_at=timezone.now() + timedelta(hours=2), publish=True)
    return ama, erin


def test_host_edits_adds_a_cohost_closes_and_reopens(live_site, setting, paris_page):
    ama, erin = setting
    page = paris_page
    page.goto(f"{live_site.url}/accounts/login/?next=/dashboard/{ama.slug}/")
    page.get_by_label("Username").fill("alice")
    page.get_by_label("Password").fill("correct-horse-battery")
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"/dashboard/{ama.slug}/$"))

    page.get_by_role("link", name="Edit the AMA").click()
    assert page.locator("input[name=tz]").input_value() == "Europe/Paris"
    assert "(Europe/Paris)" in page.locator("label[for=id_opens_at]").inner_text()
    page.get_by_label("Title").fill("Open models, edited")
    page.locator("#id_closes_at").fill("2031-07-01T18:00")
    page.get_by_role("button", name="Save").click()
    assert "Your AMA is updated." in page.locator(".messages").inner_text()
    ama.refresh_from_db()
    assert ama.title == "Open models, edited" and ama.closes_at == datetime(2031, 7, 1, 16, 0, tzinfo=UTC)
    assert page.locator("time[data-local-time]").last.inner_text() == "Jul 1, 2031, 6:00 PM"  # Paris time, en-US
    assert "(Europe/Paris)" in page.locator("abbr[data-zone-name]").first.inner_text()

    page.get_by_role("link", name="Team").click()
    page.get_by_label("Account").fill("erin")
    page.get_by_role("button", name="Add the co-host").click()
    assert erin.handle in page.locator("ul.team").inner_text()
    assert ama.cohosts.filter(pk=erin.pk).exists()

    page.get_by_role("link", name="Back to the dashboard").click()
    page.get_by_role("link", name="Close now").click()
    assert "Close now?" in page.locator("h1").inner_text()
    page.get_by_role("button", name="Yes, close now").click()
    assert "The AMA is closed." in page.locator(".messages").inner_text()
    assert Ama.objects.get(pk=ama.pk).state == Ama.State.ENDED

    page.get_by_role("link", name="Reopen").click()
    page.locator("#id_closes_at").fill("2031-08-01T09:30")
    page.get_by_role("button", name="Reopen").click()
    assert "The AMA is open again." in page.locator(".messages").inner_text()
    ama.refresh_from_db()
    assert ama.state == Ama.State.LIVE and ama.closes_at == datetime(2031, 8, 1, 7, 30, tzinfo=UTC)

    page.get_by_role("link", name="Public page").first.click()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Markdown", exact=True).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".md")
    assert "Open models, edited" in open(download.path(), encoding="utf-8").read()
