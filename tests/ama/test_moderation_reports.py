"""Reports: local users report, incoming Flags become reports, moderators assign, resolve, act and forward a
Flag signed by the instance actor."""

import uuid

import test_moderation_support as support
from django.contrib.auth import get_user_model
from django.test import Client
from test_moderation_support import act, ask, client_for

from ama import services
from ama.models import AuditEntry, Question, Report
from federation.actors import instance_actor
from federation.delivery_batch import attempt
from federation.models import Actor, Delivery

mod_client, moderator = support.mod_client, support.moderator  # shared fixtures


REPORTS = "/admin/ama/report/"


def test_signed_in_user_reports_a_question(open_ama):
    question = services.question_approve(question=ask(open_ama))
    user = get_user_model().objects.create_user("reader", password="pw")
    url = f"/questions/{question.pk}/report"
    assert Client().post(url, {"comment": "x"}).status_code == 302 and not Report.objects.exists()
    client = client_for(user)
    assert client.get(url).status_code == 200
    response = client.post(url, {"comment": "doxxing"})
    assert response.status_code == 302 and response["Location"] == f"/amas/{open_ama.slug}"
    report = Report.objects.get()
    assert (report.reporter_user, report.question, report.comment) == (user, question, "doxxing")


def test_the_report_form_and_its_thanks_speak_the_readers_language(open_ama):
    question = services.question_approve(question=ask(open_ama))
    client = client_for(get_user_model().objects.create_user("lecteur", password="pw"))
    url = f"/questions/{question.pk}/report"
    form = client.get(url, headers={"Accept-Language": "fr"}).content.decode()
    assert "Signaler" in form and "Qu’est-ce qui ne va pas ?" in form and "What is wrong" not in form
    page = client.post(url, {"comment": "doxxing"}, headers={"Accept-Language": "fr"}, follow=True).content.decode()
    assert "Merci : les modérateurs vont examiner votre signalement." in page


def test_hidden_questions_cannot_be_reported_by_the_public(open_ama):
    question = ask(open_ama)
    user = get_user_model().objects.create_user("reader", password="pw")
    assert client_for(user).post(f"/questions/{question.pk}/report", {"comment": "x"}).status_code == 404


def test_incoming_flag_becomes_a_report(open_ama, remote_actor, deliver_inbox):
    flagger = Actor.objects.get(ap_id=remote_actor.ap_id)
    question = services.question_approve(question=ask(open_ama))
    flag = {"id": f"{remote_actor.peer.base}/flags/{uuid.uuid4()}", "type": "Flag", "actor": flagger.ap_id,
            "object": [question.author.ap_id, question.ap_id], "content": "<p>spam &amp; abuse</p>"}
    message = deliver_inbox(flag)
    assert message.state == "processed", message.result
    report = Report.objects.get()
    assert (report.reporter, report.question, report.target_actor) == (flagger, question, question.author)
    assert report.comment == "spam & abuse"
    deliver_inbox({**flag, "id": flag["id"] + "-unknown", "object": ["https://nowhere.example/x"]})
    assert Report.objects.count() == 1


def test_assign_resolve_and_act_from_the_report(open_ama, mod_client, moderator):
    question = services.question_approve(question=ask(open_ama))
    report = services.report_create(user=None, question=question, comment="abusive")
    act(mod_client, "assign_to_me", [report], url=REPORTS)
    act(mod_client, "reject_reported", [report], url=REPORTS)
    act(mod_client, "resolve", [report], url=REPORTS, apply="1", note="rejected, asker warned")
    report.refresh_from_db(), question.refresh_from_db()
    assert report.assigned_to == moderator and report.state == "resolved"
    assert report.resolution_note == "rejected, asker warned" and question.state == Question.State.REJECTED
    assert {"report.assign", "report.resolve", "question.reject"} <= set(
        AuditEntry.objects.values_list("action", flat=True))
    page = mod_client.get(f"{REPORTS}{report.pk}/change/").content.decode()
    assert f"/admin/ama/question/{question.pk}/change/" in page and "/admin/ama/askeractor/" in page


def test_forward_sends_an_anonymous_flag_signed_by_the_instance_actor(open_ama, mod_client, remote_actor, peer):
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    question = services.question_approve(question=services.question_receive(
        ama=open_ama, author=bob, ap_id=f"{peer.base}/notes/{uuid.uuid4()}", content_html="<p>rude</p>",
        in_reply_to=open_ama.ap_id))
    reporter = get_user_model().objects.create_user("whistle", password="pw")
    report = services.report_create(user=reporter, question=question, comment="my private words")
    act(mod_client, "forward", [report], url=REPORTS, apply="1", comment="Abusive reply in our AMA")
    delivery = Delivery.objects.get(activity__activity_type="Flag")
    attempt(delivery.pk)
    post = next(p for p in peer.inbox_posts() if p.json["type"] == "Flag")
    me = instance_actor()
    assert post.json["actor"] == me.ap_id and f'keyId="{me.key_id}"' in post.headers["Signature"]
    assert post.json["object"] == [bob.ap_id, question.ap_id] and post.json["content"] == "Abusive reply in our AMA"
    assert "whistle" not in post.body.decode() and "my private words" not in post.body.decode()
    report.refresh_from_db()
    assert report.forwarded_at and AuditEntry.objects.filter(action="report.forward").exists()


def test_reports_about_local_accounts_are_not_forwarded(open_ama, mod_client):
    report = services.report_create(user=None, target_actor=open_ama.host, comment="x")
    act(mod_client, "forward", [report], url=REPORTS, apply="1", comment="")
    assert not Delivery.objects.exists() and Report.objects.get().forwarded_at is None
