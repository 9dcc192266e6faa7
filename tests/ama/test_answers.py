"""Answers: the Note a real server on loopback receives, and the rules around answering."""

import json
import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from ama import services
from ama.models import Ama, Question
from federation.delivery_batch import attempt
from federation.follows import follow_received
from federation.models import Delivery, OutboxActivity

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture
def approved_question(open_ama, remote_actor):
    from federation.models import Actor

    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    question = services.question_receive(ama=open_ama, author=bob, ap_id=f"{remote_actor.peer.base}/notes/{uuid.uuid4()}",
                                         content_html="<p>Which licence for weights?</p>", in_reply_to=open_ama.ap_id)
    return services.question_approve(question=question)


def run_deliveries():
    for delivery_id in Delivery.objects.filter(state=Delivery.State.PENDING).values_list("pk", flat=True):
        attempt(delivery_id)


def test_answer_note_as_received_by_a_real_server(approved_question, peer, open_ama):
    answer = services.answer_publish(question=approved_question, author=open_ama.host, body="**Apache-2.0**, mostly.")
    run_deliveries()
    bodies = [post.json for post in peer.inbox_posts()]
    create = next(b for b in bodies if b["type"] == "Create")
    note = create["object"]
    assert note["type"] == "Note" and note["id"] == answer.ap_id
    assert note["inReplyTo"] == approved_question.ap_id
    assert note["to"] == [PUBLIC] and approved_question.author.ap_id in note["cc"]
    assert note["context"] == open_ama.ap_id + "/context"
    assert {"type": "Mention", "href": approved_question.author.ap_id,
            "name": approved_question.author.handle} in note["tag"]
    assert 'class="u-url mention"' in note["content"] and "<blockquote>" in note["content"]
    assert "<strong>Apache-2.0</strong>" in note["content"]
    announce = next(b for b in bodies if b["type"] == "Announce")
    assert announce["object"] == answer.ap_id and announce["actor"] == open_ama.host.ap_id
    for post in peer.inbox_posts():
        assert "Signature" in post.headers and post.headers["Digest"].startswith("SHA-256=")
    approved_question.refresh_from_db()
    assert approved_question.answered_at is not None


def test_answer_goes_once_per_inbox_to_followers_asker_and_voters(approved_question, open_ama, peer):
    from federation.models import Actor

    bob = Actor.objects.get(ap_id=approved_question.author.ap_id)
    follow_received(follower=bob, followed=open_ama.host, follow_activity={"id": bob.ap_id + "/follow/1"})
    services.vote_add(question=approved_question, actor=bob)
    answer = services.answer_publish(question=approved_question, author=open_ama.host, body="Yes.")
    create = OutboxActivity.objects.get(ap_id=answer.ap_id + "/activity")
    assert list(create.deliveries.values_list("inbox", flat=True)) == [peer.base + "/inbox"]


def test_only_hosts_answer_and_only_approved_questions(open_ama, approved_question, make_host):
    stranger = make_host("mallory")
    with pytest.raises(services.ServiceError, match="does not host"):
        services.answer_publish(question=approved_question, author=stranger, body="hi")
    services.question_hide(question=approved_question)
    with pytest.raises(services.ServiceError, match="approved"):
        services.answer_publish(question=approved_question, author=open_ama.host, body="hi")
    with pytest.raises(services.ServiceError, match="needs text"):
        services.answer_publish(question=approved_question, author=open_ama.host, body="  ")


def test_cohost_may_answer(open_ama, approved_question, make_host):
    cohost = make_host("carol")
    open_ama.cohosts.add(cohost)
    answer = services.answer_publish(question=approved_question, author=cohost, body="Co-host here.")
    assert answer.author == cohost


def test_answer_rollback_leaves_no_rows(approved_question, open_ama, monkeypatch):
    from ama.activitypub import publish as ap

    def explode(answer):
        raise RuntimeError("broker of doom")
    monkeypatch.setattr(ap, "send_answer_created", explode)
    with pytest.raises(RuntimeError):
        services.answer_publish(question=approved_question, author=open_ama.host, body="lost")
    approved_question.refresh_from_db()
    assert approved_question.answered_at is None and not approved_question.answers.exists()


def test_edit_and_delete_answer_federate(approved_question, open_ama):
    answer = services.answer_publish(question=approved_question, author=open_ama.host, body="v1")
    services.answer_edit(answer=answer, body="v2")
    update = OutboxActivity.objects.get(activity_type="Update")
    assert update.body["object"]["content"].endswith("<p>v2</p>") and update.body["object"]["updated"]
    services.answer_delete(answer=answer)
    delete = OutboxActivity.objects.get(activity_type="Delete")
    assert delete.body["object"] == {**delete.body["object"], "id": answer.ap_id, "type": "Tombstone"}
    assert OutboxActivity.objects.filter(activity_type="Undo").exists()
    approved_question.refresh_from_db()
    assert approved_question.answered_at is None


def test_ama_note_shape(open_ama):
    from ama.activitypub.notes import ama_note

    note = ama_note(open_ama)
    assert note["type"] == "Note" and note["id"] == open_ama.ap_id
    assert note["to"] == [PUBLIC] and note["cc"] == [open_ama.host.followers_url]
    assert note["contentMap"] == {"en": note["content"]}
    assert note["replies"]["first"]["orderedItems"] == []
    assert note["context"] == open_ama.ap_id + "/context"
    policy = note["interactionPolicy"]["canReply"]
    assert policy["automaticApproval"] == [open_ama.host.ap_id] and policy["manualApproval"] == [PUBLIC]
    assert policy["approvalRequired"] == [PUBLIC]
    assert note["startTime"] and note["endTime"]
    json.dumps(note)


def test_ama_note_has_no_name_so_no_content_warning(client, open_ama):
    """Takahē: `summary = data.get("summary") or data.get("name")`; the title is the note's first line."""
    note = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT="application/activity+json").json()
    assert "name" not in note and "summary" not in note
    assert note["content"].startswith("<p><strong>Ask me about open models</strong></p>")


def test_replies_and_context_hold_only_approved_items(open_ama, approved_question, remote_actor):
    from ama.activitypub.notes import ama_note
    from ama.activitypub.replies import context_collection
    from federation.models import Actor

    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    rejected = services.question_receive(ama=open_ama, author=bob, ap_id=remote_actor.peer.base + "/notes/rej",
                                         content_html="spam", in_reply_to=open_ama.ap_id)
    services.question_reject(question=rejected, reason="spam")
    answer = services.answer_publish(question=approved_question, author=open_ama.host, body="ok")
    note = ama_note(open_ama)
    assert note["replies"]["totalItems"] == 1
    assert note["replies"]["first"]["orderedItems"] == [approved_question.ap_id]
    page = context_collection(open_ama, "1")
    assert page["orderedItems"] == [open_ama.ap_id, approved_question.ap_id, answer.ap_id]


def test_closing_updates_the_policy(open_ama):
    services.ama_close(ama=open_ama)
    update = OutboxActivity.objects.get(activity_type="Update")
    assert update.body["object"]["interactionPolicy"]["canReply"]["manualApproval"] == []
    assert update.body["object"]["updated"]


def test_delete_sends_delete_with_tombstone(open_ama):
    services.ama_delete(ama=open_ama)
    delete = OutboxActivity.objects.get(activity_type="Delete")
    assert delete.body["object"]["type"] == "Tombstone" and delete.body["object"]["id"] == open_ama.ap_id


def test_publish_creates_the_note_for_followers(host, peer, remote_actor):
    from federation.models import Actor

    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    follow_received(follower=bob, followed=host, follow_activity={"id": bob.ap_id + "/follow/1"})
    now = timezone.now()
    ama = services.ama_create(host=host, title="Soon", opens_at=now + timedelta(days=1),
                              closes_at=now + timedelta(days=1, hours=2), publish=True)
    assert ama.state == Ama.State.SCHEDULED
    create = OutboxActivity.objects.get(activity_type="Create")
    assert create.body["object"]["id"] == ama.ap_id
    assert list(create.deliveries.values_list("inbox", flat=True)) == [peer.base + "/inbox"]


@pytest.mark.parametrize("offset_hours, expected", [
    (-100 * 24, Ama.State.ARCHIVED), (-3, Ama.State.ENDED), (0, Ama.State.LIVE), (5, Ama.State.SCHEDULED)])
def test_each_state_on_its_schedule(host, offset_hours, expected):
    now = timezone.now()
    ama = services.ama_create(host=host, title="Timed", opens_at=now + timedelta(hours=2),
                              closes_at=now + timedelta(hours=4), publish=True)
    assert ama.state == Ama.State.SCHEDULED
    services.ama_advance_states(now=now + timedelta(hours=3 - offset_hours) if offset_hours >= 0 else
                                now + timedelta(hours=4 - offset_hours))
    ama.refresh_from_db()
    assert ama.state == expected


def test_draft_stays_draft(host):
    now = timezone.now()
    ama = services.ama_create(host=host, title="Draft", opens_at=now - timedelta(hours=1),
                              closes_at=now + timedelta(hours=1))
    assert services.ama_advance_states(now=now) == 0
    ama.refresh_from_db()
    assert ama.state == Ama.State.DRAFT


def test_bad_times_and_titles_are_refused(host):
    now = timezone.now()
    with pytest.raises(services.ServiceError, match="after"):
        services.ama_create(host=host, title="x", opens_at=now, closes_at=now - timedelta(hours=1))
    with pytest.raises(services.ServiceError, match="title"):
        services.ama_create(host=host, title=" ", opens_at=now, closes_at=now + timedelta(hours=1))


def test_question_states_shown_only_when_published(open_ama, approved_question):
    assert list(Question.objects.shown()) == [approved_question]


def test_service_errors_are_translated(host):
    from django.utils import translation

    now = timezone.now()
    with translation.override("fr"), pytest.raises(services.ServiceError, match="un AMA a besoin d'un titre"):
        services.ama_create(host=host, title=" ", opens_at=now, closes_at=now + timedelta(hours=1))
