"""Replies to an AMA in one inbox batch: what the rules read about the batch's senders (their policies, their
questions in the last hour, a host's waiting claim) is read once for all of them, and what a row stores is seen
by the rows after it; a note delivered twice in one batch makes one question."""

import uuid
from urllib.parse import urlparse

import pytest
from django.db import IntegrityError, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ama import services
from ama.activitypub import ids
from ama.models import ActorPolicy, Ama, LiveEvent, Question, RemoteHostClaim
from federation import caches, outbox, routing
from federation.models import Delivery, Follow, InboxMessage, OutboxActivity
from tests.ama.test_moderation_support import make_remote

pytestmark = pytest.mark.django_db
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


@pytest.fixture(autouse=True)
def one_batch(monkeypatch):
    """On SQLite a batch ends after TURN_SLICE of work, which a slow first row may reach: one batch here."""
    monkeypatch.setattr(routing, "TURN_SLICE", 600.0)


def reply_row(actor, in_reply_to: str, *, note_id: str = "", activity_id: str = "") -> InboxMessage:
    """A Create embedding the sender's own note (a reply that shares its batch's transaction)."""
    note_id = note_id or f"https://{actor.domain}/notes/{uuid.uuid4()}"
    activity = {"@context": "https://www.w3.org/ns/activitystreams", "id": activity_id or f"{note_id}/activity",
                "type": "Create", "actor": actor.ap_id, "to": [PUBLIC],
                "object": {"id": note_id, "type": "Note", "attributedTo": actor.ap_id, "inReplyTo": in_reply_to,
                           "content": "<p>What is next?</p>", "to": [PUBLIC]}}
    return InboxMessage.objects.create(ap_id=activity["id"], activity_type="Create", actor_ap_id=actor.ap_id,
                                       domain=actor.domain, body=activity)


def drain_queries() -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert routing.drain(budget=60)[0] > 0
    return [query["sql"] for query in queries.captured_queries]


def question_of(row: InboxMessage) -> Question:
    return Question.objects.get(ap_id=row.body["object"]["id"])


def test_a_batch_reads_its_senders_policies_once_and_each_sender_gets_its_own(open_ama):
    banned, trusted, plain = (make_remote(name) for name in ("banned", "trusted", "plain"))
    ActorPolicy.objects.create(actor=banned, banned=True)  # everywhere
    ActorPolicy.objects.create(actor=trusted, ama=open_ama, trust=ActorPolicy.Trust.ALWAYS_ALLOW)
    rows = [reply_row(actor, open_ama.ap_id) for actor in (banned, trusted, plain, plain, trusted)]
    sql = drain_queries()
    assert [question_of(row).state for row in rows] == [
        Question.State.REJECTED, Question.State.PUBLISHED, Question.State.PENDING, Question.State.PENDING,
        Question.State.PUBLISHED]  # the AMA is pre-moderated
    assert len([s for s in sql if 'FROM "ama_actorpolicy"' in s]) == 1
    assert set(InboxMessage.objects.values_list("state", flat=True)) == {InboxMessage.State.PROCESSED}


def test_the_rate_limit_counts_the_questions_stored_earlier_in_the_same_batch(open_ama):
    Ama.objects.filter(pk=open_ama.pk).update(moderation_mode=Ama.Moderation.POST, hold_first_question=False,
                                              rate_limit_per_hour=2)
    eager, calm = make_remote("eager"), make_remote("calm", domain="calm.example")
    rows = [reply_row(eager, open_ama.ap_id) for _ in range(4)] + [reply_row(calm, open_ama.ap_id)]
    sql = drain_queries()
    questions = [question_of(row) for row in rows]
    assert [q.state for q in questions] == [Question.State.PUBLISHED] * 2 + [Question.State.PENDING] * 2 + [
        Question.State.PUBLISHED]
    assert questions[2].held_by == questions[3].held_by == "rate limit: more than 2 questions in an hour"
    assert len([s for s in sql if "COUNT(" in s and 'FROM "ama_question"' in s]) == 1  # all senders, one count


def test_a_claim_verified_during_a_batch_is_no_longer_waiting_for_its_next_rows(open_ama):
    cohost = make_remote("cohost", domain="cohost.example")
    claim = RemoteHostClaim.objects.create(ama=open_ama, actor=cohost, code="fediama-abcdefghij")
    with caches.batch_reads([cohost.pk]):
        assert services.remote_hosts.has_waiting_claim(cohost)
        services.remote_hosts.remote_host_claim_verify(actor=cohost, content_html="<p>fediama-abcdefghij</p>")
        claim.refresh_from_db()
        assert claim.verified_at is not None
        assert not services.remote_hosts.has_waiting_claim(cohost)


def test_an_actor_that_sent_nothing_in_the_batch_is_read_alone_and_every_time(open_ama):
    sender, other = make_remote("sender"), make_remote("other")
    with caches.batch_reads([sender.pk]), CaptureQueriesContext(connection) as queries:
        for _ in range(2):
            assert not services.remote_hosts.has_waiting_claim(sender)
            assert not services.remote_hosts.has_waiting_claim(other)
    reads = [q["sql"] for q in queries.captured_queries if 'FROM "ama_remotehostclaim"' in q["sql"]]
    assert len(reads) == 3  # the senders' once, the other actor's twice


def test_a_note_delivered_twice_in_one_batch_makes_one_question_and_both_rows_are_processed(open_ama):
    asker = make_remote("twice", domain="twice.example")
    note_id = f"https://twice.example/notes/{uuid.uuid4()}"
    rows = [reply_row(asker, open_ama.ap_id, note_id=note_id, activity_id=f"{note_id}/activity/{n}")
            for n in range(2)]
    rows.append(reply_row(asker, open_ama.ap_id))
    drain_queries()
    assert Question.objects.filter(ap_id=note_id).count() == 1
    assert Question.objects.filter(author=asker).count() == 2
    assert list(InboxMessage.objects.order_by("pk").values_list("state", flat=True)) == [
        InboxMessage.State.PROCESSED] * 3


def test_a_failed_write_in_a_shared_row_asks_for_a_transaction_of_its_own_and_a_savepoint_lets_a_row_go_on():
    with pytest.raises(routing.NeedsItsOwnTransaction), routing._shared_row(), routing.savepoint_unless_shared():
        raise IntegrityError("duplicate key value violates unique constraint")
    with pytest.raises(IntegrityError), routing.savepoint_unless_shared():  # outside a shared row: as it was
        raise IntegrityError("duplicate key value violates unique constraint")


def test_a_batchs_new_questions_go_in_in_one_statement_with_their_authorizations(open_ama):
    """Their ids reserved first, so that their authorizations (made of the ids), live events, Accepts and
    Announces have them before the one INSERT at the batch's end."""
    Ama.objects.filter(pk=open_ama.pk).update(moderation_mode=Ama.Moderation.POST, hold_first_question=False)
    earlier = services.question_receive(ama=open_ama, author=make_remote("early", domain="early.example"),
                                        ap_id="https://early.example/notes/1", content_html="<p>First?</p>")
    askers = [make_remote(f"asker{n}", domain=f"asker{n}.example") for n in range(4)]
    rows = [reply_row(asker, open_ama.ap_id) for asker in askers]
    sql = drain_queries()
    questions = [question_of(row) for row in rows]
    assert [q.state for q in questions] == [Question.State.PUBLISHED] * 4
    assert [q.authorization_ap_id for q in questions] == [ids.authorization_id(q) for q in questions]
    assert all(q.published_at for q in questions)
    assert earlier.pk < questions[0].pk < questions[1].pk < questions[2].pk < questions[3].pk  # in order
    assert len([s for s in sql if s.startswith('INSERT INTO "ama_question"')]) == 1
    assert not [s for s in sql if s.startswith('UPDATE "ama_question"')]
    events = LiveEvent.objects.filter(kind="question_published", question__in=questions)
    assert sorted(e.payload["question_id"] for e in events) == [q.pk for q in questions]
    later = services.question_receive(ama=open_ama, author=askers[0], ap_id="https://asker0.example/notes/later",
                                      content_html="<p>Later?</p>")
    # ids reserved 1, then 2, then 4 at a time (7 for 4 questions): the 3 left unused are skipped, never reused
    assert later.pk == questions[3].pk + 4
    reservations = [s for s in sql if "nextval" in s or s.startswith('UPDATE "sqlite_sequence"') or s.startswith(
        "UPDATE sqlite_sequence")]
    assert len(reservations) == 3
    accepts = OutboxActivity.objects.filter(activity_type="Accept").values_list("body", flat=True)
    assert sorted(accept["result"] for accept in accepts) == sorted(q.authorization_ap_id for q in questions)
    # and each is served: the authorization an asker's server fetches to check the reply was allowed
    response = Client().get(urlparse(questions[0].authorization_ap_id).path, HTTP_ACCEPT="application/activity+json")
    assert response.status_code == 200 and response.json()["id"] == questions[0].authorization_ap_id



def test_what_a_batchs_new_questions_publish_is_written_at_its_end_and_sent_in_one_message(
        open_ama, monkeypatch, django_capture_on_commit_callbacks):
    """Each new question's Accept (to its asker) and the Group's Announce: every activity in one INSERT, every
    delivery in one more, one message for the workers, once the batch is committed."""
    Ama.objects.filter(pk=open_ama.pk).update(moderation_mode=Ama.Moderation.POST, hold_first_question=False)
    follower = make_remote("reader", domain="reader.example")
    Follow.objects.create(follower=follower, followed=open_ama.group, state=Follow.State.ACCEPTED)
    askers = [make_remote(f"asker{n}", domain=f"asker{n}.example") for n in range(3)]
    rows = [reply_row(asker, open_ama.ap_id) for asker in askers]
    sent = []
    monkeypatch.setattr(outbox, "enqueue_deliveries", lambda ids: sent.append(sorted(ids)) or len(ids))
    with django_capture_on_commit_callbacks(execute=True):
        sql = drain_queries()
    questions = [question_of(row) for row in rows]
    for question in questions:  # its Accept to its asker, the Group's Announce of it to the Group's follower
        accept = OutboxActivity.objects.get(activity_type="Accept", body__object=question.ap_id)
        announce = OutboxActivity.objects.get(activity_type="Announce", body__object__object__id=question.ap_id)
        assert list(accept.deliveries.values_list("inbox", flat=True)) == [question.author.inbox]
        assert list(announce.deliveries.values_list("inbox", flat=True)) == [follower.inbox]
    deliveries = Delivery.objects.filter(state=Delivery.State.PENDING)
    assert sent == [sorted(d.pk for d in deliveries)]
    assert len([s for s in sql if s.startswith('INSERT INTO "federation_outboxactivity"')]) == 1
    assert len([s for s in sql if s.startswith('INSERT INTO "federation_delivery"')]) == 1


def test_an_activity_published_again_in_a_batch_keeps_its_row_and_gets_the_inboxes_it_lacked(open_ama, host):
    reader, other = make_remote("reader", domain="reader.example"), make_remote("other", domain="other.example")
    body = {"id": "http://testserver/activities/again", "type": "Note", "actor": host.ap_id}
    first = outbox.publish(body, sender=host, recipients=[reader])
    with caches.batch_reads(), outbox.stored_at_batch_end(), routing._shared_row():
        again = outbox.publish(body | {"changed": True}, sender=host, recipients=[reader, other])
        assert again.pk is None  # written at the batch's end
    assert OutboxActivity.objects.get(ap_id=body["id"]).pk == first.pk
    assert OutboxActivity.objects.get(ap_id=body["id"]).body == body  # the stored activity is not rewritten
    assert sorted(Delivery.objects.filter(activity=first).values_list("inbox", flat=True)) == sorted(
        [reader.inbox, other.inbox])
