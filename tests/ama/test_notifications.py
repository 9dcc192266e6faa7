"""Hosts' notifications: one digest per period, nothing lost when the mail server is down, the AMA-open
notice once, a remote host's direct message, each person's choice."""

import smtplib
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

from ama import services
from ama.models import NotificationPreference, RemoteHostClaim
from ama.services import notifications
from federation.models import Actor, Delivery

pytestmark = pytest.mark.django_db


class MailServerDown(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise smtplib.SMTPException("connection refused")


@pytest.fixture
def asker(db):
    return Actor.objects.create(ap_id="https://mastodon.example/users/bob", username="bob",
                                domain="mastodon.example", inbox="https://mastodon.example/users/bob/inbox")


@pytest.fixture
def ama(open_ama, host):
    host.user.email = "alice@example.org"
    host.user.save()
    return open_ama


def ask(ama, author, n):
    return services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{n}",
                                     content_html=f"<p>Question number {n}?</p>", in_reply_to=ama.ap_id)


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def test_several_pending_questions_make_one_digest_per_period(ama, asker):
    for n in range(3):
        ask(ama, asker, n)
    assert notifications.notifications_send() == 1
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["alice@example.org"]
    assert "is open" in message.body and "3 new questions wait for you" in message.body
    assert all(f"Question number {n}?" in message.body for n in range(3))
    ask(ama, asker, 3)
    assert notifications.notifications_send() == 0  # the period has not passed
    assert notifications.notifications_send(now=later(61)) == 1
    assert "1 new question waits for you" in mail.outbox[1].body and "Question number 0" not in mail.outbox[1].body
    assert "is open" not in mail.outbox[1].body  # the open notice went once


def test_nothing_is_sent_when_nothing_waits(ama):
    assert notifications.notifications_send() == 1  # the AMA-open notice, once
    assert notifications.notifications_send(now=later(61)) == 0
    assert notifications.notifications_send(now=later(200)) == 0
    assert len(mail.outbox) == 1 and "is open" in mail.outbox[0].body


def test_a_mail_server_down_leaves_the_digest_for_the_next_run(ama, asker, settings, caplog):
    ask(ama, asker, 1)
    settings.EMAIL_BACKEND = "tests.ama.test_notifications.MailServerDown"
    assert notifications.notifications_send() == 0
    assert "kept for the next run" in caplog.text
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert notifications.notifications_send() == 1
    assert len(mail.outbox) == 1
    assert "is open" in mail.outbox[0].body and "Question number 1?" in mail.outbox[0].body


def test_none_sends_nothing_and_a_per_ama_choice_wins(ama, host, asker):
    notifications.preference_set(user=host.user, ama=None, channel="none", digest_minutes=60)
    ask(ama, asker, 1)
    assert notifications.notifications_send() == 0 and not mail.outbox
    notifications.preference_set(user=host.user, ama=ama, channel="email", digest_minutes=5)
    assert notifications.notifications_send() == 1
    ask(ama, asker, 2)
    assert notifications.notifications_send(now=later(6)) == 1  # its own period, 5 minutes
    assert len(mail.outbox) == 2


def test_the_mail_is_in_the_amas_language(host, asker, settings):
    now = timezone.now()
    french = services.ama_create(host=host, title="Les modèles", intro="Intro", language="fr",
                                 opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2), publish=True)
    host.user.email = "alice@example.org"
    host.user.save()
    ask(french, asker, 1)
    ask(french, asker, 2)
    notifications.notifications_send()
    assert "2 nouvelles questions vous attendent" in mail.outbox[0].body


def test_a_moderator_is_told_only_if_they_chose(ama, asker, django_user_model):
    from ama.models import ModeratorAssignment

    moderator = django_user_model.objects.create_user("mod", email="mod@example.org")
    ModeratorAssignment.objects.create(user=moderator, ama=ama)
    ask(ama, asker, 1)
    notifications.notifications_send()
    assert [m.to for m in mail.outbox] == [["alice@example.org"]]
    notifications.preference_set(user=moderator, ama=ama, channel="email", digest_minutes=60)
    ask(ama, asker, 2)
    notifications.notifications_send()
    assert ["mod@example.org"] in [m.to for m in mail.outbox]


def test_a_remote_host_gets_one_direct_message(ama, asker, remote_actor):
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    ama.cohosts.add(bob)
    RemoteHostClaim.objects.create(ama=ama, actor=bob, code="c0de", verified_at=timezone.now())
    ask(ama, asker, 1)
    ask(ama, asker, 2)
    assert notifications.notifications_send() == 2  # alice by e-mail, bob by direct message
    [delivery] = Delivery.objects.filter(inbox=bob.delivery_inbox)
    body = delivery.activity.body
    note = body["object"]
    assert body["type"] == "Create" and note["type"] == "Note"
    assert body["to"] == note["to"] == [bob.ap_id] and body["cc"] == note["cc"] == []
    assert "https://www.w3.org/ns/activitystreams#Public" not in str(body)
    assert note["tag"] == [{"type": "Mention", "href": bob.ap_id, "name": bob.handle}]
    assert "2 new questions wait for you" in note["content"] and not delivery.activity.public


def test_an_unverified_remote_cohost_is_not_messaged(ama, asker, remote_actor):
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    RemoteHostClaim.objects.create(ama=ama, actor=bob, code="c0de")
    ask(ama, asker, 1)
    notifications.notifications_send()
    assert not Delivery.objects.filter(inbox=bob.delivery_inbox).exists()


def test_a_preference_names_a_person():
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        NotificationPreference.objects.create(channel="email")


def test_the_dashboard_says_how_many_questions_wait(client, ama, host, asker):
    ama.cohosts.add(Actor.objects.create(ap_id="https://x.example/users/c", username="c", domain="x.example"))
    for n in range(2):
        ask(ama, asker, n)
    client.force_login(host.user)
    page = client.get("/dashboard/").content.decode()
    assert "2 questions wait for you" in page and "/dashboard/notifications/" in page


def test_the_notifications_page_saves_a_choice(client, ama, host):
    client.force_login(host.user)
    assert client.get("/dashboard/notifications/").status_code == 200
    response = client.post("/dashboard/notifications/", {"ama": ama.pk, "channel": "none", "digest_minutes": 30})
    assert response.status_code == 302
    row = NotificationPreference.objects.get(user=host.user)
    assert (row.ama, row.channel, row.digest_minutes) == (ama, "none", 30)


def test_the_notifications_page_refuses_someone_elses_ama_and_a_tiny_period(client, ama, make_host):
    stranger = make_host("mallory", "Mallory")
    client.force_login(stranger.user)
    response = client.post("/dashboard/notifications/", {"ama": ama.pk, "channel": "email", "digest_minutes": 1})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"ama", "digest_minutes"}
    assert not NotificationPreference.objects.exists()


def test_the_beat_runs_the_digests_at_the_operators_interval():
    from config.celery import app

    assert app.conf.beat_schedule["send-notifications"] == {"task": "ama.tasks.send_notifications",
                                                            "schedule": 300.0}  # FEDIAMA_NOTIFY_EVERY_MINUTES=5


@pytest.mark.parametrize("environment,backend", [
    ({"EMAIL_HOST": "smtp.example.org", "EMAIL_PORT": "2525"}, "smtp.EmailBackend smtp.example.org 2525"),
    ({"DEBUG": "1", "FEDIAMA_SCHEME": "http"}, "console.EmailBackend  587"),
    ({}, "dummy.EmailBackend  587"),
])
def test_email_goes_to_the_configured_server_else_the_console_in_development(tmp_path, environment, backend):
    from tests.test_foundation import SAFE, run_django

    code = ("from django.conf import settings as s; "
            "print(s.EMAIL_BACKEND.rsplit('.', 2)[-2] + '.' + s.EMAIL_BACKEND.rsplit('.', 1)[-1], "
            "s.EMAIL_HOST, s.EMAIL_PORT)")
    run = run_django(code, tmp_path, **{**SAFE, **environment})
    assert run.stdout.strip() == backend, run.stderr


def test_the_opening_is_told_at_once_even_within_the_period(host, asker):
    now = timezone.now()
    soon = services.ama_create(host=host, title="Soon", intro="Intro", language="en",
                               opens_at=now + timedelta(minutes=10), closes_at=now + timedelta(hours=2), publish=True)
    host.user.email = "alice@example.org"
    host.user.save()
    ask(soon, asker, 1)
    assert notifications.notifications_send() == 1 and "is open" not in mail.outbox[0].body
    soon.state = soon.State.LIVE
    soon.save()
    assert notifications.notifications_send(now=later(11)) == 1
    assert "is open" in mail.outbox[1].body and "question" not in mail.outbox[1].body.split("open.")[1]
    assert notifications.notifications_send(now=later(12)) == 0
