"""Actor and domain policy through the API: moderators (global ones for every AMA and for domains) may; hosts
and strangers are refused and nothing changes; bad input gets a reason."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ama.models import ActorPolicy, ModeratorAssignment, Question
from federation.models import DomainBlock
from tests.ama.test_api import ask, body, client_for, make_ama, make_remote


@pytest.fixture
def people(open_ama, make_host):
    ama_moderator = get_user_model().objects.create_user("mia", password="pw-correct-horse")
    ModeratorAssignment.objects.create(user=ama_moderator, ama=open_ama)
    everywhere = get_user_model().objects.create_user("gm", password="pw-correct-horse")
    ModeratorAssignment.objects.create(user=everywhere, ama=None)
    return {"host": open_ama.host.user, "ama_moderator": ama_moderator, "global": everywhere,
            "stranger": make_host("sam", "Sam").user, "anonymous": None}


@pytest.fixture
def troll(db):
    return make_remote("troll", "bad.example")


def policies() -> list:
    return list(ActorPolicy.objects.values_list("ama_id", "muted", "banned", "trust", "note"))


def test_ama_moderator_bans_in_their_ama_with_content_removed(open_ama, people, troll):
    question = ask(open_ama, author=troll)
    until = (timezone.now() + timedelta(days=3)).isoformat()
    response = client_for(people["ama_moderator"]).post("/api/actors/ban/", {
        "actor": "@troll@bad.example", "ama": open_ama.slug, "until": until, "remove_content": True,
        "reason": "spam"}, format="json")
    assert response.status_code == 200
    assert body(response)["banned"] is True and body(response)["ama"] == open_ama.slug
    question.refresh_from_db()
    assert question.state == Question.State.REJECTED
    assert client_for(people["ama_moderator"]).post("/api/actors/unban/", {
        "actor": troll.ap_id, "ama": open_ama.slug}, format="json").status_code == 200
    assert ActorPolicy.objects.get(actor=troll, ama=open_ama).banned is False


@pytest.mark.parametrize("path,data", [
    ("ban", {}), ("mute", {"reason": "noise"}), ("unmute", {}), ("unban", {}), ("trust", {"trust": "hold"})])
@pytest.mark.parametrize("role,code", [("host", 403), ("stranger", 403), ("anonymous", 401)])
def test_hosts_and_strangers_are_refused(open_ama, people, troll, path, data, role, code):
    response = client_for(people[role]).post(f"/api/actors/{path}/", {"actor": troll.ap_id, "ama": open_ama.slug,
                                                                      **data}, format="json")
    assert response.status_code == code
    assert policies() == []


def test_every_ama_and_notes_need_a_global_moderator(open_ama, people, troll):
    local = client_for(people["ama_moderator"])
    assert local.post("/api/actors/mute/", {"actor": troll.ap_id}, format="json").status_code == 403
    assert local.post("/api/actors/note/", {"actor": troll.ap_id, "note": "x"}, format="json").status_code == 403
    assert local.post("/api/actors/mute/", {"actor": troll.ap_id, "ama": make_ama(open_ama.host).slug},
                      format="json").status_code == 403  # an AMA they do not moderate
    assert policies() == []
    everywhere = client_for(people["global"])
    muted = everywhere.post("/api/actors/mute/", {"actor": troll.ap_id}, format="json")
    assert muted.status_code == 200 and body(muted)["muted"] and body(muted)["ama"] is None
    noted = everywhere.post("/api/actors/note/", {"actor": troll.ap_id, "note": " seen before "}, format="json")
    assert body(noted)["note"] == "seen before"
    trusted = everywhere.post("/api/actors/trust/", {"actor": troll.ap_id, "trust": "allow"}, format="json")
    assert body(trusted)["trust"] == "allow"
    assert everywhere.post("/api/actors/unmute/", {"actor": troll.ap_id}, format="json").status_code == 200


@pytest.mark.parametrize("data,field", [
    ({"actor": "@nobody@nowhere.example"}, "actor"), ({"actor": "https://nowhere.example/u/x"}, "actor"),
    ({"actor": "@troll@bad.example", "ama": "no-such-ama"}, "ama"), ({}, "actor"),
    ({"actor": "@troll@bad.example", "until": "yesterday"}, "until")])
def test_bad_actor_input_is_refused_by_field(people, troll, data, field):
    response = client_for(people["global"]).post("/api/actors/ban/", data, format="json")
    assert response.status_code == 400 and field in body(response)
    assert policies() == []


def test_a_ban_in_the_past_and_an_admin_are_refused_with_reasons(people, troll, make_host):
    client = client_for(people["global"])
    past = (timezone.now() - timedelta(days=1)).isoformat()
    response = client.post("/api/actors/ban/", {"actor": troll.ap_id, "until": past}, format="json")
    assert response.status_code == 400 and "future" in body(response)["detail"]
    admin = make_host("root", "Root")
    admin.user.is_superuser = True
    admin.user.save()
    response = client.post("/api/actors/ban/", {"actor": "root"}, format="json")
    assert response.status_code == 400 and "admin" in body(response)["detail"]
    assert policies() == []


def test_global_moderator_blocks_limits_lists_and_unblocks_domains(people):
    client = client_for(people["global"])
    blocked = client.post("/api/domains/block/", {"domain": "Bad.Example", "public_comment": "spam"},
                          format="json")
    assert blocked.status_code == 200 and body(blocked)["severity"] == "suspend"
    assert body(blocked)["domain"] == "bad.example"
    limited = client.post("/api/domains/limit/", {"domain": "meh.example"}, format="json")
    assert body(limited)["severity"] == "silence"
    assert [row["domain"] for row in body(client.get("/api/domains/"))] == ["bad.example", "meh.example"]
    assert client.post("/api/domains/unblock/", {"domain": "bad.example"}, format="json").status_code == 204
    assert list(DomainBlock.objects.values_list("domain", flat=True)) == ["meh.example"]
    again = client.post("/api/domains/unblock/", {"domain": "bad.example"}, format="json")
    assert again.status_code == 400 and "domain" in body(again)


@pytest.mark.parametrize("role,code", [("host", 403), ("ama_moderator", 403), ("stranger", 403),
                                       ("anonymous", 401)])
def test_domain_policy_is_refused_to_others(people, role, code):
    DomainBlock.objects.create(domain="meh.example", severity=DomainBlock.Severity.LIMIT)
    client = client_for(people[role])
    assert client.get("/api/domains/").status_code == code
    for path in ("block", "limit", "unblock"):
        assert client.post(f"/api/domains/{path}/", {"domain": "meh.example"}, format="json").status_code == code
    assert list(DomainBlock.objects.values_list("domain", "severity")) == [("meh.example", "silence")]


def test_a_bad_domain_gets_a_reason(people):
    response = client_for(people["global"]).post("/api/domains/block/", {"domain": "not a domain"}, format="json")
    assert response.status_code == 400 and "not a domain name" in body(response)["detail"]
    assert not DomainBlock.objects.exists()
