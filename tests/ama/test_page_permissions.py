"""Who gets which page and which browser POST, for every role (the admin and the API: test_moderation_roles.py).

One test per page or action, parametrized over a table of roles. An allowed role gets the page or the change;
a refused one gets the login page, a 403 or a 404, and the database is exactly as it was."""

from types import SimpleNamespace
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone
from test_moderation_support import ask, client_for, make_ama, staff

from ama import services
from ama.models import Ama, Answer, AuditEntry, Question, Report, Vote
from federation.models import Actor, Delivery

ROLES = ["anonymous", "stranger", "other_host", "staff", "other_moderator", "moderator", "global_moderator",
         "cohost", "host", "admin"]
SIGNED_IN = set(ROLES) - {"anonymous"}
QUESTION_MODERATORS = {"moderator", "global_moderator", "cohost", "host", "admin"}  # permissions.can_moderate_questions
HOSTS = {"cohost", "host"}  # permissions.can_answer
AMA_EDITORS = {"host", "admin"}  # permissions.can_edit_ama
WITH_ACTOR = {"stranger", "other_host", "cohost", "host"}  # local users with a fediverse identity
OK, LOGIN = "ok", "login"


def table(allowed: set[str], *, refused=403, anonymous=LOGIN) -> list[tuple[str, object]]:
    """(role, outcome) rows: OK for allowed roles, else `anonymous` for the visitor and `refused` for the rest."""
    return [(role, OK if role in allowed else anonymous if role == "anonymous" else refused) for role in ROLES]


@pytest.fixture
def world(open_ama, make_host):
    """alice's live, pre-moderated AMA with carol as co-host, zed's AMA elsewhere, and one user per role."""
    elsewhere = make_ama(make_host("zed", "Zed"), title="Zed's AMA")
    cohost = make_host("carol", "Carol")
    open_ama.cohosts.add(cohost)
    users = {"anonymous": None, "stranger": make_host("mallory", "Mallory").user, "other_host": elsewhere.host.user,
             "staff": staff("intern"), "other_moderator": staff("zedmod", scope=elsewhere),
             "moderator": staff("mod", scope=open_ama), "global_moderator": staff("globalmod", scope="all"),
             "cohost": cohost.user, "host": open_ama.host.user, "admin": staff("root", superuser=True)}
    pending = ask(open_ama, "A question waiting for review")
    shown = services.question_approve(question=ask(open_ama, "A question on the page"))
    return SimpleNamespace(ama=open_ama, elsewhere=elsewhere, users=users, pending=pending, shown=shown,
                           dashboard=f"/dashboard/{open_ama.slug}/")


def client_as(world, role) -> Client:
    user = world.users[role]
    return Client() if user is None else client_for(user)


def actor_of(world, role) -> Actor | None:
    return Actor.objects.filter(user=world.users[role], is_local=True).first() if world.users[role] else None


def snapshot() -> dict:
    """Everything a page or action could change."""
    return {
        "amas": list(Ama.objects.order_by("pk").values_list("pk", "state", "opens_at", "closes_at", "deleted_at")),
        "questions": list(Question.objects.order_by("pk").values_list(
            "pk", "state", "reject_reason", "published_at", "answered_at", "vote_count")),
        "answers": list(Answer.objects.order_by("pk").values_list("pk", "body", "updated_at", "deleted_at")),
        "votes": list(Vote.objects.order_by("pk").values_list("question_id", "actor_id", "value")),
        "reports": list(Report.objects.order_by("pk").values_list("pk", "question_id", "reporter_user_id")),
        "audit": list(AuditEntry.objects.order_by("pk").values_list("pk", "action")),
        "deliveries": Delivery.objects.count(),
    }


def assert_refused(response, outcome, before: dict) -> None:
    if outcome == LOGIN:
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/accounts/login/?next="), response["Location"]
    else:
        assert response.status_code == outcome, response.status_code
    assert snapshot() == before


def text(response) -> str:
    return response.content.decode()


def make_draft(world) -> Ama:
    now = timezone.now()
    draft = services.ama_create(host=world.ama.host, title="A secret draft", opens_at=now + timezone.timedelta(hours=1),
                                closes_at=now + timezone.timedelta(hours=2), publish=False)
    draft.cohosts.add(actor_of(world, "cohost"))
    return draft


# ---- public pages -----------------------------------------------------------------------------------

def public_paths(world) -> dict[str, tuple[str, str]]:
    """Every public page: its path and a text it must show."""
    answer = services.answer_publish(question=world.shown, author=world.ama.host, body="The answer on the page")
    world.shown.refresh_from_db()
    slug = world.ama.slug
    return {"home": ("/", world.ama.title), "ama": (f"/amas/{slug}", "A question on the page"),
            "question": (f"/amas/{slug}/questions/{world.shown.pk}", "The answer on the page"),
            "answer": (urlsplit(answer.ap_id).path, "The answer on the page"),
            "replies": (f"/amas/{slug}/replies", "A question on the page"),
            "context": (f"/amas/{slug}/context", "A question on the page"),
            "authorization": (urlsplit(world.shown.authorization_ap_id).path, world.ama.title),
            "moderation log": (f"/amas/{slug}/moderation", "Moderation log")}


@pytest.mark.parametrize("name", ["home", "ama", "question", "answer", "replies", "context", "authorization",
                                  "moderation log"])
@pytest.mark.parametrize("role", ROLES)
def test_public_page(world, role, name):
    path, shows = public_paths(world)[name]
    before = snapshot()
    response = client_as(world, role).get(path)
    assert response.status_code == 200 and shows in text(response)
    assert "A question waiting for review" not in text(response)
    assert snapshot() == before


@pytest.mark.parametrize("role", ROLES)
def test_ama_page_controls(world, role):
    html = text(client_as(world, role).get(f"/amas/{world.ama.slug}"))
    assert ("Vote</button>" in html) == (role != "anonymous")
    assert ("Report</a>" in html) == (role != "anonymous")
    assert ("Open the dashboard" in html) == (role in QUESTION_MODERATORS)  # everyone the dashboard lets in


@pytest.mark.parametrize("path", ["/amas/{slug}", "/amas/{slug}/replies", "/amas/{slug}/context"])
@pytest.mark.parametrize("role, outcome", table(HOSTS, refused=404, anonymous=404))
def test_draft_ama_pages(world, role, outcome, path):
    draft = make_draft(world)
    response = client_as(world, role).get(path.format(slug=draft.slug))
    if outcome == OK:
        assert response.status_code == 200 and "A secret draft" in text(response)
    else:
        assert response.status_code == 404 and "A secret draft" not in text(response)


@pytest.mark.parametrize("role, outcome", table(HOSTS, refused=404, anonymous=404))
def test_ask_box_of_a_draft(world, role, outcome):
    draft = make_draft(world)
    before = snapshot()
    response = client_as(world, role).post(f"/amas/{draft.slug}/ask", {"handle": "not a handle"})
    assert response.status_code == (400 if outcome == OK else 404)
    assert ("A secret draft" in text(response)) == (outcome == OK)
    assert snapshot() == before


# ---- votes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, outcome", table(WITH_ACTOR, refused="no identity"))
def test_vote(world, role, outcome):
    url = f"/amas/{world.ama.slug}/questions/{world.shown.pk}/vote"
    before = snapshot()
    response = client_as(world, role).post(url, {"value": "up"}, follow=outcome == "no identity")
    world.shown.refresh_from_db()
    if outcome == OK:
        assert response.status_code == 302 and response["Location"] == f"/amas/{world.ama.slug}/questions/{world.shown.pk}"
        assert world.shown.vote_count == 1
        assert Vote.objects.filter(question=world.shown, actor=actor_of(world, role)).exists()
    elif outcome == "no identity":
        assert response.status_code == 200 and "cannot vote" in text(response)
        assert snapshot() == before
    else:
        assert_refused(response, outcome, before)


@pytest.mark.parametrize("role, outcome", table(set(), refused=404))
def test_vote_on_a_pending_question(world, role, outcome):
    before = snapshot()
    response = client_as(world, role).post(f"/amas/{world.ama.slug}/questions/{world.pending.pk}/vote",
                                           {"value": "up"})
    assert_refused(response, outcome, before)


# ---- reports ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, outcome", table(SIGNED_IN))
def test_report_a_shown_question(world, role, outcome):
    check_report(world, world.shown, role, outcome)


@pytest.mark.parametrize("role, outcome", table(QUESTION_MODERATORS, refused=404))
def test_report_a_pending_question(world, role, outcome):
    check_report(world, world.pending, role, outcome)


def check_report(world, question, role, outcome):
    client, url = client_as(world, role), f"/questions/{question.pk}/report"
    before = snapshot()
    if outcome != OK:
        assert_refused(client.get(url), outcome, before)
        assert_refused(client.post(url, {"comment": "spam"}), outcome, before)
        return
    form = client.get(url)
    assert form.status_code == 200 and "Send report" in text(form)
    response = client.post(url, {"comment": "spam"})
    assert response.status_code == 302 and response["Location"] == f"/amas/{world.ama.slug}"
    report = Report.objects.get(question=question)
    assert (report.reporter_user, report.comment) == (world.users[role], "spam")


# ---- the dashboard: the list of AMAs and the form creating one ---------------------------------------

@pytest.mark.parametrize("role, outcome", table(SIGNED_IN))
def test_dashboard_index(world, role, outcome):
    before = snapshot()
    response = client_as(world, role).get("/dashboard/")
    if outcome != OK:
        return assert_refused(response, outcome, before)
    assert response.status_code == 200
    assert (world.ama.title in text(response)) == (role in QUESTION_MODERATORS)  # every dashboard they may open


@pytest.mark.parametrize("role, outcome", table(WITH_ACTOR))
def test_create_an_ama(world, role, outcome):
    before = snapshot()
    response = client_as(world, role).post("/dashboard/", {
        "title": "A brand new AMA", "language": "en", "opens_at": "2030-01-01T10:00", "closes_at": "2030-01-01T12:00",
        "moderation_mode": "pre"})
    if outcome != OK:
        return assert_refused(response, outcome, before)
    created = Ama.objects.get(title="A brand new AMA")
    assert response.status_code == 302 and response["Location"] == f"/dashboard/{created.slug}/"
    assert created.host == actor_of(world, role) and created.state == Ama.State.SCHEDULED


# ---- the dashboard of one AMA -----------------------------------------------------------------------

@pytest.mark.parametrize("role, outcome", table(QUESTION_MODERATORS))
def test_ama_dashboard(world, role, outcome):
    before = snapshot()
    response = client_as(world, role).get(world.dashboard)
    if outcome != OK:
        assert "A question waiting for review" not in text(response)
        return assert_refused(response, outcome, before)
    html = text(response)
    assert response.status_code == 200 and "A question waiting for review" in html and "Approve</button>" in html
    assert ("Publish the answer" in html) == (role in HOSTS)
    assert ("Close now" in html) == (role in AMA_EDITORS)


@pytest.mark.parametrize("role, outcome", table(QUESTION_MODERATORS))
def test_approve(world, role, outcome):
    before = snapshot()
    response = client_as(world, role).post(f"{world.dashboard}questions/{world.pending.pk}/approve")
    if outcome != OK:
        return assert_refused(response, outcome, before)
    world.pending.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"{world.dashboard}#q-{world.pending.pk}"
    assert world.pending.state == Question.State.PUBLISHED
    assert AuditEntry.objects.filter(action="question.approve", question=world.pending,
                                     actor_user=world.users[role]).exists()


@pytest.mark.parametrize("role, outcome", table(QUESTION_MODERATORS))
def test_star_and_unstar(world, role, outcome):
    client, before = client_as(world, role), snapshot()
    response = client.post(f"{world.dashboard}questions/{world.shown.pk}/star")
    world.shown.refresh_from_db()
    if outcome != OK:
        assert not world.shown.starred
        return assert_refused(response, outcome, before)
    assert response.status_code == 302 and world.shown.starred
    assert "Remove the star" in text(client.get(world.dashboard))
    client.post(f"{world.dashboard}questions/{world.shown.pk}/unstar")
    world.shown.refresh_from_db()
    assert not world.shown.starred
    assert AuditEntry.objects.filter(action="question.star", question=world.shown,
                                     actor_user=world.users[role]).exists()


@pytest.mark.parametrize("role, outcome", table(QUESTION_MODERATORS))
def test_answering_now_is_one_question_and_shows_on_the_page(world, role, outcome):
    other = services.question_approve(question=ask(world.ama, "Another question on the page"))
    services.question_now_answering(question=other)
    client, before = client_as(world, role), snapshot()
    response = client.post(f"{world.dashboard}questions/{world.shown.pk}/now")
    world.shown.refresh_from_db()
    other.refresh_from_db()
    if outcome != OK:
        assert (world.shown.now_answering, other.now_answering) == (False, True)
        return assert_refused(response, outcome, before)
    assert response.status_code == 302 and (world.shown.now_answering, other.now_answering) == (True, False)
    assert "being answered now" in text(client.get(f"/amas/{world.ama.slug}/questions/{world.shown.pk}"))
    client.post(f"{world.dashboard}questions/{world.shown.pk}/not-now")
    world.shown.refresh_from_db()
    assert not world.shown.now_answering


def test_a_pending_question_cannot_be_shown_as_answered_now(world):
    client = client_as(world, "host")
    response = client.post(f"{world.dashboard}questions/{world.pending.pk}/now", follow=True)
    world.pending.refresh_from_db()
    assert not world.pending.now_answering and "only a published question" in text(response)


@pytest.mark.parametrize("role, outcome", table(QUESTION_MODERATORS))
def test_reject(world, role, outcome):
    before = snapshot()
    response = client_as(world, role).post(f"{world.dashboard}questions/{world.pending.pk}/reject",
                                           {"reason": "spam"})
    if outcome != OK:
        return assert_refused(response, outcome, before)
    world.pending.refresh_from_db()
    assert response.status_code == 302 and response["Location"] == f"{world.dashboard}#q-{world.pending.pk}"
    assert (world.pending.state, world.pending.reject_reason) == (Question.State.REJECTED, "spam")


@pytest.mark.parametrize("role, outcome", table(AMA_EDITORS))
def test_open_now(world, role, outcome):
    now = timezone.now()
    services.ama_update(ama=world.ama, opens_at=now + timezone.timedelta(hours=1),
                        closes_at=now + timezone.timedelta(hours=3))
    assert world.ama.state == Ama.State.SCHEDULED
    before = snapshot()
    response = client_as(world, role).post(f"{world.dashboard}open")
    world.ama.refresh_from_db()
    if outcome != OK:
        assert world.ama.state == Ama.State.SCHEDULED
        return assert_refused(response, outcome, before)
    assert response.status_code == 302 and world.ama.state == Ama.State.LIVE


@pytest.mark.parametrize("role, outcome", table(AMA_EDITORS))
def test_close_now(world, role, outcome):
    before = snapshot()
    response = client_as(world, role).post(f"{world.dashboard}close", {"confirm": "yes"})
    world.ama.refresh_from_db()
    if outcome != OK:
        assert world.ama.state == Ama.State.LIVE
        return assert_refused(response, outcome, before)
    assert response.status_code == 302 and world.ama.state == Ama.State.ENDED


# ---- answers ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("role, outcome", table(HOSTS))
def test_answer_form(world, role, outcome):
    url = f"{world.dashboard}questions/{world.shown.pk}/answer/"
    client, before = client_as(world, role), snapshot()
    if outcome != OK:
        assert_refused(client.get(url), outcome, before)
        assert_refused(client.post(url, {"body": "*draft*", "preview": "1"}), outcome, before)
        return
    form = client.get(url)
    assert form.status_code == 200 and "Answer a question" in text(form) and "A question on the page" in text(form)
    preview = client.post(url, {"body": "*draft*", "preview": "1"})
    assert preview.status_code == 200 and "<em>draft</em>" in text(preview)
    assert snapshot() == before


@pytest.mark.parametrize("role, outcome", table(HOSTS))
def test_publish_an_answer(world, role, outcome):
    before = snapshot()
    response = client_as(world, role).post(f"{world.dashboard}questions/{world.shown.pk}/answer/",
                                           {"body": "My answer", "publish": "1"})
    if outcome != OK:
        return assert_refused(response, outcome, before)
    assert response.status_code == 302 and response["Location"] == f"{world.dashboard}#q-{world.shown.pk}"
    answer = Answer.objects.get(question=world.shown)
    assert (answer.author, answer.body) == (actor_of(world, role), "My answer")


ANSWER_EDITORS = {"host": {"host", "admin"}, "cohost": {"cohost", "host", "admin"}}  # permissions.can_edit_answer
ANSWER_EDIT_ROWS = [(author, role, outcome) for author, allowed in ANSWER_EDITORS.items()
                    for role, outcome in table(allowed)]


def answer_by(world, author: str) -> Answer:
    return services.answer_publish(question=world.shown, author=actor_of(world, author), body="First version")


@pytest.mark.parametrize("author, role, outcome", [row for row in ANSWER_EDIT_ROWS if row[1] in QUESTION_MODERATORS])
def test_dashboard_shows_edit_and_delete_only_to_who_may_use_them(world, author, role, outcome):
    answer = answer_by(world, author)
    html = text(client_as(world, role).get(world.dashboard))
    assert "First version" in html
    edit_url, delete_url = f"/dashboard/{world.ama.slug}/answers/{answer.pk}/edit/", f"answers/{answer.pk}/delete"
    assert (edit_url in html) == (outcome == OK) and (delete_url in html) == (outcome == OK)


@pytest.mark.parametrize("author, role, outcome", ANSWER_EDIT_ROWS)
def test_edit_an_answer(world, author, role, outcome):
    answer = answer_by(world, author)
    url, client = f"{world.dashboard}answers/{answer.pk}/edit/", client_as(world, role)
    before = snapshot()
    if outcome != OK:
        assert_refused(client.get(url), outcome, before)
        assert_refused(client.post(url, {"body": "Changed"}), outcome, before)
        return
    form = client.get(url)
    assert form.status_code == 200 and "Edit your answer" in text(form) and "First version" in text(form)
    response = client.post(url, {"body": "Changed"})
    answer.refresh_from_db()
    assert response.status_code == 302 and answer.body == "Changed" and answer.updated_at is not None


@pytest.mark.parametrize("author, role, outcome", ANSWER_EDIT_ROWS)
def test_delete_an_answer(world, author, role, outcome):
    answer = answer_by(world, author)
    before = snapshot()
    response = client_as(world, role).post(f"{world.dashboard}answers/{answer.pk}/delete")
    answer.refresh_from_db()
    if outcome != OK:
        assert answer.deleted_at is None
        return assert_refused(response, outcome, before)
    assert response.status_code == 302 and answer.deleted_at is not None


# ---- another AMA's objects through this AMA's dashboard ----------------------------------------------

@pytest.mark.parametrize("action", ["approve", "reject", "answer", "edit", "delete"])
@pytest.mark.parametrize("role", sorted(QUESTION_MODERATORS - {"global_moderator", "admin"}))
def test_objects_of_another_ama_are_404_through_this_dashboard(world, role, action):
    foreign = ask(world.elsewhere, "Zed's pending question")
    shown = services.question_approve(question=ask(world.elsewhere, "Zed's shown question"))
    answer = services.answer_publish(question=shown, author=world.elsewhere.host, body="Zed's answer")
    url = {"approve": f"questions/{foreign.pk}/approve", "reject": f"questions/{foreign.pk}/reject",
           "answer": f"questions/{shown.pk}/answer/", "edit": f"answers/{answer.pk}/edit/",
           "delete": f"answers/{answer.pk}/delete"}[action]
    before = snapshot()
    response = client_as(world, role).post(world.dashboard + url, {"body": "Hijacked", "reason": "spam"})
    assert_refused(response, 403 if (role, action) == ("moderator", "answer") else 404, before)


# ---- a forged POST from another site, in the host's (or the admin's) own browser -------------------------

@pytest.mark.parametrize("action", ["approve", "reject", "answer", "edit", "delete", "close", "create", "vote",
                                    "report"])
@pytest.mark.parametrize("role", ["host", "admin"])
def test_post_without_csrf_token_changes_nothing(world, role, action):
    answer = answer_by(world, "host")
    slug, dashboard = world.ama.slug, world.dashboard
    url = {"approve": f"{dashboard}questions/{world.pending.pk}/approve",
           "reject": f"{dashboard}questions/{world.pending.pk}/reject", "close": f"{dashboard}close",
           "answer": f"{dashboard}questions/{world.shown.pk}/answer/", "edit": f"{dashboard}answers/{answer.pk}/edit/",
           "delete": f"{dashboard}answers/{answer.pk}/delete", "create": "/dashboard/",
           "vote": f"/amas/{slug}/questions/{world.shown.pk}/vote", "report": f"/questions/{world.shown.pk}/report"}
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.users[role])
    before = snapshot()
    response = client.post(url[action], {"body": "Forged", "reason": "spam", "value": "up", "comment": "x",
                                         "title": "Forged AMA", "language": "en", "moderation_mode": "pre",
                                         "opens_at": "2030-01-01T10:00", "closes_at": "2030-01-01T12:00"})
    assert response.status_code == 403 and "CSRF" in text(response)
    assert snapshot() == before


def test_the_dashboards_question_buttons_speak_french(world):
    html = text(client_as(world, "host").get(world.dashboard, HTTP_ACCEPT_LANGUAGE="fr"))
    assert "Mettre en avant" in html and "Je réponds maintenant" in html


def test_a_removed_cohost_can_no_longer_edit_or_delete_their_answers(world):
    answer = answer_by(world, "cohost")
    world.ama.cohosts.remove(actor_of(world, "cohost"))  # as the admin site's co-host field does
    client, before = client_as(world, "cohost"), snapshot()
    assert_refused(client.post(f"{world.dashboard}answers/{answer.pk}/edit/", {"body": "Changed"}), 403, before)
    assert_refused(client.post(f"{world.dashboard}answers/{answer.pk}/delete"), 403, before)
    answer.refresh_from_db()
    assert (answer.body, answer.deleted_at) == ("First version", None)
    host = client_as(world, "host")  # the host still can
    assert host.post(f"{world.dashboard}answers/{answer.pk}/edit/", {"body": "Kept"}).status_code == 302
    answer.refresh_from_db()
    assert answer.body == "Kept"
