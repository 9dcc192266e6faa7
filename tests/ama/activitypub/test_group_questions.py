"""Questions in the community (ama/activitypub/group_questions.py): what a Lemmy follower of the AMA's Group is sent when a
question is edited by its author, re-approved, removed and restored by a moderator."""

import copy

import pytest

from ama import services
from ama.models import AuditEntry, Question
from federation.models import Actor, Delivery, InboxMessage
from tests.ama.activitypub.test_groups import PUBLIC, comment, group_announces, lemmy, shapes


@pytest.fixture
def follower(remote_actor, open_ama, deliver_inbox):
    """bob (a Lemmy user on the peer) follows the AMA's community."""
    assert deliver_inbox(lemmy("follow_group", **shapes(remote_actor, open_ama))).state == InboxMessage.State.PROCESSED
    return remote_actor


@pytest.fixture
def shown(open_ama, follower, deliver_inbox) -> Question:
    """bob's comment, approved: the Group has announced its Create."""
    return services.question_approve(question=comment(deliver_inbox, follower, open_ama, text="Which GPUs?"))


def edit(deliver_inbox, question: Question, text: str, n: int = 1) -> dict:
    """bob's Lemmy edits his comment: an Update(Note) shaped like the Create it came in."""
    update = copy.deepcopy(question.received_message.body)
    update["type"], update["id"] = "Update", update["id"].replace("/create/", "/update/") + f"-{n}"
    update["object"]["content"], update["object"]["source"]["content"] = f"<p>{text}</p>\n", text
    update["object"]["updated"] = "2024-05-01T13:00:00.000000Z"
    message = deliver_inbox(update)
    assert message.state == InboxMessage.State.PROCESSED, (message.result, message.error)
    question.refresh_from_db()
    return update


def about(ama, question: Question) -> list[tuple[str, str]]:
    """What the Group announced about the question: (activity type, actor), in order."""
    found = []
    for body in group_announces(ama):
        inner = body["object"]
        target = inner["object"]
        target = target.get("object", target.get("id")) if isinstance(target, dict) else target
        target = target.get("id") if isinstance(target, dict) else target
        if target == question.ap_id and inner["type"] in ("Create", "Update", "Delete", "Undo"):
            found.append((inner["type"], inner["actor"]))
    return found


def delivered_to(follower, announce: dict) -> bool:
    return Delivery.objects.filter(activity__ap_id=announce["id"], inbox=follower.peer.base + "/inbox").exists()


def without_context(body: dict) -> dict:
    return {key: value for key, value in body.items() if key != "@context"}


# ---- an author's edit ----------------------------------------------------------------------------

def test_edit_under_review_reaches_the_community_only_once_re_approved(open_ama, follower, shown, deliver_inbox):
    update = edit(deliver_inbox, shown, "Which GPUs, and how many?")
    assert shown.state == Question.State.PENDING and open_ama.review_edits
    assert about(open_ama, shown) == [("Create", follower.ap_id)]  # the community keeps the approved text

    services.question_approve(question=shown)
    announced = group_announces(open_ama)[-1]
    assert announced["object"] == without_context(update)  # the edit as bob signed it
    assert "how many?" in announced["object"]["object"]["content"]
    assert about(open_ama, shown) == [("Create", follower.ap_id), ("Update", follower.ap_id)]
    assert delivered_to(follower, announced)


def test_with_review_edits_off_the_edit_is_announced_at_once(open_ama, follower, shown, deliver_inbox):
    open_ama.review_edits = False
    open_ama.save(update_fields=["review_edits"])
    update = edit(deliver_inbox, shown, "Which GPUs, and how many?")
    assert shown.state == Question.State.PUBLISHED
    announced = group_announces(open_ama, "Update")[-1]
    assert announced["object"] == without_context(update) and delivered_to(follower, announced)
    services.question_approve(question=shown)  # approving what is shown sends nothing again
    assert about(open_ama, shown) == [("Create", follower.ap_id), ("Update", follower.ap_id)]


def test_each_edit_is_announced_once_and_the_latest_wins(open_ama, follower, shown, deliver_inbox):
    open_ama.review_edits = False
    open_ama.save(update_fields=["review_edits"])
    edit(deliver_inbox, shown, "Second text", n=1)
    latest = edit(deliver_inbox, shown, "Third text", n=2)
    updates = group_announces(open_ama, "Update")
    assert [u["object"]["object"]["content"] for u in updates] == ["<p>Second text</p>\n", "<p>Third text</p>\n"]
    assert updates[-1]["object"]["id"] == latest["id"]


def test_rejected_edit_is_not_announced_and_the_question_leaves_the_community(open_ama, follower, shown,
                                                                               deliver_inbox):
    edit(deliver_inbox, shown, "Buy cheap GPUs at spam.example")
    services.question_reject(question=shown, reason=Question.RejectReason.SPAM)
    assert not group_announces(open_ama, "Update")
    assert about(open_ama, shown) == [("Create", follower.ap_id), ("Delete", open_ama.host.ap_id)]
    delete = group_announces(open_ama, "Delete")[-1]
    assert delete["object"]["summary"] == "spam" and delivered_to(follower, delete)


def test_edit_before_the_first_approval_is_the_text_first_shown(open_ama, follower, deliver_inbox):
    question = comment(deliver_inbox, follower, open_ama, text="My phone number is 555-0100")
    edit(deliver_inbox, question, "Which GPUs?")
    assert question.state == Question.State.PENDING
    services.question_approve(question=question)
    assert about(open_ama, question) == [("Create", follower.ap_id)]  # no Update after it
    create = group_announces(open_ama, "Create")[-1]["object"]
    assert create["object"]["content"].strip() == "<p>Which GPUs?</p>"
    assert create["object"]["inReplyTo"] == open_ama.page_ap_id
    assert "555-0100" not in str(group_announces(open_ama))


def test_edit_whose_message_is_gone_is_announced_in_our_rendering(open_ama, follower, shown, deliver_inbox):
    edit(deliver_inbox, shown, "Which GPUs, and how many?")
    InboxMessage.objects.filter(pk=shown.edit_message_id).delete()
    shown.refresh_from_db()
    services.question_approve(question=shown)
    update = group_announces(open_ama, "Update")[-1]["object"]
    assert update["id"].startswith(shown.ap_id + "#update-") and update["actor"] == follower.ap_id
    assert update["object"]["content"].strip() == "<p>Which GPUs, and how many?</p>"
    assert update["object"]["updated"] and update["audience"] == open_ama.group.ap_id


def test_mastodon_reply_edit_is_rendered_under_the_page(open_ama, follower, deliver_inbox):
    note = {"id": f"{follower.peer.base}/statuses/7", "type": "Note", "attributedTo": follower.ap_id,
            "inReplyTo": open_ama.ap_id, "content": "<p>Hi</p>", "to": [PUBLIC]}
    deliver_inbox({"id": note["id"] + "/activity", "type": "Create", "actor": follower.ap_id, "object": note})
    question = services.question_approve(question=Question.objects.get(ap_id=note["id"]))
    edited = dict(note, content="<p>Hi again</p>")
    update = {"id": note["id"] + "#updates/1", "type": "Update", "actor": follower.ap_id, "object": edited}
    assert deliver_inbox(update).state == InboxMessage.State.PROCESSED
    question.refresh_from_db()
    services.question_approve(question=question)
    update = group_announces(open_ama, "Update")[-1]["object"]
    assert update["object"]["inReplyTo"] == open_ama.page_ap_id and update["object"]["content"] == "<p>Hi again</p>"


# ---- undoing a removal ---------------------------------------------------------------------------

def _restore_by_approval(question, moderator):
    services.question_approve(question=question, by_user=moderator)


def _restore_by_unhide(question, moderator):
    services.question_unhide(question=question, by_user=moderator)


def _restore_by_audit_undo(question, moderator):
    services.audit_undo(entry=AuditEntry.objects.filter(action="question.hide", question=question).get(),
                        by_user=moderator)


@pytest.mark.parametrize("remove, restore", [
    ("reject", _restore_by_approval), ("hide", _restore_by_unhide), ("hide", _restore_by_audit_undo)])
def test_restored_question_comes_back_by_undoing_the_removal(open_ama, follower, shown, admin_user, remove,
                                                             restore):
    if remove == "reject":
        services.question_reject(question=shown, reason=Question.RejectReason.OFF_TOPIC, note="Not on topic")
    else:
        services.question_hide(question=shown, by_user=admin_user, note="checking")
    removal = group_announces(open_ama, "Delete")[-1]["object"]
    restore(shown, admin_user)
    shown.refresh_from_db()
    assert shown.state == Question.State.PUBLISHED
    undo = group_announces(open_ama)[-1]
    assert undo["object"]["type"] == "Undo" and undo["object"]["object"] == removal  # the removal, as sent
    assert undo["object"]["actor"] == open_ama.host.ap_id == removal["actor"]  # a moderator, as Lemmy requires
    assert undo["object"]["audience"] == open_ama.group.ap_id and removal["summary"]
    assert about(open_ama, shown) == [("Create", follower.ap_id), ("Delete", open_ama.host.ap_id),
                                      ("Undo", open_ama.host.ap_id)]  # the Create is never sent twice
    assert delivered_to(follower, undo)


def test_edit_made_while_removed_follows_the_undo(open_ama, follower, shown, deliver_inbox):
    services.question_reject(question=shown)
    update = edit(deliver_inbox, shown, "Which GPUs, politely?")
    services.question_approve(question=shown)
    assert [kind for kind, _ in about(open_ama, shown)] == ["Create", "Delete", "Undo", "Update"]
    assert group_announces(open_ama, "Update")[-1]["object"] == without_context(update)


def test_question_rejected_before_it_was_ever_shown_is_created_not_undone(open_ama, follower, deliver_inbox):
    question = comment(deliver_inbox, follower, open_ama)
    services.question_reject(question=question)
    assert about(open_ama, question) == []  # a rejection of what was never shown sends nothing
    services.question_approve(question=question)
    assert about(open_ama, question) == [("Create", follower.ap_id)]


def test_question_its_author_deleted_is_not_brought_back(open_ama, follower, shown, deliver_inbox):
    delete = lemmy("delete_comment", **shapes(follower, open_ama, object=shown.ap_id, n=5))
    assert deliver_inbox(delete).state == InboxMessage.State.PROCESSED
    shown.refresh_from_db()
    with pytest.raises(services.ServiceError):
        services.question_approve(question=shown)
    assert [kind for kind, _ in about(open_ama, shown)] == ["Create", "Delete"]


# ---- a remote co-host's removal ------------------------------------------------------------------

@pytest.fixture
def hana(peer, open_ama, deliver_inbox):
    """hana, on the peer's Lemmy, a co-host of the AMA verified by her code."""
    from tests.ama.inbox.test_remote_hosts import verify

    hana = peer.actor("hana")
    assert verify(open_ama, hana, deliver_inbox).verified_at
    return hana


def removal(moderator, ama, question, kind="Delete", n=1) -> dict:
    """A Lemmy moderator's removal of a comment in the community: a `Delete` with the reason in `summary`
    (Lemmy 0.17+) or a `Remove` (older Lemmy, Mbin)."""
    body = lemmy("delete_comment", **shapes(moderator, ama, object=question.ap_id, n=f"mod-{n}"))
    body["type"], body["summary"] = kind, "Rule 2: stay on topic"
    return body


@pytest.mark.parametrize("kind", ["Delete", "Remove"])
def test_verified_cohost_removal_is_a_moderator_removal(open_ama, follower, shown, hana, deliver_inbox, kind):
    message = deliver_inbox(removal(hana, open_ama, shown, kind))
    assert message.state == InboxMessage.State.PROCESSED, (message.result, message.error)
    shown.refresh_from_db()
    assert shown.state == Question.State.REJECTED and shown.reject_note == "Rule 2: stay on topic"
    entry = AuditEntry.objects.get(action="question.reject", question=shown)
    assert (entry.actor_ap_id, entry.actor_user, entry.reason, entry.public) == (
        hana.ap_id, None, "Rule 2: stay on topic", True)
    delete = group_announces(open_ama, "Delete")[-1]
    assert delete["object"]["object"] == shown.ap_id and delete["object"]["summary"] == "Rule 2: stay on topic"
    assert delete["object"]["actor"] == open_ama.host.ap_id and delivered_to(follower, delete)


@pytest.mark.parametrize("kind", ["Delete", "Remove"])
def test_removal_by_someone_who_does_not_moderate_is_ignored(open_ama, follower, shown, peer, deliver_inbox, kind):
    from federation.actors import store_remote_actor

    carol = peer.actor("carol")
    store_remote_actor(carol.document())
    assert deliver_inbox(removal(carol, open_ama, shown, kind)).state == InboxMessage.State.IGNORED
    shown.refresh_from_db()
    assert shown.state == Question.State.PUBLISHED
    assert not AuditEntry.objects.filter(action="question.reject").exists()
    assert about(open_ama, shown) == [("Create", follower.ap_id)]


def test_removal_by_a_cohost_not_yet_verified_is_ignored(open_ama, follower, shown, peer, deliver_inbox):
    hana = peer.actor("hana")
    services.remote_host_claim_start(ama=open_ama, account=hana.ap_id)
    open_ama.cohosts.add(Actor.objects.get(ap_id=hana.ap_id))  # named, never proved
    assert deliver_inbox(removal(hana, open_ama, shown)).state == InboxMessage.State.IGNORED
    shown.refresh_from_db()
    assert shown.state == Question.State.PUBLISHED and not group_announces(open_ama, "Delete")


# ---- a merge -------------------------------------------------------------------------------------

def test_merged_question_is_removed_from_the_community_naming_the_one_kept(open_ama, follower, shown,
                                                                           deliver_inbox):
    kept = services.question_approve(question=comment(deliver_inbox, follower, open_ama, text="Which GPUs? (2)"))
    services.question_merge(question=shown, into=kept)
    assert about(open_ama, shown) == [("Create", follower.ap_id), ("Delete", open_ama.host.ap_id)]
    removal = group_announces(open_ama, "Delete")[-1]
    assert removal["object"]["object"] == shown.ap_id
    assert removal["object"]["summary"] == f"merged into the same question: {kept.url or kept.ap_id}"
    assert delivered_to(follower, removal)
    assert about(open_ama, kept) == [("Create", follower.ap_id)]  # the question kept is left as it is


def test_merging_a_question_the_community_never_saw_sends_nothing(open_ama, follower, shown, deliver_inbox):
    pending = comment(deliver_inbox, follower, open_ama, text="Which GPUs? (pending)")
    services.question_merge(question=pending, into=shown)
    assert about(open_ama, pending) == []
