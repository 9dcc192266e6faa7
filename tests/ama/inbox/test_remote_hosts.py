"""A host on another server: named by a claim, verified by a code the account sends, then answering by reply."""

import json
import uuid
from pathlib import Path

import pytest

from ama import services
from ama.models import AuditEntry, Question, RemoteHostClaim
from federation.models import InboxMessage, OutboxActivity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "lemmy"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def lemmy_comment(actor, ama, in_reply_to, text) -> dict:
    raw = (FIXTURES / "comment_create.json").read_text()
    values = dict(actor=actor.ap_id, base=actor.peer.base, group=ama.group.ap_id, n=uuid.uuid4().hex[:12],
                  text=text, in_reply_to=in_reply_to, parent_author=ama.host.ap_id)
    for key, value in values.items():
        raw = raw.replace("{{" + key + "}}", value)
    return json.loads(raw)


def mastodon_note(actor, text, *, in_reply_to=None, mention=None) -> dict:
    note = {"id": f"{actor.peer.base}/statuses/{uuid.uuid4().hex}", "type": "Note", "attributedTo": actor.ap_id,
            "inReplyTo": in_reply_to, "content": f"<p>{text}</p>", "to": [mention or PUBLIC], "tag": []}
    if mention:
        note["tag"] = [{"type": "Mention", "href": mention}]
    return {"id": note["id"] + "/activity", "type": "Create", "actor": actor.ap_id, "object": note}


@pytest.fixture
def hana(peer, db):
    return peer.actor("hana")


@pytest.fixture
def approved(open_ama, remote_actor, deliver_inbox):
    body = lemmy_comment(remote_actor, open_ama, open_ama.page_ap_id, "What did you train on?")
    deliver_inbox(body)
    question = Question.objects.get(ap_id=body["object"]["id"])
    return services.question_approve(question=question)


def verify(open_ama, hana, deliver_inbox) -> RemoteHostClaim:
    claim = services.remote_host_claim_start(ama=open_ama, account=hana.ap_id)
    dm = mastodon_note(hana, f"My code: {claim.code}", mention=open_ama.group.ap_id)
    message = deliver_inbox(dm)
    assert message.state == InboxMessage.State.PROCESSED and "remote host verified" in message.result
    claim.refresh_from_db()
    return claim


def test_code_sent_by_the_account_verifies_it_and_is_not_a_question(open_ama, hana, deliver_inbox):
    claim = verify(open_ama, hana, deliver_inbox)
    assert claim.verified_at and claim.evidence_ap_id.startswith(hana.peer.base)
    assert open_ama.is_host(claim.actor) and not Question.objects.exists()


def test_code_from_another_account_or_a_wrong_code_verifies_nothing(open_ama, hana, remote_actor, deliver_inbox):
    claim = services.remote_host_claim_start(ama=open_ama, account=hana.ap_id)
    deliver_inbox(mastodon_note(remote_actor, claim.code, mention=open_ama.host.ap_id))
    deliver_inbox(mastodon_note(hana, "fediama-aaaaaaaaaa", mention=open_ama.group.ap_id))
    claim.refresh_from_db()
    assert claim.verified_at is None and not open_ama.is_host(claim.actor)


def test_local_accounts_are_not_claimed(open_ama, host):
    with pytest.raises(services.ServiceError):
        services.remote_host_claim_start(ama=open_ama, account=host.ap_id)


def test_unverified_cohost_reply_is_a_follow_up_not_an_answer(open_ama, hana, approved, deliver_inbox):
    services.remote_host_claim_start(ama=open_ama, account=hana.ap_id)
    open_ama.cohosts.add(RemoteHostClaim.objects.get().actor)  # named, but never proved
    deliver_inbox(lemmy_comment(hana, open_ama, approved.ap_id, "Common Crawl."))
    assert not approved.answers.exists()
    assert Question.objects.get(author__ap_id=hana.ap_id).parent == approved


def test_verified_host_answers_from_lemmy_and_the_group_announces_it(open_ama, hana, approved, deliver_inbox):
    verify(open_ama, hana, deliver_inbox)
    reply = lemmy_comment(hana, open_ama, approved.ap_id, "Common Crawl, filtered.")
    assert deliver_inbox(reply).state == InboxMessage.State.PROCESSED
    answer = approved.answers.get()
    assert answer.ap_id == reply["object"]["id"] and "Common Crawl, filtered." in answer.content_html
    approved.refresh_from_db()
    assert approved.answered_at is not None
    announce = OutboxActivity.objects.filter(actor=open_ama.group, activity_type="Announce").last().body
    assert announce["object"]["id"] == reply["id"] and announce["object"]["object"]["id"] == answer.ap_id
    from ama.activitypub.replies import context_collection
    assert answer.ap_id in context_collection(open_ama, "1")["orderedItems"]


def test_verified_host_answers_from_mastodon(open_ama, hana, approved, deliver_inbox):
    verify(open_ama, hana, deliver_inbox)
    reply = mastodon_note(hana, "Mostly Wikipedia.", in_reply_to=approved.ap_id, mention=approved.author.ap_id)
    assert deliver_inbox(reply).state == InboxMessage.State.PROCESSED
    assert approved.answers.get().author.ap_id == hana.ap_id


def test_operator_names_a_remote_host_from_the_command_line(open_ama, hana, deliver_inbox):
    from io import StringIO

    from django.core.management import CommandError, call_command

    out = StringIO()
    call_command("remotehost", open_ama.slug, hana.ap_id, stdout=out)
    claim = RemoteHostClaim.objects.get(ama=open_ama)
    assert claim.code in out.getvalue() and claim.role == RemoteHostClaim.Role.COHOST and not claim.verified_at
    deliver_inbox(mastodon_note(hana, f"code {claim.code}", mention=open_ama.host.ap_id))
    assert open_ama.is_host(claim.actor)
    call_command("remotehost", open_ama.slug, hana.ap_id, stdout=out)
    assert "already a verified" in out.getvalue()
    call_command("remotehost", open_ama.slug, hana.ap_id, "--revoke", stdout=out)
    assert not RemoteHostClaim.objects.exists() and not open_ama.is_host(claim.actor)
    with pytest.raises(CommandError, match="no AMA with the slug"):
        call_command("remotehost", "no-such-ama", hana.ap_id)
    with pytest.raises(CommandError, match="could not find that account"):
        call_command("remotehost", open_ama.slug, "nobody@127.0.0.1:9")


def lemmy_delete(actor, ama, object_id) -> dict:
    return {"id": f"{actor.peer.base}/activities/delete/{uuid.uuid4().hex}", "type": "Delete",
            "actor": actor.ap_id, "object": object_id, "to": [PUBLIC], "cc": [ama.group.ap_id],
            "audience": ama.group.ap_id}


def test_a_remote_host_deletes_their_answer_and_the_community_gets_their_delete(open_ama, hana, approved,
                                                                                deliver_inbox):
    verify(open_ama, hana, deliver_inbox)
    deliver_inbox(lemmy_comment(hana, open_ama, approved.ap_id, "Common Crawl, filtered."))
    answer = approved.answers.get()
    delete = lemmy_delete(hana, open_ama, answer.ap_id)
    message = deliver_inbox(delete)
    assert message.state == InboxMessage.State.PROCESSED and "deleted by its author" in message.result
    answer.refresh_from_db()
    approved.refresh_from_db()
    assert answer.deleted_at is not None and approved.answered_at is None
    announce = OutboxActivity.objects.filter(actor=open_ama.group, activity_type="Announce").last().body
    assert announce["object"] == delete  # relayed as hana signed it
    entry = AuditEntry.objects.get(action="answer.delete")
    assert entry.actor_ap_id == hana.ap_id and entry.target == answer.ap_id


def test_a_host_removed_since_may_still_delete_their_answer(open_ama, hana, approved, deliver_inbox):
    claim = verify(open_ama, hana, deliver_inbox)
    deliver_inbox(mastodon_note(hana, "Mostly Wikipedia.", in_reply_to=approved.ap_id))
    answer = approved.answers.get()
    RemoteHostClaim.objects.all().delete()
    open_ama.cohosts.clear()
    assert not open_ama.is_host(claim.actor)
    deliver_inbox(lemmy_delete(hana, open_ama, answer.ap_id))
    answer.refresh_from_db()
    assert answer.deleted_at is not None


def test_nobody_else_deletes_a_hosts_answer_and_a_repeat_changes_nothing(open_ama, hana, remote_actor, approved,
                                                                         deliver_inbox):
    verify(open_ama, hana, deliver_inbox)
    deliver_inbox(lemmy_comment(hana, open_ama, approved.ap_id, "Common Crawl, filtered."))
    answer = approved.answers.get()
    forged = deliver_inbox(lemmy_delete(remote_actor, open_ama, answer.ap_id))
    answer.refresh_from_db()
    assert forged.state == InboxMessage.State.IGNORED and answer.deleted_at is None
    deliver_inbox(lemmy_delete(hana, open_ama, answer.ap_id))
    announces = OutboxActivity.objects.filter(actor=open_ama.group, activity_type="Announce").count()
    again = deliver_inbox(lemmy_delete(hana, open_ama, answer.ap_id))
    assert again.state == InboxMessage.State.IGNORED
    assert OutboxActivity.objects.filter(actor=open_ama.group, activity_type="Announce").count() == announces


def lemmy_update(comment_create: dict, text: str) -> dict:
    note = {**comment_create["object"], "content": f"<p>{text}</p>", "updated": "2026-11-29T19:00:00Z"}
    return {"id": f"{note['id']}/update/{uuid.uuid4().hex[:8]}", "type": "Update",
            "actor": comment_create["actor"], "object": note, "to": [PUBLIC], "cc": comment_create.get("cc", [])}


def test_a_remote_host_edits_their_answer_and_the_community_gets_their_update(open_ama, hana, approved,
                                                                              deliver_inbox):
    verify(open_ama, hana, deliver_inbox)
    reply = lemmy_comment(hana, open_ama, approved.ap_id, "Common Crawl, filtered.")
    deliver_inbox(reply)
    update = lemmy_update(reply, "Common Crawl, <script>x</script>deduplicated.")
    message = deliver_inbox(update)
    assert message.state == InboxMessage.State.PROCESSED and "edited by its author" in message.result
    answer = approved.answers.get()
    assert "deduplicated." in answer.content_html and "<script>" not in answer.content_html
    assert answer.updated_at is not None
    announce = OutboxActivity.objects.filter(actor=open_ama.group, activity_type="Announce").last().body
    assert announce["object"] == update
    assert AuditEntry.objects.get(action="answer.edit").actor_ap_id == hana.ap_id


def test_an_answer_edit_leaving_no_text_by_a_removed_host_or_by_someone_else_changes_nothing(open_ama, hana, remote_actor,
                                                                             approved, deliver_inbox):
    claim = verify(open_ama, hana, deliver_inbox)
    reply = lemmy_comment(hana, open_ama, approved.ap_id, "Common Crawl, filtered.")
    deliver_inbox(reply)
    emptied = deliver_inbox(lemmy_update(reply, "<b> </b>"))
    assert emptied.state == InboxMessage.State.IGNORED and "needs text" in emptied.result
    forged = {**lemmy_update(reply, "Forged."), "actor": remote_actor.ap_id}
    forged["object"] = {**forged["object"], "attributedTo": remote_actor.ap_id}
    assert deliver_inbox(forged).state == InboxMessage.State.IGNORED
    RemoteHostClaim.objects.all().delete()
    open_ama.cohosts.clear()
    assert not open_ama.is_host(claim.actor)
    late = deliver_inbox(lemmy_update(reply, "Edited after I left."))
    assert late.state == InboxMessage.State.IGNORED and "no longer hosts" in late.result
    assert "Common Crawl, filtered." in approved.answers.get().content_html
