"""Roles in the admin, the pages and the API: admin, moderator (all AMAs or chosen ones), host and co-host."""

import test_moderation_support as support
from test_moderation_support import QUESTIONS, act, ask, client_for, make_ama, staff

from ama import services
from ama.models import ActorPolicy, Question

host_user = support.host_user  # shared fixtures


SECTIONS = ["/admin/ama/askeractor/", "/admin/federation/domainblock/", "/admin/ama/keywordfilter/",
            "/admin/ama/report/", "/admin/ama/auditentry/", "/admin/ama/moderatorassignment/"]


def test_admin_sees_everything(open_ama, db):
    admin = staff("root", superuser=True)
    client = client_for(admin)
    for url in [QUESTIONS, *SECTIONS]:
        assert client.get(url).status_code == 200, url


def test_non_staff_users_are_sent_to_the_login(open_ama):
    user = open_ama.host.user  # hosts the AMA but is not staff
    assert client_for(user).get(QUESTIONS).status_code == 302


def test_host_approves_rejects_stars_in_their_own_ama_only(open_ama, host_user, make_host):
    theirs = make_ama(make_host("zed", "Zed"), title="Zed's AMA")
    mine, foreign = ask(open_ama), ask(theirs)
    client = client_for(host_user)
    listed = set(client.get(QUESTIONS).context["cl"].result_list)
    assert mine in listed and foreign not in listed
    act(client, "approve", [mine, foreign])
    act(client, "star", [mine])
    act(client, "now_answering", [mine])
    mine.refresh_from_db(), foreign.refresh_from_db()
    assert mine.state == Question.State.PUBLISHED and mine.starred and mine.now_answering
    assert foreign.state == Question.State.PENDING
    assert client.get(f"{QUESTIONS}{foreign.pk}/change/").status_code == 302  # not theirs: back to the index
    other = ask(open_ama)
    act(client, "reject", [other], apply="1", reason="duplicate")
    other.refresh_from_db()
    assert other.state == Question.State.REJECTED


def test_host_has_no_bans_no_domain_policy_no_moderator_only_actions(open_ama, host_user):
    client = client_for(host_user)
    for url in SECTIONS:
        assert client.get(url).status_code == 403, url
    question = services.question_approve(question=ask(open_ama))
    actions = [name for name, _ in client.get(QUESTIONS).context["action_form"].fields["action"].choices]
    assert "approve" in actions and "lock" not in actions and "merge" not in actions
    act(client, "lock", [question])
    question.refresh_from_db()
    assert not question.locked
    response = client.post(f"{QUESTIONS}{question.pk}/change/", {"display_html": "<p>changed</p>"})
    question.refresh_from_db()
    assert question.display_html == "" and response.status_code in (200, 302)


def test_cohost_acts_like_the_host(open_ama, make_host):
    cohost = make_host("carol", "Carol")
    open_ama.cohosts.add(cohost)
    cohost.user.is_staff = True
    cohost.user.save()
    question = ask(open_ama)
    act(client_for(cohost.user), "approve", [question])
    question.refresh_from_db()
    assert question.state == Question.State.PUBLISHED


def test_scoped_moderator_sees_and_acts_in_their_amas_only(open_ama, host):
    other = make_ama(host, title="Other")
    scoped = staff("scoped", scope=other)
    mine, theirs = ask(other), ask(open_ama)
    client = client_for(scoped)
    listed = set(client.get(QUESTIONS).context["cl"].result_list)
    assert listed == {mine}
    act(client, "lock", [mine])
    mine.refresh_from_db()
    assert mine.locked
    assert client.get("/admin/federation/domainblock/").status_code == 403  # domain policy: global moderators
    assert client.get("/admin/ama/askeractor/").status_code == 200
    act(client, "approve", [theirs])
    theirs.refresh_from_db()
    assert theirs.state == Question.State.PENDING


def test_global_moderator_cannot_manage_moderators(open_ama):
    client = client_for(staff("mod", scope="all"))
    assert client.get("/admin/ama/moderatorassignment/add/").status_code == 403


def test_staff_without_a_role_sees_no_moderation(open_ama):
    client = client_for(staff("intern"))
    for url in [QUESTIONS, *SECTIONS]:
        assert client.get(url).status_code == 403, url


def test_pages_report_needs_sign_in_and_log_is_public(open_ama):
    from django.test import Client
    question = services.question_approve(question=ask(open_ama))
    anonymous = Client()
    assert anonymous.get(f"/questions/{question.pk}/report").status_code == 302
    assert anonymous.get(f"/amas/{open_ama.slug}/moderation").status_code == 200
    assert anonymous.get("/amas/no-such-ama/moderation").status_code == 404


def test_api_roles_match_the_admin(open_ama, host_user, make_host):
    from rest_framework.authtoken.models import Token
    from rest_framework.test import APIClient

    def api(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
        return client
    url = f"/api/amas/{open_ama.slug}/questions/{{}}/approve/"
    scoped, stranger = staff("scoped", scope=open_ama), make_host("zed", "Zed").user
    for user, allowed in [(host_user, True), (scoped, True), (stranger, False)]:
        question = ask(open_ama)
        status = api(user).post(url.format(question.pk)).status_code
        question.refresh_from_db()
        assert (question.state == Question.State.PUBLISHED) == allowed, (user, status)
        assert (status < 300) == allowed
    ActorPolicy.objects.all().delete()
