"""Question actions through the admin (Django test client): status, resulting state, audit row, federation."""

import uuid

import test_moderation_support as support
from django.contrib.messages import get_messages
from test_moderation_support import QUESTIONS, act, ask, make_remote

from ama import services
from ama.models import AuditEntry, Question, Vote
from federation.delivery_batch import attempt
from federation.models import Actor, Delivery

mod_client, moderator = support.mod_client, support.moderator  # shared fixtures


def audit_of(question, action):
    return AuditEntry.objects.filter(question=question, action=action)


def test_approve(open_ama, mod_client, moderator):
    questions = [ask(open_ama), ask(open_ama)]
    response = act(mod_client, "approve", questions)
    assert response.status_code == 302
    for question in questions:
        question.refresh_from_db()
        assert question.state == Question.State.PUBLISHED
        entry = audit_of(question, "question.approve").get()
        assert entry.actor_user == moderator and entry.public
    assert set(Question.objects.shown().filter(ama=open_ama)) == set(questions)


def test_reject_shows_a_form_then_rejects_silently(open_ama, mod_client):
    question = ask(open_ama)
    form = act(mod_client, "reject", [question])
    assert form.status_code == 200 and b'name="reason"' in form.content and b"tell_asker" in form.content
    response = act(mod_client, "reject", [question], apply="1", reason="off-topic", note="")
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.state == Question.State.REJECTED and question.reject_reason == "off-topic"
    assert audit_of(question, "question.reject").get().reason == "off-topic"
    assert not Delivery.objects.filter(activity__activity_type="Reject").exists()


def test_reject_with_an_invalid_reason_shows_the_form_again(open_ama, mod_client):
    question = ask(open_ama)
    response = act(mod_client, "reject", [question], apply="1", reason="rude")
    assert response.status_code == 200 and b"errorlist" in response.content
    question.refresh_from_db()
    assert question.state == Question.State.PENDING


def test_reject_telling_the_asker_sends_a_reject_the_peer_receives(open_ama, mod_client, remote_actor, peer):
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    question = services.question_receive(ama=open_ama, author=bob, ap_id=f"{peer.base}/notes/{uuid.uuid4()}",
                                         content_html="<p>Buy pills</p>", in_reply_to=open_ama.ap_id)
    act(mod_client, "reject", [question], apply="1", reason="spam", note="selling things", tell_asker="on")
    delivery = Delivery.objects.get(activity__activity_type="Reject")
    assert delivery.inbox == peer.base + "/inbox"
    attempt(delivery.pk)
    reject = next(post.json for post in peer.inbox_posts() if post.json["type"] == "Reject")
    assert reject["object"] == question.ap_id and reject["actor"] == open_ama.host.ap_id
    assert audit_of(question, "question.reject").get().reason == "selling things"


def test_hide_and_unhide(open_ama, mod_client):
    question = services.question_approve(question=ask(open_ama))
    act(mod_client, "hide", [question])
    question.refresh_from_db()
    assert question.state == Question.State.HIDDEN and not Question.objects.shown().filter(pk=question.pk)
    act(mod_client, "unhide", [question])
    question.refresh_from_db()
    assert question.state == Question.State.PUBLISHED
    assert audit_of(question, "question.hide").exists() and audit_of(question, "question.unhide").exists()


def test_hiding_a_pending_question_reports_the_error(open_ama, mod_client):
    question = ask(open_ama)
    response = act(mod_client, "hide", [question])
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert any("only a published question" in m for m in messages)


def test_star_now_answering_and_lock(open_ama, mod_client):
    first, second = (services.question_approve(question=ask(open_ama)) for _ in range(2))
    act(mod_client, "star", [first])
    act(mod_client, "now_answering", [first])
    act(mod_client, "now_answering", [second])
    act(mod_client, "lock", [second])
    first.refresh_from_db(), second.refresh_from_db()
    assert first.starred and not first.now_answering
    assert second.now_answering and second.locked
    act(mod_client, "unstar", [first])
    act(mod_client, "unlock", [second])
    first.refresh_from_db(), second.refresh_from_db()
    assert not first.starred and not second.locked
    for action in ("question.star", "question.now_answering", "question.lock", "question.unstar"):
        assert AuditEntry.objects.filter(action=action).exists(), action


def test_mark_answered_and_unanswered_with_a_note(open_ama, mod_client):
    question = services.question_approve(question=ask(open_ama))
    act(mod_client, "mark_answered", [question], apply="1", note="answered on the stream at 18:20")
    question.refresh_from_db()
    assert question.answered_at and question.answered_note == "answered on the stream at 18:20"
    assert audit_of(question, "question.mark_answered").get().reason == "answered on the stream at 18:20"
    act(mod_client, "mark_unanswered", [question], apply="1", note="oops")
    question.refresh_from_db()
    assert question.answered_at is None and question.answered_note == "oops"


def test_merge_unites_votes_by_actor(open_ama, mod_client):
    kept, duplicate = services.question_approve(question=ask(open_ama)), ask(open_ama, "same?")
    both, only_dup, only_kept = make_remote("v1"), make_remote("v2"), make_remote("v3")
    services.vote_add(question=kept, actor=both), services.vote_add(question=kept, actor=only_kept)
    services.vote_add(question=duplicate, actor=both), services.vote_add(question=duplicate, actor=only_dup)
    form = act(mod_client, "merge", [duplicate])
    assert form.status_code == 200 and b'name="into"' in form.content
    act(mod_client, "merge", [duplicate], apply="1", into=str(kept.pk))
    duplicate.refresh_from_db(), kept.refresh_from_db()
    assert duplicate.state == Question.State.MERGED and duplicate.merged_into == kept
    assert kept.vote_count == 3 and Vote.objects.filter(question=kept).count() == 3
    assert not Vote.objects.filter(question=duplicate).exists()
    assert audit_of(duplicate, "question.merge").get().after["votes_moved"] == 1


def test_merge_into_an_unknown_question_is_a_form_error(open_ama, mod_client):
    duplicate = ask(open_ama)
    response = act(mod_client, "merge", [duplicate], apply="1", into="999999")
    assert response.status_code == 200 and b"no question with that number" in response.content


def test_edit_for_display_keeps_the_original(open_ama, mod_client, moderator):
    question = services.question_approve(question=ask(open_ama, "my phone is 555-0100, what about data?"))
    url = f"{QUESTIONS}{question.pk}/change/"
    response = mod_client.post(url, {"display_html": "<p>What about data? [phone removed]</p>"})
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.display_html == "<p>What about data? [phone removed]</p>"
    assert "555-0100" in question.content_html and "555-0100" not in question.shown_html
    entry = audit_of(question, "question.edit_display").get()
    assert "555-0100" in entry.before["original_html"] and entry.public and entry.actor_user == moderator
    page = mod_client.get(f"/amas/{open_ama.slug}/moderation")
    assert b"edited a question for display" in page.content


def test_changelist_counts_per_ama_and_across(open_ama, mod_client, host):
    from test_moderation_support import make_ama
    other = make_ama(host, title="Other")
    services.question_approve(question=ask(open_ama))
    ask(open_ama), ask(open_ama), ask(other)
    rejected = ask(open_ama)
    services.question_reject(question=rejected)
    services.report_create(user=None, question=rejected, comment="x")
    across = mod_client.get(QUESTIONS).context["queue_counts"]
    assert (across["pending"], across["published"], across["rejected"], across["reported"]) == (3, 1, 1, 1)
    one = mod_client.get(QUESTIONS, {"ama__id__exact": other.pk})
    assert one.context["queue_counts"]["pending"] == 1 and b'data-count="pending"' in one.content


def test_held_by_rule_is_counted_and_filtered(open_ama, mod_client):
    from ama.models import KeywordFilter
    KeywordFilter.objects.create(pattern="crypto", action="hold")
    held, plain = ask(open_ama, "crypto tips?"), ask(open_ama, "weights?")
    response = mod_client.get(QUESTIONS)
    assert response.context["queue_counts"]["held"] == 1
    assert response.context["queue_counts"]["held_by"][0]["held_by"] == "keyword filter: crypto"
    filtered = mod_client.get(QUESTIONS, {"held_by": "__any"})
    assert list(filtered.context["cl"].result_list) == [held] and plain not in filtered.context["cl"].result_list


def test_filters_and_handle_search(open_ama, mod_client):
    bob = make_remote("bob", "bob.example")
    by_bob = services.question_approve(question=ask(open_ama, "from bob", author=bob))
    other = ask(open_ama, "licence?")
    for voter in range(5):
        services.vote_add(question=by_bob, actor=make_remote(f"voter{voter}"))

    def listed(**params):
        return set(mod_client.get(QUESTIONS, params).context["cl"].result_list)
    assert listed(q="@bob@bob.example") == {by_bob}
    assert listed(q="licence") == {other}
    assert listed(domain="bob.example") == {by_bob}
    assert listed(votes="5-19") == {by_bob} and listed(votes="0") == {other}
    assert listed(state__exact="pending") == {other}
