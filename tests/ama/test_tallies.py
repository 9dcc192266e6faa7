"""Remote tallies against loopback origins (tests/tally_origins.py): what each shape of `likes` adds to a
question's score, the dedup rule, deletes and edits found on refetch, conditional GETs, failures and backoff,
the per-origin limits and the claims."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ama import services
from ama.models import LiveEvent, Question, TallyRun, TallyState
from ama.tallies import run, schedule
from ama.tallies.apply import apply_batch
from ama.tallies.fetch import Job, Outcome
from ama.tallies.likes import Likes
from ama.tallies.run import RUN, refresh_due
from federation.models import Actor
from federation.reserved_names import is_reserved_for_examples
from tests.tally_origins import Origin, listed_likes, mastodon_likes


@pytest.fixture
def tally_env(loopback, monkeypatch, db):
    """Loopback origins allowed, and our instance actor with the static test key (key generation is slow)."""
    from federation import actors, keys
    from tests.peer import test_keypair

    monkeypatch.setattr(keys, "generate_keypair", test_keypair)
    actors.instance_actor()
    return loopback


@pytest.fixture
def origin(tally_env):
    server = Origin()
    yield server
    server.close()


def remote_actor(origin: Origin, name: str) -> Actor:
    ap_id = f"{origin.base}/users/{name}"
    return Actor.objects.get_or_create(ap_id=ap_id, defaults=dict(
        username=name, domain=origin.domain, inbox=ap_id + "/inbox"))[0]


def remote_question(ama, origin: Origin, path: str, **note) -> Question:
    ap_id = origin.note(path, **note)
    content = note.get("content", "<p>Why?</p>")
    return Question.objects.create(ama=ama, author=remote_actor(origin, "asker"), ap_id=ap_id, content_html=content,
                                   content_text="Why?", state=Question.State.PUBLISHED, published_at=timezone.now())


def make_due(question: Question) -> None:
    TallyState.objects.filter(question=question).update(next_refresh_at=timezone.now())


def test_mastodon_shape_adds_the_origin_count_less_its_own_users_who_voted_here(open_ama, origin, host):
    question = remote_question(open_ama, origin, "/statuses/1", likes=mastodon_likes(origin.base + "/statuses/1", 12))
    services.vote_add(question=question, actor=remote_actor(origin, "carol"))  # on the origin: maybe among the 12
    services.vote_add(question=question, actor=host)  # here: never among them

    report = refresh_due()

    question.refresh_from_db()
    assert report.outcomes["counted"] == 1
    assert (question.vote_count, question.remote_like_count, question.score) == (2, 11, 13)
    state = question.tally
    assert (state.likes_total, state.failures, state.seen_at is not None) == (12, 0, True)
    assert state.interval == 30 and state.next_refresh_at > timezone.now()  # top question of a live AMA


def test_pleroma_shape_counts_a_listed_liker_who_also_voted_here_once(open_ama, origin):
    note_id = origin.base + "/objects/2"
    likers = [f"{origin.base}/users/{name}" for name in ("ann", "ben", "cyd")] + ["https://elsewhere.example/u/dee"]
    question = remote_question(open_ama, origin, "/objects/2", likes=listed_likes(note_id, likers, total=6))
    services.vote_add(question=question, actor=remote_actor(origin, "ben"))  # listed: counted once

    refresh_due()

    question.refresh_from_db()
    # listed and not here: ann, cyd, dee (3); not listed: 6 - 4 = 2, none of them can be ours (ben is listed)
    assert (question.vote_count, question.remote_like_count, question.score) == (1, 5, 6)


def test_a_liker_who_votes_here_later_is_not_counted_twice(open_ama, origin):
    note_id = origin.base + "/objects/3"
    ann = remote_actor(origin, "ann")
    question = remote_question(open_ama, origin, "/objects/3", likes=listed_likes(note_id, [ann.ap_id], paged=True))
    refresh_due()
    question.refresh_from_db()
    assert question.score == 1

    services.vote_add(question=question, actor=ann)

    question.refresh_from_db()
    assert (question.vote_count, question.remote_like_count, question.score) == (1, 0, 1)


def test_a_likes_collection_given_by_url_is_fetched_from_the_origin(open_ama, origin):
    note_id = origin.base + "/objects/4"
    question = remote_question(open_ama, origin, "/objects/4", likes=note_id + "/likes",
                               likes_collection=listed_likes(note_id, [origin.base + "/users/ann"], total=3))
    refresh_due()
    question.refresh_from_db()
    assert question.remote_like_count == 3
    assert origin.requests_to("/objects/4/likes") == 1


def test_an_origin_answering_410_deletes_the_question_as_a_delete_would(open_ama, origin):
    question = remote_question(open_ama, origin, "/statuses/5", likes=mastodon_likes("x", 2))
    origin.status["/statuses/5"] = 410

    report = refresh_due()

    question.refresh_from_db()
    assert report.outcomes["gone"] == 1
    assert (question.state, question.content_html) == (Question.State.DELETED, "")
    assert question.tally.next_refresh_at is None


def test_a_tombstone_deletes_the_question(open_ama, origin):
    question = remote_question(open_ama, origin, "/statuses/6")
    origin.notes["/statuses/6"] = {"id": question.ap_id, "type": "Tombstone"}
    refresh_due()
    question.refresh_from_db()
    assert question.state == Question.State.DELETED


def test_an_origin_that_is_down_keeps_the_count_and_backs_off(open_ama, origin):
    question = remote_question(open_ama, origin, "/statuses/7", likes=mastodon_likes("x", 5))
    refresh_due()
    origin.down = True
    intervals = []
    for _ in range(3):
        make_due(question)
        assert refresh_due().outcomes["failed"] == 1
        state = TallyState.objects.get(question=question)
        intervals.append(state.interval)

    question.refresh_from_db()
    assert question.remote_like_count == 5
    assert (state.failures, state.last_error) == (3, "HTTP 503")
    assert intervals == [60, 120, 240]


@pytest.mark.parametrize("review_edits, state_after", [(True, Question.State.PENDING),
                                                       (False, Question.State.PUBLISHED)])
def test_a_changed_text_is_an_edit_under_the_amas_review_rule(open_ama, origin, review_edits, state_after):
    open_ama.review_edits = review_edits
    open_ama.save()
    question = remote_question(open_ama, origin, "/statuses/8", likes=mastodon_likes("x", 1))
    origin.notes["/statuses/8"]["content"] = "<p>Why, really?</p>"

    assert refresh_due().outcomes["edited"] == 1

    question.refresh_from_db()
    assert (question.content_html, question.is_edited, question.state) == ("<p>Why, really?</p>", True, state_after)
    assert question.revisions.get().content_html == "<p>Why?</p>"


def test_an_unchanged_answer_is_not_an_edit(open_ama, origin):
    question = remote_question(open_ama, origin, "/statuses/9", likes=mastodon_likes("x", 1))
    refresh_due()
    question.refresh_from_db()
    assert (question.is_edited, question.revisions.count()) == (False, 0)


def test_a_304_keeps_the_count_without_reading_the_object_again(open_ama, origin):
    question = remote_question(open_ama, origin, "/statuses/10", likes=mastodon_likes("x", 4))
    origin.etags["/statuses/10"] = '"v1"'
    refresh_due()
    origin.notes["/statuses/10"]["likes"] = mastodon_likes("x", 40)  # the ETag did not change: not re-read
    make_due(question)

    report = refresh_due()

    question.refresh_from_db()
    assert report.outcomes["unchanged"] == 1
    assert question.remote_like_count == 4
    assert origin.gets[-1][2].get("If-None-Match") == '"v1"'
    state = question.tally
    assert (state.etag, state.interval) == ('"v1"', 60)  # unchanged: the interval doubles


def test_questions_beyond_the_top_of_a_live_ama_are_refreshed_less_often(open_ama, origin, settings):
    settings.FEDIAMA_TALLY_TOP = 1
    top = remote_question(open_ama, origin, "/statuses/11", likes=mastodon_likes("x", 9))
    other = remote_question(open_ama, origin, "/statuses/12", likes=mastodon_likes("x", 0))
    services.vote_add(question=top, actor=remote_actor(origin, "zed"))
    refresh_due()
    assert (top.tally.interval, TallyState.objects.get(question=other).interval) == (30, 120)


def test_budget_and_concurrency_per_origin_hold_under_2000_questions(open_ama, origin, settings):
    settings.FEDIAMA_TALLY_ORIGIN_BUDGET = 60
    origin.delay = 0.02
    author = remote_actor(origin, "asker")
    Question.objects.bulk_create([Question(ama=open_ama, author=author, ap_id=origin.note(f"/s/{n}",
                                           likes=mastodon_likes("x", n)), content_html="<p>Why?</p>",
                                           content_text="Why?", state=Question.State.PUBLISHED)
                                  for n in range(2000)])

    first, second = refresh_due(), refresh_due()

    assert sum(first.outcomes.values()) == 60 and sum(second.outcomes.values()) == 0
    assert len(origin.gets) == 60 == origin.most_per_minute()
    assert origin.most_in_flight == 2
    assert TallyState.objects.filter(next_refresh_at__lte=timezone.now()).count() == 1940  # due, waiting


def test_a_claimed_object_is_not_fetched_by_another_refresher(open_ama, origin):
    questions = [remote_question(open_ama, origin, f"/statuses/c{n}", likes=mastodon_likes("x", 1)) for n in range(3)]
    schedule.enroll()
    now = timezone.now()
    mine = schedule.claim([questions[0].pk], now)  # a refresher in the middle of its fetch

    assert schedule.claim([questions[0].pk], now) == []  # a second claim of the same row takes nothing
    refresh_due()  # another refresher

    assert [row.pk for row in mine] == [questions[0].pk]
    assert origin.requests_to("/statuses/c0") == 0
    assert origin.requests_to("/statuses/c1") == origin.requests_to("/statuses/c2") == 1


def test_a_second_refresher_returns_while_one_runs(open_ama, origin):
    remote_question(open_ama, origin, "/statuses/13", likes=mastodon_likes("x", 1))
    TallyRun.objects.create(name=RUN, lease_until=timezone.now() + timedelta(minutes=1))

    assert refresh_due().skipped
    assert origin.gets == []


def test_no_refresh_once_the_ama_has_ended_and_been_refreshed(open_ama, origin):
    question = remote_question(open_ama, origin, "/statuses/14", likes=mastodon_likes("x", 2))
    refresh_due()
    open_ama.state = open_ama.State.ENDED
    open_ama.save()
    make_due(question)

    refresh_due()  # once more after the end
    refresh_due()

    assert origin.requests_to("/statuses/14") == 2
    assert TallyState.objects.get(question=question).next_refresh_at is None


def test_the_page_and_the_api_give_the_score_and_its_parts(open_ama, origin, host, client):
    question = remote_question(open_ama, origin, "/statuses/15", likes=mastodon_likes("x", 5))
    services.vote_add(question=question, actor=host)
    refresh_due()

    page = client.get(f"/amas/{open_ama.slug}").content.decode()
    api = client.get(f"/api/amas/{open_ama.slug}/questions/").json()

    assert f'title="6 votes: 1 here, 5 on {origin.domain}"' in page
    assert 'data-votes="6"' in page
    row = api["results"][0]
    assert (row["score"], row["votes_here"], row["remote_votes"], row["remote_votes_origin"]) == (
        6, 1, 5, origin.domain)


def test_top_votes_sorts_by_score(open_ama, origin, host):
    voted_here = remote_question(open_ama, origin, "/statuses/16", likes=mastodon_likes("x", 0))
    liked_there = remote_question(open_ama, origin, "/statuses/17", likes=mastodon_likes("x", 3))
    services.vote_add(question=voted_here, actor=host)
    refresh_due()
    assert list(open_ama.questions.sorted_by("top").values_list("pk", flat=True)) == [liked_there.pk, voted_here.pk]


def score_events(ama) -> list[LiveEvent]:
    return list(LiveEvent.objects.filter(ama=ama, kind__in=("scores_changed", "votes_changed")).order_by("seq"))


def test_a_batch_of_changed_scores_is_one_live_event_per_ama(open_ama, origin, host, monkeypatch):
    monkeypatch.setattr(run, "APPLY_EVERY", 60)  # however slow the machine, one batch
    now = timezone.now()
    other = services.ama_create(host=host, title="Second", language="fr", opens_at=now - timedelta(hours=1),
                                closes_at=now + timedelta(hours=2), publish=True)
    mine = [remote_question(open_ama, origin, f"/statuses/b{n}", likes=mastodon_likes("x", n + 1)) for n in range(5)]
    theirs = remote_question(other, origin, "/statuses/o1", likes=mastodon_likes("x", 7))
    services.vote_add(question=theirs, actor=host)

    assert refresh_due().outcomes["counted"] == 6

    [event] = score_events(open_ama)
    assert event.kind == "scores_changed" and event.question_id is None
    assert sorted((row["question_id"], row["vote_count"], row["remote_votes"], row["label"])
                  for row in event.payload["questions"]) == [(q.pk, n + 1, n + 1, f"{n + 1} vote" + "s" * (n > 0))
                                                             for n, q in enumerate(mine)]
    [event] = [event for event in score_events(other) if event.kind == "scores_changed"]  # the vote's is apart
    [row] = event.payload["questions"]
    assert (row["question_id"], row["vote_count"], row["votes_here"], row["remote_votes"]) == (theirs.pk, 8, 1, 7)
    # the French AMA's own words are French; its English variant is kept for English pages
    assert row["parts"] == f"8 votes : 1 ici, 7 sur {origin.domain}"
    assert event.payload["localized"]["en"]["questions"][0]["parts"] == f"8 votes: 1 here, 7 on {origin.domain}"


def test_each_batch_of_the_refresher_is_one_event(open_ama, origin, monkeypatch):
    monkeypatch.setattr(run, "APPLY_BATCH", 2)
    monkeypatch.setattr(run, "APPLY_EVERY", 60)
    for n in range(5):
        remote_question(open_ama, origin, f"/statuses/e{n}", likes=mastodon_likes("x", 3))

    refresh_due()

    events = score_events(open_ama)
    assert [len(event.payload["questions"]) for event in events] == [2, 2, 1]
    assert {event.kind for event in events} == {"scores_changed"}


def test_an_unchanged_score_publishes_nothing(open_ama, origin):
    question = remote_question(open_ama, origin, "/statuses/u1", likes=mastodon_likes("x", 3))
    refresh_due()
    make_due(question)
    before = len(score_events(open_ama))

    assert refresh_due().outcomes["unchanged"] == 1
    assert len(score_events(open_ama)) == before == 1


def test_a_batch_applies_around_questions_deleted_meanwhile(open_ama, origin):
    """Between the fetch and the batch's write, one question was deleted by its author (a tombstone, off the
    page) and one was removed with its rows: the others are counted, the event names only what the page shows."""
    kept, tombstoned, removed = [remote_question(open_ama, origin, f"/statuses/d{n}") for n in range(3)]
    schedule.enroll()
    claimed = schedule.claim([kept.pk, tombstoned.pk, removed.pk], timezone.now())
    standing = schedule.Standing(ama_state=open_ama.State.LIVE, top=True)
    answers = [(Outcome(Job(state.question_id, state.question.ap_id, state.origin), "fetched",
                        likes=Likes(total=4, likers=frozenset())), state) for state in claimed]
    services.question_delete_received(question=tombstoned)
    Question.objects.filter(pk=removed.pk).delete()

    said = apply_batch(answers, {state.pk: standing for state in claimed})

    assert said == {"counted": 3}
    assert Question.objects.get(pk=kept.pk).remote_like_count == 4
    assert TallyState.objects.get(question=kept).likes_total == 4
    assert not TallyState.objects.filter(question_id=removed.pk).exists()
    [event] = [event for event in score_events(open_ama) if event.kind == "scores_changed"]
    assert [row["question_id"] for row in event.payload["questions"]] == [kept.pk]


@pytest.mark.parametrize("domain, reserved", [
    ("mastodon.example", True), ("lemmy.example:8443", True), ("inbox.mastodon.example.invalid", True),
    ("a.b.test", True), ("Social.Example.", True), ("example.com", True), ("users.example.org:443", True),
    ("example.social", False), ("mastodon.social", False), ("notexample.com", False), ("test.com", False),
    ("127.0.0.1:8000", False), ("[::1]:8000", False), ("dev.localhost:8000", False), ("", False)])
def test_names_reserved_for_examples(domain, reserved):
    assert is_reserved_for_examples(domain) is reserved


def test_the_demos_made_up_servers_are_never_fetched(open_ama, origin):
    """seed_demo's questions come from mastodon.example and the like: no row, no fetch, no DNS lookup (it
    would fail: "failed"); a row enrolled before (an older database) is dropped; a real origin still counts."""
    demo = Actor.objects.create(ap_id="https://mastodon.example/users/ana", username="ana",
                                domain="mastodon.example", inbox="https://mastodon.example.invalid/inbox")
    made_up = Question.objects.create(ama=open_ama, author=demo, ap_id="https://mastodon.example/statuses/1",
                                      content_html="<p>Why?</p>", content_text="Why?",
                                      state=Question.State.PUBLISHED, published_at=timezone.now())
    older = Question.objects.create(ama=open_ama, author=demo, ap_id="https://lemmy.test/post/2",
                                    content_html="<p>How?</p>", content_text="How?", state=Question.State.PUBLISHED,
                                    published_at=timezone.now())
    TallyState.objects.create(question=older, origin="lemmy.test", next_refresh_at=timezone.now())
    real = remote_question(open_ama, origin, "/statuses/r1", likes=mastodon_likes("x", 2))

    report = refresh_due()

    assert dict(report.outcomes) == {"counted": 1}
    assert list(TallyState.objects.values_list("question_id", flat=True)) == [real.pk]
    assert not TallyState.objects.filter(question__in=[made_up, older]).exists()
    assert refresh_due().outcomes == {}  # the next cycle enrols them no more


@pytest.mark.parametrize("here, remote, english, french", [
    (1, 5, "6 votes: 1 here, 5 on {}", "6 votes : 1 ici, 5 sur {}"),
    (0, 1, "1 vote: 0 here, 1 on {}", "1 vote : 0 ici, 1 sur {}")])
def test_a_french_page_tells_the_score_and_its_parts_in_french(open_ama, origin, host, client, here, remote,
                                                                 english, french):
    question = remote_question(open_ama, origin, "/statuses/f1", likes=mastodon_likes("x", remote))
    if here:
        services.vote_add(question=question, actor=host)
    refresh_due()

    page = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    english_page = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'title="{french.format(origin.domain)}"' in page
    assert f'aria-label="{french.format(origin.domain)}"' in page
    assert f'title="{english.format(origin.domain)}"' in english_page and " ici, " not in english_page
