"""manage.py createhost: a local account that can hold AMAs."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from rest_framework.authtoken.models import Token

from federation.models import Actor


def run(*args) -> str:
    out = StringIO()
    call_command("createhost", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_createhost_prints_a_working_password_and_token():
    output = run("dana", "--display-name", "Dana D.", "--token")
    password = output.split("password: ")[1].split()[0]
    token = output.split("API token: ")[1].split()[0]
    user = authenticate(username="dana", password=password)
    assert user is not None and user.is_staff
    assert Token.objects.get(user=user).key == token
    actor = Actor.objects.get(user=user)
    assert actor.is_local and actor.actor_type == "Person" and actor.display_name == "Dana D."
    assert actor.private_key_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert "@dana@testserver" in output and actor.ap_id in output


@pytest.mark.django_db
def test_createhost_no_admin():
    run("erin", "--no-admin")
    assert not Actor.objects.get(username="erin").user.is_staff


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["", "Bad Name", "x" * 31, "a@b", "../x"])
def test_createhost_refuses_bad_names(name):
    with pytest.raises(CommandError, match="a-z"):
        run(name)
    assert not Actor.objects.filter(is_local=True).exists()


@pytest.mark.django_db
def test_createhost_refuses_a_taken_name():
    run("frank")
    with pytest.raises(CommandError, match="taken"):
        run("frank")
    assert Actor.objects.filter(username="frank").count() == 1
