"""Avatars in the admin (ama/admin/avatars.py): an administrator sets a host's picture, refused files say why
and store nothing; a host sees and sets only their own; failed remote icons show their reason as text, and an
administrator asks for them again."""

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from federation.models import Actor, ActorAvatar
from tests.pictures import SVG_WITH_SCRIPT, picture

ADD = "/admin/federation/actoravatar/add/"
LIST = "/admin/federation/actoravatar/"


@pytest.fixture
def admin_client(db, media):
    client = Client()
    client.force_login(get_user_model().objects.create_superuser("root", password="pw-correct-horse"))
    return client


def add(client, host, data, name="me.png"):
    return client.post(ADD, {"host": host.pk, "picture": SimpleUploadedFile(name, data)}, follow=True)


def test_an_administrator_sets_a_hosts_picture(admin_client, host):
    response = add(admin_client, host, picture())
    assert response.status_code == 200
    row = ActorAvatar.objects.get(actor=host)
    assert row.uploaded and row.digest
    listing = admin_client.get(LIST).content.decode()
    assert f'src="/media/avatars/{row.digest}-96.webp"' in listing


def test_a_refused_file_in_the_admin_says_why_and_stores_nothing(admin_client, host, media):
    response = add(admin_client, host, SVG_WITH_SCRIPT, "me.svg")
    assert "This file is not a PNG, JPEG, WebP or GIF picture (SVG is not accepted)." in response.content.decode()
    assert not ActorAvatar.objects.exists() and not media.exists()


def test_a_host_sets_only_their_own_picture(host, make_host, media):
    other = make_host("sam", "Sam")
    host.user.is_staff = True  # as ama.services.host_create makes hosts
    host.user.save()
    client = Client()
    client.force_login(host.user)
    form = client.get(ADD).content.decode()
    assert f'value="{host.pk}"' in form and f'value="{other.pk}"' not in form
    response = add(client, other, picture())
    assert "Select a valid choice" in response.content.decode()
    assert not ActorAvatar.objects.exists()
    add(client, host, picture())
    add(Client(), host, picture())  # anonymous: the login page, nothing else
    assert list(ActorAvatar.objects.values_list("actor_id", flat=True)) == [host.pk]


def test_failed_icons_show_their_reason_as_text_and_can_be_fetched_again(admin_client, db,
                                                                           django_capture_on_commit_callbacks):
    bob = Actor.objects.create(ap_id="https://remote.example/users/bob", username="bob", domain="remote.example",
                               icon_url="https://remote.example/bob.png")
    ActorAvatar.objects.create(actor=bob, source_url=bob.icon_url, failure="HTTP 404")
    listing = admin_client.get(LIST).content.decode()
    assert "HTTP 404" in listing and 'href="https://remote.example/bob.png"' not in listing
    assert 'src="https://remote.example' not in listing
    with django_capture_on_commit_callbacks(execute=False) as sent:
        admin_client.post(LIST, {"action": "fetch_again", "_selected_action": [bob.pk]}, follow=True)
    assert len(sent) == 1
    row = ActorAvatar.objects.get(actor=bob)
    assert row.queued_at is not None and row.source_url == ""
