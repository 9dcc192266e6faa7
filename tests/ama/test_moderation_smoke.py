"""Every moderation admin page renders for a global moderator."""

import pytest
import test_moderation_support as support
from test_moderation_support import ask

from ama import services

moderator, mod_client = support.moderator, support.mod_client  # shared fixtures


@pytest.mark.parametrize("url", [
    "/admin/", "/admin/ama/question/", "/admin/ama/askeractor/", "/admin/federation/domainblock/",
    "/admin/federation/domainblock/add/", "/admin/federation/domainblock/import/", "/admin/ama/keywordfilter/",
    "/admin/ama/keywordfilter/add/", "/admin/ama/report/", "/admin/ama/auditentry/",
])
def test_pages_render(open_ama, mod_client, url):
    question = ask(open_ama)
    services.report_create(user=None, question=question, comment="spam")
    assert mod_client.get(url).status_code == 200


def test_object_pages_render(open_ama, mod_client):
    question = ask(open_ama)
    report = services.report_create(user=None, question=question, comment="spam")
    entry = question.audit_entries.first() or services.question_star(question=question).audit_entries.first()
    for url in (f"/admin/ama/question/{question.pk}/change/", f"/admin/ama/askeractor/{question.author_id}/change/",
                f"/admin/ama/report/{report.pk}/change/", f"/admin/ama/auditentry/{entry.pk}/change/"):
        response = mod_client.get(url)
        assert response.status_code == 200, url
