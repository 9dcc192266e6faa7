"""The audit log (read-only, undo where possible) and the public moderation log page."""

import test_moderation_support as support
from django.test import Client
from test_moderation_support import act, ask, make_remote

from ama import services
from ama.models import ActorPolicy, AuditEntry, Question
from federation.models import DomainBlock

mod_client, moderator = support.mod_client, support.moderator  # shared fixtures


LOG = "/admin/ama/auditentry/"


def test_audit_log_is_read_only(open_ama, mod_client):
    services.question_approve(question=ask(open_ama))
    entry = AuditEntry.objects.get(action="question.approve")
    page = mod_client.get(f"{LOG}{entry.pk}/change/")
    assert page.status_code == 200 and b'name="reason"' not in page.content
    assert mod_client.get(f"{LOG}add/").status_code == 403
    assert mod_client.post(f"{LOG}{entry.pk}/delete/").status_code == 403


def test_undo_hide_ban_and_domain_block(open_ama, mod_client, moderator):
    question = services.question_approve(question=ask(open_ama))
    services.question_hide(question=question, by_user=moderator)
    bob = make_remote("bob")
    services.actor_ban(actor=bob, by_user=moderator)
    services.domain_block(domain="spam.example", by_user=moderator)
    entries = AuditEntry.objects.filter(action__in=["question.hide", "actor.ban", "domain.block"])
    assert act(mod_client, "undo", entries, url=LOG).status_code == 302
    question.refresh_from_db()
    assert question.state == Question.State.PUBLISHED
    assert not ActorPolicy.objects.get(actor=bob, ama=None).banned
    assert not DomainBlock.objects.exists()
    assert all(e.undone_at for e in AuditEntry.objects.filter(pk__in=[e.pk for e in entries]))


def test_undo_restores_the_previous_domain_policy_and_display_text(open_ama, moderator, mod_client):
    services.domain_limit(domain="x.example", public_comment="noisy")
    services.domain_block(domain="x.example", by_user=moderator)
    question = services.question_approve(question=ask(open_ama))
    services.question_edit_display(question=question, display_html="<p>tidied</p>", by_user=moderator)
    entries = AuditEntry.objects.filter(action__in=["domain.block", "question.edit_display"])
    act(mod_client, "undo", entries, url=LOG)
    block = DomainBlock.objects.get()
    assert block.severity == "silence" and block.public_comment == "noisy"
    question.refresh_from_db()
    assert question.display_html == ""


def test_actions_that_cannot_be_undone_say_so(open_ama, mod_client):
    question = services.question_approve(question=ask(open_ama))
    entry = AuditEntry.objects.get(action="question.approve")
    act(mod_client, "undo", [entry], url=LOG)
    entry.refresh_from_db(), question.refresh_from_db()
    assert entry.undone_at is None and question.state == Question.State.PUBLISHED


def test_public_log_shows_action_and_reason_with_the_handle_masked(open_ama):
    bob = make_remote("bobby", "bob.example")
    rejected = ask(open_ama, "a secret rejected text", author=bob)
    services.question_reject(question=rejected, reason="personal-data")
    services.question_approve(question=ask(open_ama))
    services.actor_note(actor=bob, note="private note")
    page = Client().get(f"/amas/{open_ama.slug}/moderation").content.decode()
    assert "rejected a question" in page and "personal data" in page and "approved a question" in page
    assert "@b…@bob.example" in page and "bobby" not in page
    assert "a secret rejected text" not in page and "private note" not in page


def test_public_log_pages_by_100_newest_first(open_ama):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ama import audit

    for n in range(105):
        audit.record(user=None, action="question.approve", ama=open_ama, target=f"@u{n:03}@x.example",
                     reason=f"entry {n:03}", public=True)
    with CaptureQueriesContext(connection) as queries:
        first = Client().get(f"/amas/{open_ama.slug}/moderation").content.decode()
    reads = [query["sql"] for query in queries.captured_queries if "ama_auditentry" in query["sql"]]
    assert reads and all("COUNT(" in sql or "LIMIT 100" in sql for sql in reads)  # one page read, not the log
    assert "entry 104" in first and "entry 005" in first and "entry 004" not in first and "Older" in first
    older = Client().get(f"/amas/{open_ama.slug}/moderation?page=2").content.decode()
    assert "entry 004" in older and "entry 000" in older and "entry 005" not in older and "Newer" in older


def test_public_log_speaks_the_visitors_language(open_ama):
    bob = make_remote("bobby", "bob.example")
    services.question_reject(question=ask(open_ama, "a rejected text", author=bob), reason="personal-data")
    from ama import audit

    audit.record(user=None, action="actor.ban", ama=open_ama, target="https://spam.example/users/x", public=True)
    french = Client().get(f"/amas/{open_ama.slug}/moderation", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "a refusé une question" in french and "a banni un compte" in french
    assert "un compte sur spam.example" in french and "@b…@bob.example" in french
    english = Client().get(f"/amas/{open_ama.slug}/moderation").content.decode()
    assert "rejected a question" in english and "an account on spam.example" in english
