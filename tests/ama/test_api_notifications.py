"""The API sets and reads the signed-in user's notification choices, as the dashboard's Notifications page does:
for every AMA or one they host or moderate; others' AMAs, unknown channels and tiny periods are refused by field
and nothing changes; anonymous callers get 401. The digest follows what the API set."""

import pytest
from django.core import mail

from ama.models import NotificationPreference
from ama.services import notifications
from federation.models import Actor
from tests.ama.test_api import body, client_for
from tests.ama.test_notifications import ask

URL = "/api/notifications/"


@pytest.fixture
def alice(open_ama, host):
    host.user.email = "alice@example.org"
    host.user.save()
    return host.user


def test_the_host_sets_and_reads_a_choice_for_one_ama_and_for_every_ama(open_ama, alice):
    client = client_for(alice)
    assert body(client.get(URL)) == []
    one = client.post(URL, {"ama": open_ama.slug, "channel": "none", "digest_minutes": 30}, format="json")
    assert one.status_code == 200 and body(one) == {"ama": open_ama.slug, "channel": "none", "digest_minutes": 30}
    every = client.post(URL, {"channel": "email"}, format="json")
    assert body(every) == {"ama": None, "channel": "email", "digest_minutes": 60}
    again = client.post(URL, {"ama": open_ama.slug, "channel": "email", "digest_minutes": 15}, format="json")
    assert again.status_code == 200
    assert sorted(body(client.get(URL)), key=lambda row: row["ama"] or "") == [
        {"ama": None, "channel": "email", "digest_minutes": 60},
        {"ama": open_ama.slug, "channel": "email", "digest_minutes": 15}]
    assert NotificationPreference.objects.filter(user=alice).count() == 2


def test_the_digest_follows_what_the_api_set(open_ama, alice):
    asker = Actor.objects.create(ap_id="https://mastodon.example/users/bob", username="bob",
                                 domain="mastodon.example", inbox="https://mastodon.example/users/bob/inbox")
    client_for(alice).post(URL, {"ama": open_ama.slug, "channel": "none"}, format="json")
    ask(open_ama, asker, 1)
    assert notifications.notifications_send() == 0 and not mail.outbox


@pytest.mark.parametrize("data,fields", [
    ({"ama": "someone-elses", "channel": "email"}, {"ama"}),
    ({"channel": "dm"}, {"channel"}),  # direct messages are for hosts on other servers
    ({"channel": "email", "digest_minutes": 1}, {"digest_minutes"}),
    ({"channel": "email", "digest_minutes": 10**6}, {"digest_minutes"}),
    ({}, {"channel"}),
])
def test_bad_choices_are_refused_by_field_and_change_nothing(open_ama, alice, make_host, data, fields):
    from tests.ama.test_pages import make_ama

    other = make_ama(make_host("bea", "Bea"), "Bea's AMA", opens_in=1)
    if data.get("ama") == "someone-elses":
        data = {**data, "ama": other.slug}
    response = client_for(alice).post(URL, data, format="json")
    assert response.status_code == 400 and set(body(response)) == fields
    assert not NotificationPreference.objects.exists()


def test_anonymous_callers_are_refused(open_ama):
    client = client_for(None)
    assert client.get(URL).status_code == 401
    assert client.post(URL, {"channel": "none"}, format="json").status_code == 401
    assert not NotificationPreference.objects.exists()


def test_the_schema_documents_it(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()
    operations = schema["paths"]["/api/notifications/"]
    assert set(operations) >= {"get", "post"} and operations["post"]["tags"] == ["notifications"]
