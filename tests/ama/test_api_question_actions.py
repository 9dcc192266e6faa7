"""The API's question actions beyond approve/reject: star and "now answering" (hosts, co-hosts, moderators); lock,
merge, mark answered, edit for display (moderators, as in the admin). Refused roles change nothing."""

import pytest
from django.contrib.auth import get_user_model

from ama import services
from ama.models import AuditEntry, ModeratorAssignment, Question
from federation.models import Actor
from tests.ama.test_api import ask, body, client_for, make_ama, make_remote, questions_url, shown


@pytest.fixture
def roles(open_ama, make_host):
    """Every role on alice's AMA: host, co-host, this AMA's moderator, a host of nothing here, anonymous."""
    cohost = make_host("dana", "Dana")
    open_ama.cohosts.add(cohost)
    moderator = get_user_model().objects.create_user("mia", password="pw-correct-horse")
    ModeratorAssignment.objects.create(user=moderator, ama=open_ama)
    return {"host": open_ama.host.user, "cohost": cohost.user, "moderator": moderator,
            "stranger": make_host("sam", "Sam").user, "anonymous": None}


def post(ama, question, action, user, data=None, method="post"):
    return getattr(client_for(user), method)(questions_url(ama, f"{question.pk}/{action}/"), data or {},
                                             format="json")


def snapshot(question) -> tuple:
    question.refresh_from_db()
    return (question.starred, question.now_answering, question.locked, question.state, question.answered_at,
            question.display_html, question.merged_into_id, question.audit_entries.count())


EVERY_HOST = {"host": 200, "cohost": 200, "moderator": 200, "stranger": 403, "anonymous": 401}
MODERATORS = {"host": 403, "cohost": 403, "moderator": 200, "stranger": 403, "anonymous": 401}


@pytest.mark.parametrize("role", EVERY_HOST)
def test_star_and_unstar(open_ama, roles, role):
    question = shown(open_ama)
    before = snapshot(question)
    response = post(open_ama, question, "star", roles[role])
    assert response.status_code == EVERY_HOST[role]
    if response.status_code != 200:
        assert snapshot(question) == before
        return
    assert body(response)["starred"] is True
    assert body(post(open_ama, question, "unstar", roles[role]))["starred"] is False


@pytest.mark.parametrize("role", EVERY_HOST)
def test_now_answering_on_and_off(open_ama, roles, role):
    first, second = shown(open_ama), shown(open_ama, "Second?")
    before = snapshot(first)
    response = post(open_ama, first, "now-answering", roles[role])
    assert response.status_code == EVERY_HOST[role]
    if response.status_code != 200:
        assert snapshot(first) == before
        return
    assert body(response)["now_answering"] is True
    assert body(post(open_ama, second, "now-answering", roles[role]))["now_answering"] is True
    first.refresh_from_db()
    assert not first.now_answering  # only one at a time
    assert body(post(open_ama, second, "now-answering", roles[role], method="delete"))["now_answering"] is False


def test_now_answering_a_pending_question_is_refused_with_a_reason(open_ama, roles):
    response = post(open_ama, ask(open_ama), "now-answering", roles["host"])
    assert response.status_code == 400 and "published" in body(response)["detail"]


@pytest.mark.parametrize("role", MODERATORS)
def test_lock_and_unlock(open_ama, roles, role):
    question = shown(open_ama)
    before = snapshot(question)
    response = post(open_ama, question, "lock", roles[role], {"reason": "heated"})
    assert response.status_code == MODERATORS[role]
    if response.status_code != 200:
        assert snapshot(question) == before
        return
    assert body(response)["moderation"]["locked"] is True
    assert AuditEntry.objects.filter(action="question.lock", reason="heated").exists()
    assert body(post(open_ama, question, "unlock", roles[role]))["moderation"]["locked"] is False


@pytest.mark.parametrize("role", MODERATORS)
def test_merge(open_ama, roles, role):
    kept, duplicate = shown(open_ama, "Which licence?"), shown(open_ama, "What licence?")
    for voter in ("v1", "v2"):
        services.vote_add(question=duplicate, actor=make_remote(voter))
    before = snapshot(duplicate)
    response = post(open_ama, duplicate, "merge", roles[role], {"into": kept.pk})
    assert response.status_code == MODERATORS[role]
    if response.status_code != 200:
        assert snapshot(duplicate) == before
        return
    assert body(response)["moderation"]["state"] == "merged"
    kept.refresh_from_db()
    assert kept.vote_count == 2


def test_merge_refuses_bad_targets_with_reasons(open_ama, roles, host):
    question, elsewhere = shown(open_ama), shown(make_ama(host, title="Other"))
    moderator = roles["moderator"]
    for into, field in ((999999, "into"), (elsewhere.pk, "into"), ("x", "into")):
        response = post(open_ama, question, "merge", moderator, {"into": into})
        assert response.status_code == 400 and field in body(response)
    response = post(open_ama, question, "merge", moderator, {"into": question.pk})
    assert response.status_code == 400 and "another question" in body(response)["detail"]
    question.refresh_from_db()
    assert question.state == Question.State.PUBLISHED


@pytest.mark.parametrize("role", MODERATORS)
def test_mark_answered_and_unanswered(open_ama, roles, role):
    question = shown(open_ama)
    before = snapshot(question)
    response = post(open_ama, question, "mark-answered", roles[role], {"note": "on the stream"})
    assert response.status_code == MODERATORS[role]
    if response.status_code != 200:
        assert snapshot(question) == before
        return
    assert body(response)["answered"] is True
    assert body(post(open_ama, question, "mark-unanswered", roles[role]))["answered"] is False


def test_mark_unanswered_with_an_answer_is_refused(open_ama, roles, host):
    question = shown(open_ama)
    services.answer_publish(question=question, author=host, body="Apache-2.0.")
    response = post(open_ama, question, "mark-unanswered", roles["moderator"])
    assert response.status_code == 400 and "answer" in body(response)["detail"]


@pytest.mark.parametrize("role", MODERATORS)
def test_edit_for_display(open_ama, roles, role):
    question = shown(open_ama, "Which licence, you fools?")
    before = snapshot(question)
    response = post(open_ama, question, "display", roles[role], {"display_html": "<p>Which licence?</p>"})
    assert response.status_code == MODERATORS[role]
    if response.status_code != 200:
        assert snapshot(question) == before
        return
    assert "Which licence?" in body(response)["content_html"] and "fools" not in body(response)["content_html"]
    entry = AuditEntry.objects.get(action="question.edit_display")
    assert "fools" in entry.before["original_html"]


def test_edit_for_display_needs_the_field(open_ama, roles):
    response = post(open_ama, shown(open_ama), "display", roles["moderator"], {})
    assert response.status_code == 400 and "display_html" in body(response)


def test_global_moderator_and_admin_act_everywhere(open_ama):
    admin = get_user_model().objects.create_user("root", password="pw-correct-horse", is_superuser=True)
    everywhere = get_user_model().objects.create_user("gm", password="pw-correct-horse")
    ModeratorAssignment.objects.create(user=everywhere, ama=None)
    question = shown(open_ama)
    assert post(open_ama, question, "lock", admin).status_code == 200
    assert post(open_ama, question, "unlock", everywhere).status_code == 200
    assert Actor.objects.filter(user=admin).count() == 0  # no local account needed to moderate
