"""Live events as the services write them (ama/live): every change a page shows bumps the AMA's version and
stores its event, in order; public events carry only what the public page shows; votes are coalesced."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from test_moderation_support import ask, make_remote

from ama import live, services
from ama.live import votes as live_votes
from ama.live.events import purge_old_events
from ama.models import Ama, AuditEntry, LiveEvent, Question


@pytest.fixture
def ama(open_ama, settings):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 0  # every vote publishes at once, except in the coalescing tests
    return open_ama


def changes(ama: Ama, act) -> list[str]:
    """Run `act`; the kinds of the events it stored, after checking that the AMA's version rose by exactly
    their number and that their seqs are that range, in order."""
    ama.refresh_from_db()
    before = ama.version
    act()
    ama.refresh_from_db()
    events = list(LiveEvent.objects.filter(ama=ama, seq__gt=before).order_by("seq"))
    assert [event.seq for event in events] == list(range(before + 1, ama.version + 1))
    return [event.kind for event in events]


def shown(ama, text="Is the data open?", **extra) -> Question:
    question = ask(ama, text, **extra)
    services.question_approve(question=question)
    return question


def answered(ama) -> Question:
    question = shown(ama)
    services.answer_publish(question=question, author=ama.host, body="Yes, all of it.")
    return question


def answer_of(question):
    return question.answers.get()


# Each public-visible change, the call that makes it, and the events it must store (moderator kinds included:
# they share the AMA's sequence). Setup runs first and is not counted.
WALK = {
    "question arrives, pre-moderated": (None, lambda a, _: ask(a), ["question_pending"]),
    "question approved": (ask, lambda a, q: services.question_approve(question=q),
                          ["question_published", "question_moderated"]),
    "pending question rejected": (ask, lambda a, q: services.question_reject(question=q), ["question_moderated"]),
    "question hidden": (shown, lambda a, q: services.question_hide(question=q), ["question_hidden"]),
    "question rejected after approval": (shown, lambda a, q: services.question_reject(question=q),
                                         ["question_removed"]),
    "question merged": (shown, lambda a, q: services.question_merge(question=q, into=shown(a)),
                        ["question_pending", "question_published", "question_moderated",  # the kept one
                         "question_merged", "votes_changed"]),
    "question edited for display": (shown, lambda a, q: services.question_edit_display(
        question=q, display_html="<p>Which data?</p>"), ["question_updated"]),
    "question marked answered": (shown, lambda a, q: services.question_mark_answered(question=q, note="on air"),
                                 ["question_updated"]),
    "question edited by its author, back to review": (shown, lambda a, q: services.question_edit_received(
        question=q, content_html="<p>Edited</p>"), ["question_removed", "question_pending"]),
    "question deleted by its author": (shown, lambda a, q: services.question_delete_received(question=q),
                                       ["question_removed"]),
    "answered question deleted by its author stays, labelled": (
        answered, lambda a, q: services.question_delete_received(question=q), ["question_updated"]),
    "answer published": (shown, lambda a, q: services.answer_publish(question=q, author=a.host, body="Yes."),
                         ["answer_published"]),
    "answer edited": (answered, lambda a, q: services.answer_edit(answer=answer_of(q), body="Yes, really."),
                      ["answer_edited"]),
    "answer deleted": (answered, lambda a, q: services.answer_delete(answer=answer_of(q)), ["answer_deleted"]),
    "vote added": (shown, lambda a, q: services.vote_add(question=q, actor=make_remote("voter")),
                   ["votes_changed"]),
    "now answering": (shown, lambda a, q: services.question_now_answering(question=q), ["now_answering"]),
    "now answering answered": (
        lambda a: services.question_now_answering(question=shown(a)),
        lambda a, q: services.answer_publish(question=q, author=a.host, body="Done."),
        ["answer_published", "now_answering"]),
    "starred": (shown, lambda a, q: services.question_star(question=q), ["starred"]),
    "AMA edited": (None, lambda a, _: services.ama_update(ama=a, title="New title"), ["ama_updated"]),
    "AMA closed": (None, lambda a, _: services.ama_close(ama=a), ["ama_closed"]),
    "AMA deleted": (None, lambda a, _: services.ama_delete(ama=a), ["ama_deleted"]),
    "asker's content removed with a ban": (shown, lambda a, q: services.actor_ban(
        actor=q.author, ama=a, remove_content=True), ["question_removed"]),
    "domain blocked": (lambda a: shown(a, author=make_remote("carol", "blocked.example")),
                       lambda a, q: services.domain_block(domain="blocked.example"), ["question_removed"]),
    "hide undone": (lambda a: services.question_hide(question=shown(a)),
                    lambda a, q: services.audit_undo(entry=AuditEntry.objects.get(action="question.hide")),
                    ["question_published"]),
}


@pytest.mark.parametrize("name", list(WALK))
def test_every_change_a_page_shows_bumps_the_version_and_stores_its_events(ama, name):
    setup, act, expected = WALK[name]
    subject = setup(ama) if setup else None
    if isinstance(subject, Question):
        subject.refresh_from_db()
    assert changes(ama, lambda: act(ama, subject)) == expected


def test_opening_a_closed_ama_and_the_schedule_publish_opened_and_closed(ama):
    services.ama_close(ama=ama)
    assert changes(ama, lambda: services.ama_open(ama=ama)) == ["ama_opened"]
    ama.closes_at = timezone.now() - timedelta(minutes=1)
    Ama.objects.filter(pk=ama.pk).update(closes_at=ama.closes_at)
    assert changes(ama, lambda: services.ama_advance_states()) == ["ama_closed"]


def test_a_post_moderated_question_is_published_at_once_and_an_unblocked_domain_comes_back(ama):
    services.ama_update(ama=ama, moderation_mode=Ama.Moderation.POST, hold_first_question=False)
    carol = make_remote("carol", "blocked.example")
    assert changes(ama, lambda: ask(ama, author=carol)) == ["question_published"]
    services.domain_block(domain="blocked.example")
    assert changes(ama, lambda: services.domain_unblock(domain="blocked.example")) == ["question_published"]


def test_changes_nobody_sees_publish_nothing(ama):
    question = shown(ama)
    assert changes(ama, lambda: services.question_lock(question=question)) == []
    assert changes(ama, lambda: services.actor_note(actor=question.author, note="spammy")) == []
    hidden = ask(ama)
    services.question_reject(question=hidden)
    assert changes(ama, lambda: services.vote_add(question=hidden, actor=make_remote("voter"))) == []


def test_a_rolled_back_change_leaves_no_event_and_no_version(ama):
    question = ask(ama)
    ama.refresh_from_db()
    version = ama.version
    with pytest.raises(RuntimeError), transaction.atomic():
        services.question_approve(question=question)
        raise RuntimeError("the request failed after the approval")
    ama.refresh_from_db()
    assert ama.version == version and not LiveEvent.objects.filter(ama=ama, seq__gt=version).exists()


def test_the_public_fragment_is_the_anonymous_page_and_moderators_get_the_queue(ama):
    question = ask(ama, "What about <b>safety</b>?")
    pending = LiveEvent.objects.get(ama=ama, kind="question_pending")
    assert pending.audience == "moderators" and "safety" in pending.payload["content_html"]
    assert pending.payload["approve_url"] == f"/dashboard/{ama.slug}/questions/{question.pk}/approve"
    services.question_approve(question=question)
    published = LiveEvent.objects.get(ama=ama, kind="question_published")
    assert published.audience == "public" and published.payload["question_id"] == question.pk
    html = published.payload["html"]
    assert html.startswith('<article class="question"') and f'id="q-{question.pk}"' in html
    assert "<b>safety</b>" in html and "csrfmiddlewaretoken" not in html and "Report" not in html


def test_fragments_are_stored_in_the_amas_language_and_in_every_other_site_language(ama):
    Ama.objects.filter(pk=ama.pk).update(language="fr")
    ama.refresh_from_db()
    question = shown(ama)
    voter = make_remote("v1")
    services.vote_add(question=question, actor=voter)
    services.vote_remove(question=question, actor=voter)
    published = LiveEvent.objects.get(ama=ama, kind="question_published").payload
    assert ">0 vote<" in published["html"] and "Lien permanent" in published["html"]  # French: the AMA's
    english = published["localized"]["en"]["html"]
    assert ">0 votes<" in english and "Permalink to this question" in english
    assert english.startswith(f'<article class="question" id="q-{question.pk}"')
    assert set(published["localized"]) == {"en"}  # French is the payload's own
    votes = LiveEvent.objects.filter(ama=ama, kind="votes_changed").order_by("seq").last().payload
    assert votes["vote_count"] == 0 and votes["label"] == "0 vote" and votes["localized"] == {"en": {"label": "0 votes"}}


def test_nothing_private_reaches_a_public_event(ama):
    pending = ask(ama, "PENDING-SECRET")
    rejected = ask(ama, "REJECTED-SECRET")
    services.question_reject(question=rejected, note="MODERATOR-NOTE")
    hidden = shown(ama, "HIDDEN-SECRET")
    services.question_hide(question=hidden, note="HIDE-NOTE")
    services.actor_note(actor=pending.author, note="ACTOR-NOTE")
    services.question_star(question=shown(ama, "shown"))
    public = " ".join(str(event.payload) + event.kind for event in LiveEvent.objects.filter(ama=ama,
                                                                                        audience="public"))
    for secret in ("PENDING-SECRET", "REJECTED-SECRET", "MODERATOR-NOTE", "HIDE-NOTE", "ACTOR-NOTE", "starred"):
        assert secret not in public
    assert "HIDDEN-SECRET" in str(LiveEvent.objects.get(ama=ama, kind="question_published",
                                                         question=hidden).payload)  # before it was hidden
    moderators = str([event.payload for event in LiveEvent.objects.filter(ama=ama, audience="moderators")])
    assert "PENDING-SECRET" in moderators


@pytest.fixture
def flushes_sent(monkeypatch) -> list:
    """The flush_votes tasks sent to the broker (question id, countdown), recorded instead of sent."""
    sent = []
    monkeypatch.setattr(live_votes.flush_votes, "apply_async",
                        lambda args, countdown: sent.append((args[0], countdown)))
    return sent


def test_votes_are_coalesced_to_one_event_a_window_and_the_last_count_arrives(open_ama, settings, flushes_sent,
                                                                          django_capture_on_commit_callbacks):
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 1
    question = shown(open_ama)
    services.vote_add(question=question, actor=make_remote("v1"))
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_add(question=question, actor=make_remote("v2"))
        services.vote_add(question=question, actor=make_remote("v3"))
    votes = LiveEvent.objects.filter(question=question, kind="votes_changed")
    assert [event.payload["vote_count"] for event in votes] == [1]  # the first at once, the others wait
    assert [sent[0] for sent in flushes_sent] == [question.pk]  # one flush at the window's end, for both votes
    live_votes.flush_votes(question.pk)  # a flush that runs early publishes nothing
    assert votes.count() == 1
    votes.update(created_at=timezone.now() - timedelta(seconds=2))  # the window is over
    live_votes.flush_votes(question.pk)
    live_votes.flush_votes(question.pk)  # the second flush of the window finds the count delivered
    assert [event.payload["vote_count"] for event in votes.order_by("seq")] == [1, 3]
    assert votes.order_by("seq").last().payload["label"] == "3 votes"


def test_a_vote_rolled_back_leaves_the_window_to_the_next_vote(open_ama, settings, flushes_sent,
                                                              django_capture_on_commit_callbacks):
    """An inbox batch with a failing row rolls back its votes and takes them again one by one: the vote taken
    again must still schedule the window's flush, or its count waits for a vote that may never come."""
    settings.FEDIAMA_LIVE_VOTE_WINDOW = 5
    question = shown(open_ama)
    services.vote_add(question=question, actor=make_remote("v1"))  # publishes at once: the window opens
    with pytest.raises(RuntimeError), django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            services.vote_add(question=question, actor=make_remote("v2"))
            raise RuntimeError("a poison row in the same batch")
    assert flushes_sent == []
    with django_capture_on_commit_callbacks(execute=True):
        services.vote_add(question=question, actor=make_remote("v2"))
    assert [sent[0] for sent in flushes_sent] == [question.pk]


def test_a_stale_copy_of_an_ama_saved_later_keeps_the_version(ama):
    stale = Ama.objects.get(pk=ama.pk)
    shown(ama)
    ama.refresh_from_db()
    stale.title = "Renamed in an admin form"
    stale.save()
    stale.refresh_from_db()
    assert stale.version == ama.version and stale.title == "Renamed in an admin form"
    assert changes(ama, lambda: services.ama_update(ama=stale, title="Again")) == ["ama_updated"]


def test_old_events_are_purged(ama, settings):
    settings.FEDIAMA_LIVE_RETENTION_HOURS = 24
    shown(ama)
    LiveEvent.objects.filter(ama=ama, kind="question_pending").update(
        created_at=timezone.now() - timedelta(hours=25))
    assert purge_old_events() == 1
    assert set(LiveEvent.objects.filter(ama=ama).values_list("kind", flat=True)) == {
        "ama_opened", "question_published", "question_moderated"}


def test_publish_refuses_to_show_a_question_the_public_page_does_not(ama):
    question = ask(ama)
    assert changes(ama, lambda: live.publish(ama, "question_updated", question=question)) == []


def test_a_new_question_from_a_suspended_domain_is_never_published_to_the_public(ama):
    """The live view of a question just received (ama.live.events.new_question_view) is the page's: one from a
    suspended domain, a subdomain of it or it with a port is not shown; a name that only ends the same is."""
    from federation.domain_policy import domain_policy_set

    services.ama_update(ama=ama, moderation_mode="post", hold_first_question=False)
    domain_policy_set(domain="spam.example")
    public_before = LiveEvent.objects.filter(ama=ama, audience="public").count()
    spam = {ask(ama, "Buy now?", author=make_remote(f"spammer{n}", domain=domain)).pk
            for n, domain in enumerate(("spam.example", "eu.spam.example", "spam.example:8443"))}
    assert LiveEvent.objects.filter(ama=ama, audience="public").count() == public_before
    fine = ask(ama, "An honest question?", author=make_remote("honest", domain="notspam.example"))
    published = LiveEvent.objects.filter(ama=ama, audience="public").latest("seq")
    assert (published.kind, published.question_id) == ("question_published", fine.pk)
    page = set(Question.objects.filter(ama=ama).on_page().values_list("pk", flat=True))
    assert fine.pk in page and not page & spam  # the page agrees


def _reply_rows(remote_actor, in_reply_to, count, **message) -> list:
    from federation.models import InboxMessage
    from tests.ama.inbox.shapes import create, note

    rows = []
    for _ in range(count):
        activity = create(remote_actor, note(remote_actor, in_reply_to))
        rows.append(InboxMessage.objects.create(ap_id=activity["id"], activity_type="Create",
                                                actor_ap_id=remote_actor.ap_id, domain=remote_actor.peer.domain,
                                                body=activity, **message))
    return rows


def test_an_inbox_batch_moves_the_version_once_and_numbers_its_events_in_row_order(ama, remote_actor):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from federation import routing

    rows = _reply_rows(remote_actor, ama.ap_id, 3)
    with CaptureQueriesContext(connection) as queries:
        kinds = changes(ama, lambda: routing.drain(budget=30))
    assert kinds == ["question_pending"] * 3
    events = LiveEvent.objects.filter(ama=ama, kind="question_pending").order_by("seq")
    assert [event.question.ap_id for event in events] == [row.body["object"]["id"] for row in rows]
    bumps = [query["sql"] for query in queries.captured_queries if query["sql"].startswith('UPDATE "ama_ama"')]
    assert len(bumps) == 1, bumps


def test_only_replies_to_an_ama_embedding_the_senders_own_note_share_a_batch(ama, remote_actor):
    from ama.inbox.questions import shared_replies

    to_ama = _reply_rows(remote_actor, ama.ap_id, 1)
    question = shown(ama)
    follow_up = _reply_rows(remote_actor, question.ap_id, 1)
    via_group = _reply_rows(remote_actor, ama.ap_id, 1, received_via="/c/ama/inbox")
    elsewhere = _reply_rows(remote_actor, "https://elsewhere.example/notes/1", 1)
    foreign = _reply_rows(remote_actor, ama.ap_id, 1)
    foreign[0].body["object"]["attributedTo"] = "https://other.example/users/eve"  # someone else's note: fetched
    other_host = _reply_rows(remote_actor, ama.ap_id, 1)
    other_host[0].body["object"]["id"] = "https://other.example/notes/2"
    not_a_note = _reply_rows(remote_actor, ama.ap_id, 1)
    not_a_note[0].body["object"] = ama.ap_id  # a link only
    rows = to_ama + follow_up + via_group + elsewhere + foreign + other_host + not_a_note
    assert shared_replies(rows) == {to_ama[0].pk}
