"""Helpers and fixtures shared by the moderation tests (imported by test_moderation_*.py; no tests here)."""

import itertools
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from ama import services
from ama.models import Ama, ModeratorAssignment, Question
from federation.models import Actor

_seq = itertools.count(1)
QUESTIONS = "/admin/ama/question/"


def make_remote(name="bob", domain="remote.example") -> Actor:
    return Actor.objects.create(ap_id=f"https://{domain}/users/{name}", username=name, domain=domain,
                                display_name=name.title(), inbox=f"https://{domain}/users/{name}/inbox")


def ask(ama, text="What data did you train on?", author=None, **extra) -> Question:
    author = author or make_remote(f"asker{next(_seq)}")
    domain = author.domain.split(":")[0]
    return services.question_receive(ama=ama, author=author, ap_id=f"https://{domain}/notes/{next(_seq)}",
                                     content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id, **extra)


def make_ama(host, title="Second AMA", **extra) -> Ama:
    now = timezone.now()
    return services.ama_create(host=host, title=title, opens_at=now - timedelta(hours=1),
                               closes_at=now + timedelta(hours=2), publish=True, **extra)


def staff(username, *, superuser=False, scope="none", password="pw-correct-horse"):
    """A staff user; scope "all" or an Ama makes them a moderator."""
    user = get_user_model().objects.create_user(username=username, password=password, is_staff=True,
                                                is_superuser=superuser)
    if scope == "all":
        ModeratorAssignment.objects.create(user=user, ama=None)
    elif isinstance(scope, Ama):
        ModeratorAssignment.objects.create(user=user, ama=scope)
    return user


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def act(client, action, objects, url=QUESTIONS, **extra):
    data = {"action": action, "_selected_action": [str(o.pk) for o in objects], "index": "0", **extra}
    return client.post(url, data)


@pytest.fixture
def moderator(db):
    return staff("mod", scope="all")


@pytest.fixture
def mod_client(moderator):
    return client_for(moderator)


@pytest.fixture
def host_user(open_ama):
    user = open_ama.host.user
    user.is_staff = True
    user.save(update_fields=["is_staff"])
    return user
