"""An administrator makes any account (their own too) a host from the admin; the demo's two accounts each do what
seed_demo prints (the admin: everything, hosts included; the host: the dashboard and /admin/ for their AMA)."""

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ama.models import AuditEntry
from federation.models import Actor

pytestmark = pytest.mark.django_db
USERS = "/admin/auth/user/"


@pytest.fixture
def admin_user():
    return get_user_model().objects.create_superuser("admin", password="pw-correct-horse")


def make_host(client, *users):
    return client.post(USERS, {"action": "make_host", "_selected_action": [u.pk for u in users]}, follow=True)


def test_an_administrator_makes_themselves_a_host(client, admin_user):
    client.force_login(admin_user)
    assert "make yourself a host" in client.get("/dashboard/").content.decode()  # and where
    response = make_host(client, admin_user)
    assert "1 made hosts." in response.content.decode()
    actor = Actor.objects.get(user=admin_user, is_local=True)
    assert actor.handle == "@admin@testserver" and actor.ap_id == "http://testserver/users/admin"
    html = client.get("/dashboard/").content.decode()
    assert "make yourself a host" not in html and "Publish the AMA" in html
    assert AuditEntry.objects.filter(action="host.create", target=actor.ap_id, actor_user=admin_user).exists()
    assert "@admin@testserver" in client.get(USERS).content.decode()  # the Host column


def test_an_administrator_makes_another_account_a_host_and_staff(client, admin_user):
    bob = get_user_model().objects.create_user("bob", password="pw-correct-horse")
    client.force_login(admin_user)
    make_host(client, bob)
    bob.refresh_from_db()
    assert bob.is_staff and Actor.objects.get(user=bob).handle == "@bob@testserver"
    assert "already a host" in make_host(client, bob).content.decode()
    assert Actor.objects.filter(user=bob).count() == 1


def test_a_name_that_cannot_be_a_fediverse_name_is_refused_with_the_reason(client, admin_user):
    odd = get_user_model().objects.create_user("Odd.Name", password="pw-correct-horse")
    client.force_login(admin_user)
    assert "cannot be a fediverse name" in make_host(client, odd).content.decode()
    assert not Actor.objects.filter(user=odd).exists()


def test_a_moderator_cannot_make_hosts(client):
    moderator = get_user_model().objects.create_user("mod", password="pw-correct-horse", is_staff=True)
    client.force_login(moderator)
    assert make_host(client, moderator).status_code == 403  # the users' list is the administrators'
    assert not Actor.objects.filter(user=moderator).exists()


def test_the_demo_accounts_do_what_seed_demo_prints(client, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    host_name, host_password = re.search(r"Host: \S+  username (\S+)  password (\S+)", printed).groups()
    admin_password = re.search(r"Admin: \S+  username admin  password (\S+)", printed).group(1)
    assert "Make host" in printed and "/admin/" in printed.split("Host:")[1]
    assert client.login(username=host_name, password=host_password)
    assert client.get("/admin/").status_code == 200 and client.get("/admin/ama/question/").status_code == 200
    assert "Publish the AMA" in client.get("/dashboard/").content.decode()
    client.logout()
    assert client.login(username="admin", password=admin_password)
    make_host(client, get_user_model().objects.get(username="admin"))
    assert Actor.objects.filter(user__username="admin", is_local=True).exists()
