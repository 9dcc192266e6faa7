"""Votes drained in batches (federation.routing.handle_batch): a batch is one transaction whose votes_changed
are worked out once per question at its end; duplicates within a batch count once; a batch with a failing row
is rolled back and taken row by row, so the others count and the failing one fails alone."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ama import services
from ama.live import votes as live_votes
from ama.models import LiveEvent, Question, TallyState, Vote
from ama.services import votes as votes_service
from federation import routing
from federation.actors import store_remote_actor
from federation.models import Actor, InboxMessage
from tests.ama.inbox.shapes import note, received


@pytest.fixture(autouse=True)
def batches(monkeypatch):
    """The batch path on either database (production takes it on SQLite only: routing.batches_in_one_transaction)."""
    monkeypatch.setattr(routing, "batches_in_one_transaction", lambda: True)


def _stored(activity: dict) -> InboxMessage:
    actor = activity["actor"]
    return InboxMessage.objects.create(ap_id=activity["id"], activity_type=activity["type"], actor_ap_id=actor,
                                       domain=actor.split("/")[2], body=activity)


def _like(voter, question, n) -> dict:
    return {"id": f"{voter.ap_id}/likes/{n}", "type": "Like", "actor": voter.ap_id, "object": question.ap_id}


@pytest.fixture
def two_questions(open_ama, remote_actor, deliver_inbox):
    questions = []
    for text in ("<p>First?</p>", "<p>Second?</p>"):
        question = received(deliver_inbox, remote_actor, note(remote_actor, open_ama.ap_id, content=text))
        services.question_approve(question=question)
        questions.append(question)
    return questions


@pytest.fixture
def voters(peer):
    actors = [peer.actor(f"voter{n}") for n in range(3)]
    for actor in actors:
        store_remote_actor(actor.document())
    return actors


def _votes_events(question) -> int:
    return LiveEvent.objects.filter(question=question, kind="votes_changed").count()


def test_votes_on_two_questions_in_one_batch_count_each_with_one_event_each(two_questions, voters):
    first, second = two_questions
    before = [_votes_events(first), _votes_events(second)]
    for n, voter in enumerate(voters):
        _stored(_like(voter, first, n))
    _stored(_like(voters[0], second, 9))
    assert routing.drain(budget=60, batch=20) == (4, False)
    assert list(Question.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list(
        "vote_count", flat=True)) == [3, 1]
    assert [_votes_events(first) - before[0], _votes_events(second) - before[1]] == [1, 1]
    event = LiveEvent.objects.filter(question=first, kind="votes_changed").latest("seq")
    assert event.payload["vote_count"] == 3  # the batch's final count, not its first vote's
    assert set(InboxMessage.objects.values_list("state", flat=True)) == {InboxMessage.State.PROCESSED}


def test_duplicates_within_one_batch_count_once(two_questions, voters):
    first, _ = two_questions
    _stored(_like(voters[0], first, 1))
    _stored(_like(voters[0], first, 2))  # the same voter again, another Like id
    _stored(_like(voters[1], first, 3))
    assert routing.drain(budget=60, batch=20) == (3, False)
    first.refresh_from_db()
    assert first.vote_count == 2 and Vote.objects.filter(question=first).count() == 2
    results = list(InboxMessage.objects.order_by("pk").values_list("result", flat=True))[-3:]
    assert results == [f"vote added on {first.pk}", f"vote unchanged on {first.pk}", f"vote added on {first.pk}"]


def test_a_poison_row_fails_alone_and_the_batch_s_votes_count(two_questions, voters, monkeypatch):
    first, second = two_questions
    good = [_stored(_like(voters[0], first, 1)), _stored(_like(voters[1], second, 2))]
    poison = _stored({"id": voters[2].ap_id + "/poison/1", "type": "Poison", "actor": voters[2].ap_id})
    last = _stored(_like(voters[2], first, 3))
    monkeypatch.setitem(routing._handlers, ("Poison", None), [lambda incoming: 1 / 0])
    before = _votes_events(first)
    assert routing.drain(budget=60, batch=20) == (4, False)
    states = dict(InboxMessage.objects.values_list("pk", "state"))
    assert [states[row.pk] for row in (*good, poison, last)] == [
        InboxMessage.State.PROCESSED, InboxMessage.State.PROCESSED, InboxMessage.State.FAILED,
        InboxMessage.State.PROCESSED]
    assert "ZeroDivisionError" in InboxMessage.objects.get(pk=poison.pk).error
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.vote_count, second.vote_count) == (2, 1)  # counted once: the rolled-back batch left nothing
    assert Vote.objects.count() == 3
    assert _votes_events(first) - before >= 1


def test_a_worker_that_dies_mid_batch_leaves_every_row_to_retry(two_questions, voters, monkeypatch):
    first, _ = two_questions
    rows = [_stored(_like(voter, first, n)) for n, voter in enumerate(voters)]
    calls = []

    def dies_on_the_second(incoming):
        calls.append(incoming)
        if len(calls) == 2:
            raise SystemExit("worker killed")  # not an Exception: nothing of ours catches it
        return "ok"

    with monkeypatch.context() as patched, pytest.raises(SystemExit):
        patched.setitem(routing._handlers, ("Like", None), [dies_on_the_second])
        routing.drain(budget=60, batch=20)
    # nothing of the batch committed; its rows stay claimed and are taken again when their lease runs out
    assert not Vote.objects.exists()
    assert {InboxMessage.objects.get(pk=row.pk).state for row in rows} <= {
        InboxMessage.State.PROCESSING, InboxMessage.State.QUEUED}
    InboxMessage.objects.filter(pk__in=[row.pk for row in rows]).update(state=InboxMessage.State.QUEUED)
    assert routing.drain(budget=60, batch=20) == (3, False)
    first.refresh_from_db()
    assert first.vote_count == 3


def _undo(voter, like: dict, n) -> dict:
    return {"id": f"{voter.ap_id}/undo/{n}", "type": "Undo", "actor": voter.ap_id, "object": like}


def test_a_like_and_its_undo_in_one_batch_leave_no_vote(two_questions, voters):
    first, second = two_questions
    like = _like(voters[0], first, 1)
    _stored(like)
    _stored(_like(voters[1], first, 2))
    _stored(_undo(voters[0], like, 1))
    _stored(_like(voters[0], second, 3))
    assert routing.drain(budget=60, batch=20) == (4, False)
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.vote_count, second.vote_count) == (1, 1)
    assert list(Vote.objects.filter(question=first).values_list("actor__ap_id", flat=True)) == [voters[1].ap_id]
    assert LiveEvent.objects.filter(question=first, kind="votes_changed").latest("seq").payload["vote_count"] == 1
    results = list(InboxMessage.objects.order_by("pk").values_list("result", flat=True))[-4:]
    assert results == [f"vote added on {first.pk}", f"vote added on {first.pk}", "vote removed",
                       f"vote added on {second.pk}"]


def test_a_like_that_fails_fails_alone_and_the_other_likes_of_its_batch_count(two_questions, voters,
                                                                              monkeypatch):
    """The database refuses one voter's vote: the batch's one INSERT of its votes fails, the batch rolls back, its
    rows run one by one (each vote its own INSERT), and only that one fails."""
    first, second = two_questions
    insert_batch, insert_one = votes_service.insert_rows, votes_service._insert

    def refused(actor):
        if actor.ap_id == voters[1].ap_id:
            raise RuntimeError("disk full")

    def insert_rows(rows, **kwargs):
        for row in rows:
            refused(row.actor)
        return insert_batch(rows, **kwargs)

    def insert(question, actor, *args):
        refused(actor)
        return insert_one(question, actor, *args)

    monkeypatch.setattr(votes_service, "insert_rows", insert_rows)
    monkeypatch.setattr(votes_service, "_insert", insert)
    rows = [_stored(_like(voter, question, n)) for n, (voter, question) in
            enumerate([(voters[0], first), (voters[1], first), (voters[2], second)])]
    assert routing.drain(budget=60, batch=20) == (3, False)
    states = dict(InboxMessage.objects.values_list("pk", "state"))
    assert [states[row.pk] for row in rows] == [
        InboxMessage.State.PROCESSED, InboxMessage.State.FAILED, InboxMessage.State.PROCESSED]
    assert "disk full" in InboxMessage.objects.get(pk=rows[1].pk).error
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.vote_count, second.vote_count) == (1, 1) and Vote.objects.count() == 2


def test_a_batch_holds_back_the_votes_of_a_question_whose_window_is_open_and_reads_the_windows_once(
        two_questions, voters, settings, monkeypatch, django_capture_on_commit_callbacks):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 5
    first, second = two_questions
    services.vote_add(question=first, actor=Actor.objects.get(ap_id=voters[2].ap_id))  # first's window opens now
    LiveEvent.objects.filter(question=second, kind="votes_changed").update(
        created_at=timezone.now() - timedelta(seconds=6))  # second's window (if it had one) is over
    flushes = []
    monkeypatch.setattr(live_votes.flush_votes, "apply_async", lambda args, countdown: flushes.append(args[0]))
    before = [_votes_events(first), _votes_events(second)]
    _stored(_like(voters[0], first, 1))
    _stored(_like(voters[0], second, 2))
    with CaptureQueriesContext(connection) as queries, django_capture_on_commit_callbacks(execute=True):
        assert routing.drain(budget=60, batch=20) == (2, False)
    assert [_votes_events(first) - before[0], _votes_events(second) - before[1]] == [0, 1]
    assert flushes == [first.pk]  # first's count arrives at its window's end
    assert LiveEvent.objects.filter(question=second, kind="votes_changed").latest("seq").payload["vote_count"] == 1
    window_reads = [q["sql"] for q in queries.captured_queries
                    if q["sql"].startswith("SELECT") and '"ama_liveevent"."created_at" >' in q["sql"]]
    assert len(window_reads) == 1


def test_a_batchs_likes_go_in_in_one_statement_with_each_rows_result(two_questions, voters):
    first, second = two_questions
    services.vote_add(question=second, actor=Actor.objects.get(ap_id=voters[2].ap_id), value=-1)  # voted before
    _stored(_like(voters[0], first, 1))
    _stored(_like(voters[1], first, 2))
    _stored(_like(voters[0], first, 3))  # again: unchanged
    _stored(_like(voters[2], second, 4))  # a Dislike before: the vote turns into a Like
    with CaptureQueriesContext(connection) as queries:
        assert routing.drain(budget=60, batch=20) == (4, False)
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith('INSERT INTO "ama_vote"')]
    assert len(inserts) == 1
    results = list(InboxMessage.objects.order_by("pk").values_list("result", flat=True))[-4:]
    assert results == [f"vote added on {first.pk}", f"vote added on {first.pk}", f"vote unchanged on {first.pk}",
                       f"vote added on {second.pk}"]
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.vote_count, second.vote_count) == (2, 1)
    assert Vote.objects.get(question=second).value == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_drains_of_crossing_batches_never_deadlock_and_count_every_vote(two_questions, voters,
                                                                                    monkeypatch, settings):
    """Three drains at once, each batch holding votes on both questions in crossing orders, and votes cast one by
    one beside them (a signed-in viewer's, a vote addressed to a Group) on the same questions, which have remote
    tallies: every transaction locks the tally rows, then the questions, each in id order, so none waits on
    another in a circle (PostgreSQL would abort one with 'deadlock detected': a batch's rows would then run one by
    one, counted all the same but recorded here; a single vote would fail)."""
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 0  # every batch's event sent (not one a second per question)
    first, second = two_questions
    for question in (first, second):
        TallyState.objects.create(question=question, origin=question.ap_id.split("/")[2], likes_total=0)
    voters = voters + [voters[0].peer.actor(f"voter{n}") for n in range(3, 8)]
    for actor in voters[3:]:
        store_remote_actor(actor.document())
    for n, voter in enumerate(voters):
        for question in ((first, second) if n // 2 % 2 else (second, first)):  # batches of 4 rows: crossing
            _stored(_like(voter, question, f"{n}-{question.pk}"))
    singles = [store_remote_actor(voters[0].peer.actor(f"single{n}").document()) for n in range(6)]
    batch_failures, errors = [], []
    handled = routing.handle_batch

    def recording(*args, **kwargs):
        try:
            return handled(*args, **kwargs)
        except routing._BatchFailed as failed:
            batch_failures.append(repr(failed.__cause__))
            raise

    monkeypatch.setattr(routing, "handle_batch", recording)
    start = threading.Barrier(4)

    def in_thread(work):
        def run():
            try:
                start.wait()
                work()
            except Exception as error:  # noqa: BLE001 (reported below)
                errors.append(error)
            finally:
                connection.close()
        return threading.Thread(target=run)

    def single_votes():
        for actor in singles:
            for question in (second, first):
                services.vote_add(question=Question.objects.select_related("ama").get(pk=question.pk), actor=actor)

    threads = [in_thread(lambda: routing.drain(budget=60, batch=4)) for _ in range(3)] + [in_thread(single_votes)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and batch_failures == []
    assert set(InboxMessage.objects.filter(activity_type="Like").values_list("state", flat=True)) == {
        InboxMessage.State.PROCESSED}
    assert list(Question.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list(
        "vote_count", flat=True)) == [14, 14]
    assert Vote.objects.count() == 28
    last = LiveEvent.objects.filter(question=first, kind="votes_changed").latest("seq")
    assert last.payload["vote_count"] == 14


def test_a_vote_waits_for_the_batch_end_only_in_a_shared_row(two_questions, voters):
    """A row with a savepoint of its own (not shared) could roll back a vote left waiting: its vote goes in at once."""
    first, _ = two_questions
    voter = Actor.objects.get(ap_id=voters[0].ap_id)
    assert votes_service.vote_add_at_batch_end(question=first, actor=voter) is None  # no batch
    with votes_service.counted_once_per_batch():
        assert votes_service.vote_add_at_batch_end(question=first, actor=voter) is None  # a batch, not a shared row
        with routing._shared_row():
            added = votes_service.vote_add_at_batch_end(question=first, actor=voter)
            assert added is not None and not Vote.objects.filter(question=first).exists()
    assert added() is True and Vote.objects.filter(question=first, actor=voter).count() == 1
