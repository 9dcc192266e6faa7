"""A remote host (a fediverse account, no login here) chooses how they are told, from the personal link in the
direct messages we send them: the link opens their choices, tampered, expired, replaced or revoked links are
refused with a 4xx that says why, and the digest follows the choice (once per period, nothing lost while their
server is down)."""

import re
from datetime import timedelta
from html import unescape

import pytest
from django.core import mail, signing
from django.utils import timezone

from ama import services
from ama.models import NotificationPreference, RemoteHostClaim
from ama.services import notification_links, notifications
from federation import delivery_batch
from federation.models import Actor, Delivery

pytestmark = pytest.mark.django_db
LINK = re.compile(r'href="(https?://[^"]+/notifications/remote/[^"]+/)"')


@pytest.fixture
def asker(db):
    return Actor.objects.create(ap_id="https://mastodon.example/users/sam", username="sam",
                                domain="mastodon.example", inbox="https://mastodon.example/users/sam/inbox")


@pytest.fixture
def bob(open_ama, host, remote_actor):
    """alice (by e-mail) and bob, a verified co-host on the peer (by direct message), host the AMA."""
    host.user.email = "alice@example.org"
    host.user.save()
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    open_ama.cohosts.add(bob)
    RemoteHostClaim.objects.create(ama=open_ama, actor=bob, code="c0de", verified_at=timezone.now())
    return bob


def ask(ama, author, n):
    return services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{n}",
                                     content_html=f"<p>Question number {n}?</p>", in_reply_to=ama.ap_id)


def later(minutes):
    return timezone.now() + timedelta(minutes=minutes)


def messages_to(actor) -> list[str]:
    """The contents of the direct messages queued for `actor`, oldest first."""
    rows = Delivery.objects.filter(inbox=actor.delivery_inbox).select_related("activity").order_by("pk")
    return [row.activity.body["object"]["content"] for row in rows]


def path_of(content: str) -> str:
    url = unescape(LINK.findall(content)[0])
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def first_link(open_ama, asker, bob) -> str:
    ask(open_ama, asker, 1)
    notifications.notifications_send()
    return path_of(messages_to(bob)[-1])


def test_the_direct_message_carries_a_link_to_the_choices(client, open_ama, asker, bob):
    path = first_link(open_ama, asker, bob)
    [content] = messages_to(bob)
    assert "Question number 1?" in content and "How often you are told" in content
    response = client.get(path)
    assert response.status_code == 200
    page = response.content.decode()
    assert bob.handle in page and open_ama.title in page and 'name="digest_minutes"' in page
    assert "at most every 60 minutes" in page and '<meta name="robots" content="noindex">' in page
    assert "no-store" in response["Cache-Control"]


def test_a_choice_from_the_link_is_what_the_digest_follows(client, open_ama, asker, bob):
    path = first_link(open_ama, asker, bob)
    response = client.post(path, {"scope": "this", "channel": "dm", "digest_minutes": 1440})
    assert response.status_code == 302 and response["Location"] == path
    row = NotificationPreference.objects.get(actor=bob)
    assert (row.ama, row.channel, row.digest_minutes, row.user) == (open_ama, "dm", 1440, None)
    assert "at most every 1440 minutes" in client.get(path).content.decode()
    ask(open_ama, asker, 2)
    notifications.notifications_send(now=later(61))
    assert len(messages_to(bob)) == 1  # bob waits a day; alice, by e-mail, was told after her 60 minutes
    assert "Question number 2?" in mail.outbox[-1].body
    notifications.notifications_send(now=later(1441))
    assert len(messages_to(bob)) == 2
    assert "Question number 2?" in messages_to(bob)[1] and "Question number 1?" not in messages_to(bob)[1]
    notifications.notifications_send(now=later(1442))
    assert len(messages_to(bob)) == 2  # once per period


def test_choosing_nothing_stops_the_messages_and_every_ama_covers_the_others(client, open_ama, asker, bob, host):
    path = first_link(open_ama, asker, bob)
    assert client.post(path, {"scope": "every", "channel": "none", "digest_minutes": 60}).status_code == 302
    row = NotificationPreference.objects.get(actor=bob)
    assert (row.ama, row.channel) == (None, "none")
    other = services.ama_create(host=host, title="Second", opens_at=later(-60), closes_at=later(120), publish=True)
    other.cohosts.add(bob)
    RemoteHostClaim.objects.create(ama=other, actor=bob, code="c0de2", verified_at=timezone.now())
    ask(open_ama, asker, 2)
    ask(other, asker, 3)
    notifications.notifications_send(now=later(61))
    assert len(messages_to(bob)) == 1  # nothing since, on either AMA
    assert any("Question number 3?" in m.body for m in mail.outbox)  # alice still is
    # the same link brings the messages back, and a second save changes the row, not adds one
    assert client.post(path, {"scope": "every", "channel": "dm", "digest_minutes": 60}).status_code == 302
    assert NotificationPreference.objects.filter(actor=bob).count() == 1


def test_bad_choices_are_refused_and_change_nothing(client, open_ama, asker, bob):
    path = first_link(open_ama, asker, bob)
    response = client.post(path, {"scope": "somewhere", "channel": "email", "digest_minutes": 1})
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"scope", "channel", "digest_minutes"}
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),  # the signature
    lambda token: signing.dumps({"claim": 999, "version": 0}, salt=notification_links.SALT)[:-4] + token[-4:],
    lambda token: signing.dumps({"claim": 1, "version": 0}),  # signed by this site for something else
    lambda token: token[: len(token) // 2],  # cut
])
def test_a_tampered_link_is_refused_with_400_and_changes_nothing(client, open_ama, asker, bob, tamper):
    path = first_link(open_ama, asker, bob)
    token = path.rstrip("/").rsplit("/", 1)[1]
    bad = f"/notifications/remote/{tamper(token)}/"
    for response in (client.get(bad), client.post(bad, {"scope": "this", "channel": "none", "digest_minutes": 60})):
        assert response.status_code == 400
        assert "This link is not valid" in response.content.decode()
    assert not NotificationPreference.objects.exists()


def test_an_expired_link_is_refused_with_410(client, open_ama, bob, monkeypatch):
    claim = RemoteHostClaim.objects.get(actor=bob)
    month_ago = timezone.now() - notification_links.LINK_MAX_AGE - timedelta(minutes=1)
    monkeypatch.setattr(signing.time, "time", lambda: month_ago.timestamp())
    old = notification_links.preferences_token(claim)
    monkeypatch.undo()
    recent = notification_links.preferences_token(claim)
    response = client.get(f"/notifications/remote/{old}/")
    assert response.status_code == 410 and "This link has expired" in response.content.decode()
    assert client.get(f"/notifications/remote/{recent}/").status_code == 200


def test_rotating_refuses_every_earlier_link_and_the_next_message_brings_a_new_one(client, open_ama, asker, bob):
    path = first_link(open_ama, asker, bob)
    response = client.post(path, {"action": "rotate"})
    assert response.status_code == 200 and "no longer work" in response.content.decode()
    refused = client.get(path)
    assert refused.status_code == 410 and "replaced by a newer one" in refused.content.decode()
    ask(open_ama, asker, 2)
    notifications.notifications_send(now=later(61))
    fresh = path_of(messages_to(bob)[-1])
    assert fresh != path and client.get(fresh).status_code == 200


def test_a_revoked_cohosts_link_is_refused_with_410(client, open_ama, asker, bob):
    path = first_link(open_ama, asker, bob)
    services.remote_host_revoke(ama=open_ama, actor=bob)
    response = client.get(path)
    assert response.status_code == 410 and "no longer hosts that AMA" in response.content.decode()


def test_the_page_speaks_french(client, open_ama, asker, bob):
    path = first_link(open_ama, asker, bob)
    page = client.get(path, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Vos notifications" in page and "Arrêter ce lien" in page and "fonctionne 30 jours" in page


def test_a_digest_waits_while_the_hosts_server_is_down(open_ama, asker, bob, peer):
    """The direct message is a delivery: while bob's server answers 503 it waits and is retried, whole (with its
    questions and link); the next digests do not repeat those questions, and when the server is back it arrives."""
    peer.statuses = [503]
    ask(open_ama, asker, 1)
    notifications.notifications_send()
    [row] = Delivery.objects.filter(inbox=bob.delivery_inbox)
    assert delivery_batch.attempt(row.pk) == Delivery.State.RETRYING
    assert notifications.notifications_send(now=later(61)) == 0  # nothing new: nothing sent again
    assert Delivery.objects.filter(inbox=bob.delivery_inbox).count() == 1
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert delivery_batch.attempt(row.pk) == Delivery.State.DELIVERED
    [post] = [p for p in peer.inbox_posts() if p.json["id"] == row.activity.ap_id][-1:]
    assert "Question number 1?" in post.json["object"]["content"]
    assert "/notifications/remote/" in post.json["object"]["content"]
