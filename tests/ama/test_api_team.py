"""The API manages an AMA's team (co-hosts local and remote, its moderators) and every per-AMA setting: the host
and admins may; co-hosts, moderators and strangers are refused and nothing changes."""

import pytest
from django.contrib.auth import get_user_model

from ama.models import AuditEntry, ModeratorAssignment, RemoteHostClaim
from tests.ama.test_api import body, client_for


@pytest.fixture
def team(open_ama, make_host):
    cohost = make_host("dana", "Dana")
    open_ama.cohosts.add(cohost)
    moderator = get_user_model().objects.create_user("mia", password="pw-correct-horse")
    ModeratorAssignment.objects.create(user=moderator, ama=open_ama)
    return {"host": open_ama.host.user, "cohost": cohost.user, "moderator": moderator,
            "stranger": make_host("sam", "Sam").user, "anonymous": None,
            "admin": get_user_model().objects.create_user("root", password="pw-correct-horse", is_superuser=True)}


REFUSED = {"cohost": 403, "moderator": 403, "stranger": 403, "anonymous": 401}


def url(ama, rest=""):
    return f"/api/amas/{ama.slug}/{rest}"


def cohost_handles(ama) -> list[str]:
    return sorted(a.handle for a in ama.cohosts.all())


@pytest.mark.parametrize("role", ["host", "admin"])
def test_host_adds_lists_and_removes_a_local_cohost(open_ama, team, make_host, role):
    erin = make_host("erin", "Erin")
    client = client_for(team[role])
    response = client.post(url(open_ama, "cohosts/"), {"account": "erin"}, format="json")
    assert response.status_code == 201 and body(response)["state"] == "cohost" and body(response)["local"]
    assert erin in open_ama.cohosts.all()
    listed = body(client.get(url(open_ama, "cohosts/")))
    assert {row["actor"]["handle"] for row in listed} == {erin.handle, team["cohost"].actors.get().handle}
    assert client.delete(url(open_ama, f"cohosts/{erin.handle}/")).status_code == 204
    assert erin not in open_ama.cohosts.all()
    assert AuditEntry.objects.filter(action="ama.cohost_remove", target=erin.ap_id).exists()


@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot_touch_the_cohosts(open_ama, team, make_host, role):
    make_host("erin", "Erin")
    before = cohost_handles(open_ama)
    client = client_for(team[role])
    assert client.get(url(open_ama, "cohosts/")).status_code == REFUSED[role]
    assert client.post(url(open_ama, "cohosts/"), {"account": "erin"}, format="json").status_code == REFUSED[role]
    assert client.delete(url(open_ama, "cohosts/dana/")).status_code == REFUSED[role]
    assert cohost_handles(open_ama) == before


def test_bad_cohosts_are_refused_with_reasons(open_ama, team):
    client = client_for(team["host"])
    for account, reason in (("nobody", "no host named nobody"), ("dana", "already co-hosts"),
                            ("alice", "already hosts")):
        response = client.post(url(open_ama, "cohosts/"), {"account": account}, format="json")
        assert response.status_code == 400 and reason in json_text(response), account
    assert client.post(url(open_ama, "cohosts/"), {}, format="json").status_code == 400
    assert client.delete(url(open_ama, "cohosts/nobody@else.example/")).status_code == 400


def json_text(response) -> str:
    return response.content.decode()


def test_a_remote_cohost_waits_for_its_code(open_ama, team, remote_actor):
    client = client_for(team["host"])
    response = client.post(url(open_ama, "cohosts/"), {"account": remote_actor.ap_id}, format="json")
    assert response.status_code == 201
    row = body(response)
    claim = RemoteHostClaim.objects.get(ama=open_ama)
    assert row["state"] == "waiting" and not row["local"] and row["code"] == claim.code
    assert not open_ama.cohosts.filter(ap_id=remote_actor.ap_id).exists()  # not before the code arrives
    assert any(r["code"] == claim.code for r in body(client.get(url(open_ama, "cohosts/"))))
    assert client.delete(url(open_ama, f"cohosts/{row['actor']['handle']}/")).status_code == 204
    assert not RemoteHostClaim.objects.exists()


def test_an_unknown_remote_account_is_refused(open_ama, team, peer):
    response = client_for(team["host"]).post(url(open_ama, "cohosts/"), {"account": "ghost@" + peer.domain},
                                             format="json")
    assert response.status_code == 400 and "could not find" in body(response)["detail"]
    assert not RemoteHostClaim.objects.exists()


@pytest.mark.parametrize("role", ["host", "admin"])
def test_host_manages_the_amas_moderators(open_ama, team, role):
    newcomer = get_user_model().objects.create_user("nina", password="pw-correct-horse")
    client = client_for(team[role])
    assert client.post(url(open_ama, "moderators/"), {"username": "nina"}, format="json").status_code == 201
    assert [row["username"] for row in body(client.get(url(open_ama, "moderators/")))] == ["mia", "nina"]
    assert ModeratorAssignment.objects.filter(user=newcomer, ama=open_ama).exists()
    assert client.delete(url(open_ama, "moderators/nina/")).status_code == 204
    assert not ModeratorAssignment.objects.filter(user=newcomer).exists()
    again = client.delete(url(open_ama, "moderators/nina/"))
    assert again.status_code == 400 and "does not moderate" in body(again)["detail"]


@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot_touch_the_moderators(open_ama, team, role):
    get_user_model().objects.create_user("nina", password="pw-correct-horse")
    client = client_for(team[role])
    assert client.get(url(open_ama, "moderators/")).status_code == REFUSED[role]
    assert client.post(url(open_ama, "moderators/"), {"username": "nina"}, format="json").status_code == \
        REFUSED[role]
    assert client.delete(url(open_ama, "moderators/mia/")).status_code == REFUSED[role]
    assert list(ModeratorAssignment.objects.values_list("user__username", flat=True)) == ["mia"]


def test_unknown_moderator_is_refused(open_ama, team):
    response = client_for(team["host"]).post(url(open_ama, "moderators/"), {"username": "ghost"}, format="json")
    assert response.status_code == 400 and "username" in body(response)


SETTINGS = {"review_edits": False, "show_late_questions": True, "hold_first_question": False,
            "archive_after_days": 7, "moderation_mode": "post", "rate_limit_per_hour": 20,
            "max_question_length": 500, "allow_downvotes": True}


def test_host_changes_every_setting(open_ama, team):
    response = client_for(team["host"]).patch(url(open_ama), SETTINGS, format="json")
    assert response.status_code == 200
    assert {name: body(response)[name] for name in SETTINGS} == SETTINGS
    open_ama.refresh_from_db()
    assert {name: getattr(open_ama, name) for name in SETTINGS} == SETTINGS


@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot_change_settings(open_ama, team, role):
    response = client_for(team[role]).patch(url(open_ama), SETTINGS, format="json")
    assert response.status_code in (REFUSED[role], 404)
    open_ama.refresh_from_db()
    assert open_ama.review_edits is True and open_ama.archive_after_days == 30


@pytest.mark.parametrize("field,value", [("archive_after_days", -1), ("archive_after_days", 99999),
                                         ("review_edits", "maybe"), ("rate_limit_per_hour", 0)])
def test_bad_settings_are_refused_by_field(open_ama, team, field, value):
    response = client_for(team["host"]).patch(url(open_ama), {field: value}, format="json")
    assert response.status_code == 400 and field in body(response)
