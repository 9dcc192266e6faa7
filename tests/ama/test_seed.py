"""manage.py seed_demo: the demo AMA through the services, idempotent, with its accounts."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from ama.models import Ama, Answer, Question, QuestionRevision, Vote
from federation.models import Actor, Delivery


@pytest.fixture
def var_dir(settings, tmp_path):
    settings.VAR_DIR = tmp_path
    return tmp_path


def seed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def test_seed_loads_a_french_ama_shaped_like_a_fediverse_thread(db, var_dir):
    output = seed()
    ama = Ama.objects.get()
    assert ama.language == "fr" and ama.state == Ama.State.LIVE and ama.host.is_local
    assert f"http://testserver/amas/{ama.slug}" in output
    questions = Question.objects.filter(ama=ama)
    assert questions.count() == 12
    assert len({q.author.domain for q in questions}) >= 5
    assert questions.filter(parent__isnull=False).count() >= 3
    assert questions.filter(state=Question.State.REJECTED).count() == 1
    assert QuestionRevision.objects.filter(question__ama=ama).count() == 1
    assert questions.get(is_edited=True).state == Question.State.PUBLISHED
    assert Answer.objects.filter(question__ama=ama).count() >= 5
    assert Vote.objects.count() >= 20
    top = Question.objects.shown().filter(ama=ama).sorted_by("top").first()
    assert top.vote_count == Vote.objects.filter(question=top).count()


def test_seed_is_idempotent_and_prints_the_admin_login(db, var_dir):
    first = seed()
    counts = (Ama.objects.count(), Question.objects.count(), Vote.objects.count(), Answer.objects.count(),
              Actor.objects.count(), Delivery.objects.count())
    second = seed()
    assert "already loaded" in second
    assert counts == (Ama.objects.count(), Question.objects.count(), Vote.objects.count(), Answer.objects.count(),
                      Actor.objects.count(), Delivery.objects.count())
    password = (var_dir / "admin_password").read_text().strip()
    assert f"password {password}" in first and f"password {password}" in second
    admin = get_user_model().objects.get(username="admin")
    assert admin.is_superuser and admin.check_password(password)


def test_seed_actors_are_fake_and_deliver_nowhere_real(db, var_dir):
    seed()
    for actor in Actor.objects.filter(is_local=False).exclude(actor_type=Actor.Type.APPLICATION):
        assert actor.domain.endswith(".example")
        assert actor.delivery_inbox.split("/")[2].endswith(".invalid")
    for inbox in Delivery.objects.values_list("inbox", flat=True):
        assert inbox.split("/")[2].endswith(".invalid")
