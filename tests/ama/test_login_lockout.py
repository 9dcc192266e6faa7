"""Login brute-force protection: both login forms lock an account from one address after
FEDIAMA_LOGIN_FAILURES wrong passwords, and an address after more across accounts (django-axes); API tokens are
throttled after FEDIAMA_TOKEN_FAILURE_RATE failures."""

import logging
import random
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import get_user_model
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery"
FORMS = {"site": ("/accounts/login/", "/dashboard/"), "admin": ("/admin/login/", "/admin/")}


@pytest.fixture
def user(db):
    return get_user_model().objects.create_user("alice", password=PASSWORD, is_staff=True)


def sign_in(client, form, password, username="alice", address="203.0.113.7"):
    url, goes_to = FORMS[form]
    return client.post(url, {"username": username, "password": password, "next": goes_to},
                       REMOTE_ADDR=address, HTTP_ACCEPT_LANGUAGE="en")


def fail(client, form, times, **kwargs):
    return [sign_in(client, form, "wrong-password", **kwargs).status_code for _ in range(times)]


@pytest.mark.parametrize("form", FORMS)
def test_after_five_wrong_passwords_even_the_right_one_is_refused(client, user, form, caplog):
    caplog.set_level(logging.WARNING)
    assert fail(client, form, 4) == [200, 200, 200, 200]  # the form again, with its error
    assert fail(client, form, 1) == [429]
    response = sign_in(client, form, PASSWORD)
    assert response.status_code == 429
    assert "Too many wrong passwords" in response.content.decode()
    assert int(response["Retry-After"]) == 15 * 60
    assert "_auth_user_id" not in client.session
    assert any("Locking out" in record.getMessage() and "alice" in record.getMessage() for record in caplog.records)


def test_the_lockout_page_speaks_french(client, user):
    fail(client, "site", 5)
    response = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD},
                           REMOTE_ADDR="203.0.113.7", HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 429
    assert "Trop de mots de passe erronés" in response.content.decode()


def test_another_address_is_not_locked_out_of_the_account(client, user):
    fail(client, "site", 5)
    response = sign_in(client, "site", PASSWORD, address="198.51.100.9")
    assert response.status_code == 302 and response["Location"] == "/dashboard/"


def test_an_address_failing_across_many_accounts_is_locked_out(client, user, settings, caplog):
    caplog.set_level(logging.WARNING)
    settings.FEDIAMA_LOGIN_FAILURES_PER_ADDRESS = 8
    statuses = [fail(client, "admin", 1, username=f"guess{n}")[0] for n in range(8)]  # one wrong guess per account
    assert statuses == [200] * 7 + [429]
    assert "203.0.113.7 locked out" in caplog.text
    assert sign_in(client, "admin", PASSWORD).status_code == 429  # alice never failed, her address did
    assert sign_in(client, "admin", PASSWORD, address="198.51.100.9").status_code == 302


def test_the_right_password_works_again_after_the_cool_off(client, user):
    fail(client, "site", 5)
    AccessAttempt.objects.update(attempt_time=AccessAttempt.objects.get().attempt_time - timedelta(minutes=16))
    response = sign_in(client, "site", PASSWORD)
    assert response.status_code == 302 and client.session["_auth_user_id"] == str(user.pk)


def test_a_success_resets_the_count(client, user):
    fail(client, "site", 4)
    assert sign_in(client, "site", PASSWORD).status_code == 302
    client.logout()
    assert fail(client, "site", 4) == [200, 200, 200, 200]


def test_the_test_clients_login_still_works(client, user):
    assert client.login(username="alice", password=PASSWORD)


def api_get(client, token, address):
    return client.get("/api/amas/", HTTP_AUTHORIZATION=f"Token {token}", REMOTE_ADDR=address)


def test_bad_api_tokens_are_throttled_per_address(client, user, settings, caplog):
    settings.FEDIAMA_TOKEN_FAILURE_RATE = "3/hour"
    address = f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"  # a fresh counter
    caplog.set_level(logging.WARNING)
    assert [api_get(client, f"bad{n}", address).status_code for n in range(3)] == [401, 401, 401]
    assert "3 failed token authentications from " + address in caplog.text
    good = Token.objects.create(user=user).key
    refused = api_get(client, good, address)
    assert refused.status_code == 429
    assert "Too many failed token authentications" in refused.json()["detail"]
    assert 3500 <= int(refused["Retry-After"]) <= 3600
    assert api_get(client, good, "192.0.2.44").status_code == 200  # another address is unaffected
    assert client.get("/api/amas/", REMOTE_ADDR=address).status_code == 200  # anonymous reads still work
