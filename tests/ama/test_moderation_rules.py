"""Rules: keyword filters (admin with regex validation; whole word or regex; hold or reject), the per-asker
rate limit (excess held, not dropped) and the first question from a new actor held even in post-moderation."""

import pytest
import test_moderation_support as support
from django.db import connection
from django.test.utils import CaptureQueriesContext
from test_moderation_support import ask, make_remote

from ama.models import AuditEntry, KeywordFilter, Question
from ama.rules import over_rate_limit

mod_client, moderator = support.mod_client, support.moderator  # shared fixtures


FILTERS = "/admin/ama/keywordfilter/"


def test_invalid_regex_is_a_form_error(mod_client):
    response = mod_client.post(FILTERS + "add/", {"pattern": "(unclosed", "is_regex": "on", "action": "hold"})
    assert response.status_code == 200 and b"Not a valid regular expression" in response.content
    assert not KeywordFilter.objects.exists()


def test_filters_from_the_admin_hold_and_reject(open_ama, mod_client):
    mod_client.post(FILTERS + "add/", {"pattern": "cat", "action": "hold"})
    mod_client.post(FILTERS + "add/", {"pattern": r"buy\s+now", "is_regex": "on", "action": "reject",
                                       "ama": str(open_ama.pk)})
    assert AuditEntry.objects.filter(action="keyword.add").count() == 2
    held = ask(open_ama, "Is your cat helping?")
    assert held.state == Question.State.PENDING and held.held_by == "keyword filter: cat"
    assert ask(open_ama, "What about concatenation?").held_by == ""  # whole words only
    rejected = ask(open_ama, "BUY   now!")
    assert rejected.state == Question.State.REJECTED and rejected.held_by == r"keyword filter: buy\s+now"


def test_global_and_per_ama_filters(open_ama, host):
    from test_moderation_support import make_ama
    other = make_ama(host, title="Other")
    KeywordFilter.objects.create(ama=open_ama, pattern="only-here", action="hold")
    assert ask(open_ama, "only-here?").held_by and not ask(other, "only-here?").held_by


def test_remove_filters_action(mod_client):
    rule = KeywordFilter.objects.create(pattern="x")
    mod_client.post(FILTERS, {"action": "remove_filters", "_selected_action": [rule.pk], "index": "0"})
    assert not KeywordFilter.objects.exists() and AuditEntry.objects.filter(action="keyword.delete").exists()


def test_rate_limit_holds_the_excess(open_ama):
    open_ama.moderation_mode, open_ama.rate_limit_per_hour, open_ama.hold_first_question = "post", 3, False
    open_ama.save()
    bob = make_remote("bob")
    states = [ask(open_ama, f"q{n}", author=bob) for n in range(5)]
    assert [q.state for q in states] == ["published"] * 3 + ["pending"] * 2
    assert states[-1].held_by.startswith("rate limit") and Question.objects.filter(author=bob).count() == 5


def test_first_question_from_a_new_actor_is_held_in_post_moderation(open_ama):
    open_ama.moderation_mode = "post"
    open_ama.save()
    bob = make_remote("bob")
    first, second = ask(open_ama, author=bob), ask(open_ama, author=bob)
    assert first.state == Question.State.PENDING and first.held_by == "first question from a new actor"
    assert second.state == Question.State.PUBLISHED


def test_the_rate_limits_count_reads_the_index_alone(open_ama):
    """A sender with a long history costs the count of its questions an index range, not the AMA's questions."""
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL picks its plan by the table's statistics (a small table is scanned)")
    bob = make_remote("bob")
    with CaptureQueriesContext(connection) as queries:
        over_rate_limit(open_ama, bob)
    (count,) = [q["sql"] for q in queries.captured_queries]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN QUERY PLAN " + count)
        plan = " ".join(str(row) for row in cursor.fetchall())
    assert "COVERING INDEX question_rate_limit" in plan
