"""ama/services/votes.py counts a Like by one insert and `vote_count + 1` only when it inserted: exact under
concurrent and repeated Likes, Undo and flips; ama/live/votes.py sends one flush a window, and the last count
still arrives."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from test_moderation_support import ask, make_remote

from ama import services
from ama.live import votes as live_votes
from ama.models import LiveEvent, Question, Vote


def shown(ama) -> Question:
    question = ask(ama)
    services.question_approve(question=question)
    return question


def flushes(callbacks, monkeypatch) -> int:
    """Run the on-commit callbacks; how many flush_votes messages they sent to the broker (recorded, not sent)."""
    sent = []
    monkeypatch.setattr(live_votes.flush_votes, "apply_async", lambda args, countdown: sent.append(args))
    for callback in callbacks:
        callback()
    return len(sent)


def count_of(question) -> int:
    return Question.objects.values_list("vote_count", flat=True).get(pk=question.pk)


@pytest.mark.django_db(transaction=True)
def test_concurrent_and_repeated_likes_count_each_actor_once(open_ama, settings):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 0
    question = shown(open_ama)
    voters = [make_remote(f"v{n}") for n in range(6)]
    results, errors = [], []

    def like_twice(actor):
        try:
            for _ in range(2):  # the same Like delivered twice, by two threads at once
                results.append(services.vote_add(question=Question.objects.select_related("ama").get(
                    pk=question.pk), actor=actor, ap_id=actor.ap_id + "/likes/1"))
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=like_twice, args=(actor,)) for actor in voters for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert results.count(True) == 6 and results.count(False) == 18
    assert count_of(question) == 6 == Vote.objects.filter(question=question).count()
    last = LiveEvent.objects.filter(question=question, kind="votes_changed").order_by("seq").last()
    assert last.payload["vote_count"] == 6


def test_undo_after_like_and_like_again(open_ama, settings):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 0
    question, bob = shown(open_ama), make_remote("bob")
    assert services.vote_add(question=question, actor=bob, ap_id=bob.ap_id + "/likes/1")
    assert services.vote_add(question=question, actor=make_remote("carol"))
    assert count_of(question) == 2
    assert services.vote_remove(actor=bob, ap_id=bob.ap_id + "/likes/1")
    assert not services.vote_remove(actor=bob, ap_id=bob.ap_id + "/likes/1")  # a repeated Undo
    assert not services.vote_remove(actor=bob, question=question)
    assert count_of(question) == 1
    assert services.vote_add(question=question, actor=bob, ap_id=bob.ap_id + "/likes/2")
    assert count_of(question) == 2
    counts = LiveEvent.objects.filter(question=question, kind="votes_changed").order_by("seq")
    assert [event.payload["vote_count"] for event in counts] == [1, 2, 1, 2]


def test_a_like_turned_dislike_and_back_is_counted_by_the_amas_rule(open_ama, settings):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 0
    services.ama_update(ama=open_ama, allow_downvotes=True)
    question, bob = shown(open_ama), make_remote("bob")
    services.vote_add(question=question, actor=make_remote("carol"))
    services.vote_add(question=question, actor=bob)
    assert services.vote_add(question=question, actor=bob, value=-1)
    assert not services.vote_add(question=question, actor=bob, value=-1)
    assert count_of(question) == 0
    assert services.vote_remove(actor=bob, question=question)
    assert count_of(question) == 1


def test_one_flush_a_window_and_the_final_count_is_delivered(open_ama, settings, monkeypatch,
                                                           django_capture_on_commit_callbacks):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 30
    question = shown(open_ama)
    votes = LiveEvent.objects.filter(question=question, kind="votes_changed")
    with django_capture_on_commit_callbacks() as scheduled:
        services.vote_add(question=question, actor=make_remote("v0"))  # published at once
        for n in range(1, 5):
            services.vote_add(question=question, actor=make_remote(f"v{n}"))
        services.vote_remove(actor=Vote.objects.get(actor__username="v0").actor, question=question)
    assert flushes(scheduled, monkeypatch) == 1  # one broker message for the window, not one per vote
    votes.update(created_at=timezone.now() - timedelta(seconds=31))  # the window is over
    live_votes.flush_votes(question.pk)
    assert [event.payload["vote_count"] for event in votes.order_by("seq")] == [1, 4]
    with django_capture_on_commit_callbacks() as scheduled:
        services.vote_add(question=question, actor=make_remote("v5"))  # in the flush's window: a new key
        services.vote_add(question=question, actor=make_remote("v6"))
    assert flushes(scheduled, monkeypatch) == 1
    votes.update(created_at=timezone.now() - timedelta(seconds=31))
    live_votes.flush_votes(question.pk)
    assert [event.payload["vote_count"] for event in votes.order_by("seq")] == [1, 4, 6]


def test_changing_the_downvote_setting_counts_every_question_again(open_ama, settings):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 0
    services.ama_update(ama=open_ama, allow_downvotes=True)
    disliked, untouched = shown(open_ama), shown(open_ama)
    for name in ("carol", "dave"):
        services.vote_add(question=disliked, actor=make_remote(name))
    services.vote_add(question=disliked, actor=make_remote("erin"), value=-1)
    assert count_of(disliked) == 1
    version = open_ama.version
    services.ama_update(ama=open_ama, allow_downvotes=False)
    assert (count_of(disliked), count_of(untouched)) == (2, 0)
    services.ama_update(ama=open_ama, allow_downvotes=True)
    assert count_of(disliked) == 1
    open_ama.refresh_from_db()
    assert open_ama.version > version
