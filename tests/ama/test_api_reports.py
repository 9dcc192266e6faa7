"""Reports and the audit log through the API, for moderators as in the admin; hosts and strangers are refused."""

import pytest
from django.contrib.auth import get_user_model

from ama import services
from ama.models import ModeratorAssignment, Report
from federation.models import Delivery
from tests.ama.test_api import ask, body, client_for, make_ama, make_remote, shown


@pytest.fixture
def people(open_ama, make_host):
    ama_moderator = get_user_model().objects.create_user("mia", password="pw-correct-horse")
    ModeratorAssignment.objects.create(user=ama_moderator, ama=open_ama)
    everywhere = get_user_model().objects.create_user("gm", password="pw-correct-horse")
    ModeratorAssignment.objects.create(user=everywhere, ama=None)
    return {"host": open_ama.host.user, "ama_moderator": ama_moderator, "global": everywhere,
            "stranger": make_host("sam", "Sam").user, "anonymous": None}


@pytest.fixture
def reports(open_ama, host):
    here = services.report_create(user=None, question=ask(open_ama), comment="spam here")
    elsewhere = services.report_create(user=None, question=ask(make_ama(host, title="Other")), comment="elsewhere")
    about_actor = services.report_create(user=None, target_actor=make_remote("loud", "loud.example"), comment="rude")
    return {"here": here, "elsewhere": elsewhere, "actor": about_actor}


def ids(response) -> list[int]:
    return [row["id"] for row in body(response)["results"]]


def test_moderators_see_the_reports_of_their_scope(open_ama, people, reports):
    every = client_for(people["global"]).get("/api/reports/")
    assert sorted(ids(every)) == sorted(r.pk for r in reports.values())
    mine = client_for(people["ama_moderator"]).get("/api/reports/")
    assert ids(mine) == [reports["here"].pk]
    assert body(mine)["results"][0]["comment"] == "spam here"
    assert client_for(people["ama_moderator"]).get(f"/api/reports/{reports['elsewhere'].pk}/").status_code == 404


def test_report_filters(open_ama, people, reports):
    client = client_for(people["global"])
    assert ids(client.get(f"/api/reports/?ama={open_ama.slug}")) == [reports["here"].pk]
    services.report_resolve(report=reports["actor"], note="done")
    assert ids(client.get("/api/reports/?state=resolved")) == [reports["actor"].pk]
    response = client.get("/api/reports/?state=burning")
    assert response.status_code == 400 and "state" in body(response)


def test_assign_resolve_and_forward(open_ama, people, reports):
    client = client_for(people["ama_moderator"])
    report = reports["here"]
    assigned = client.post(f"/api/reports/{report.pk}/assign/", {}, format="json")
    assert assigned.status_code == 200 and body(assigned)["assigned_to"] == "mia"
    other = client.post(f"/api/reports/{report.pk}/assign/", {"username": "gm"}, format="json")
    assert body(other)["assigned_to"] == "gm"
    forwarded = client.post(f"/api/reports/{report.pk}/forward/", {"comment": "spam from your server"},
                            format="json")
    assert forwarded.status_code == 200 and body(forwarded)["forwarded_at"]
    assert Delivery.objects.filter(activity__activity_type="Flag").exists()
    resolved = client.post(f"/api/reports/{report.pk}/resolve/", {"note": "rejected"}, format="json")
    assert body(resolved)["state"] == "resolved" and body(resolved)["resolution_note"] == "rejected"
    again = client.post(f"/api/reports/{report.pk}/resolve/", {}, format="json")
    assert again.status_code == 400 and "already resolved" in body(again)["detail"]


def test_bad_report_actions_get_reasons(people, reports, host):
    client = client_for(people["global"])
    response = client.post(f"/api/reports/{reports['here'].pk}/assign/", {"username": "ghost"}, format="json")
    assert response.status_code == 400 and "username" in body(response)
    local = services.report_create(user=None, target_actor=host, comment="local")
    response = client.post(f"/api/reports/{local.pk}/forward/", {}, format="json")
    assert response.status_code == 400 and "another server" in body(response)["detail"]


@pytest.mark.parametrize("role,code", [("host", 403), ("stranger", 403), ("anonymous", 401)])
def test_others_cannot_read_or_act_on_reports(people, reports, role, code):
    client, report = client_for(people[role]), reports["here"]
    assert client.get("/api/reports/").status_code == code
    assert client.get(f"/api/reports/{report.pk}/").status_code == code
    for action in ("assign", "resolve", "forward"):
        assert client.post(f"/api/reports/{report.pk}/{action}/", {}, format="json").status_code == code
    report.refresh_from_db()
    assert (report.state, report.assigned_to, report.forwarded_at) == (Report.State.OPEN, None, None)


def test_audit_log_read_paginated_and_filtered(open_ama, people, host):
    question = shown(open_ama)
    services.question_star(question=question)
    services.question_hide(question=question, note="off-topic")
    other = shown(make_ama(host, title="Other"))
    client = client_for(people["global"])
    everything = body(client.get("/api/audit/?limit=2"))
    assert everything["count"] > 4 and len(everything["results"]) == 2 and everything["next"]
    hides = body(client.get(f"/api/audit/?action=question.hide&ama={open_ama.slug}"))["results"]
    assert [(e["action"], e["question"], e["reason"]) for e in hides] == [("question.hide", question.pk,
                                                                           "off-topic")]
    assert all(not e["public"] for e in body(client.get("/api/audit/?public=false"))["results"])
    mine = body(client_for(people["ama_moderator"]).get("/api/audit/?limit=200"))["results"]
    assert mine and {e["ama"] for e in mine} == {open_ama.slug}
    assert all(e["question"] != other.pk for e in mine)
    for value in ("abc", str(2**63), "9" * 30):  # a number past what the database stores is bad input too
        bad = client.get(f"/api/audit/?question={value}")
        assert bad.status_code == 400 and "question" in body(bad), value


@pytest.mark.parametrize("role,code", [("host", 403), ("stranger", 403), ("anonymous", 401)])
def test_others_cannot_read_the_audit_log(open_ama, people, role, code):
    services.question_star(question=shown(open_ama))
    assert client_for(people[role]).get("/api/audit/").status_code == code
