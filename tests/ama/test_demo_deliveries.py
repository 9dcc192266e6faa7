"""The demo's remote accounts (seed_demo) can never be reached: no delivery is ever queued for them,
while a real remote follower of the same host still gets the answer."""

from io import StringIO

import pytest
from django.core.management import call_command

from ama import services
from ama.models import Ama, Answer, Question
from federation import outbox
from federation.models import Actor, Delivery, Follow


@pytest.fixture
def demo(db, settings, tmp_path):
    settings.VAR_DIR = tmp_path
    call_command("seed_demo", stdout=StringIO())
    return Ama.objects.get()


def real_follower(host: Actor) -> Actor:
    """A follower on a server that exists (loopback; nothing is sent: no worker runs here)."""
    actor = Actor.objects.create(ap_id="http://127.0.0.1:9/users/zoe", username="zoe", domain="127.0.0.1:9",
                                 inbox="http://127.0.0.1:9/users/zoe/inbox", shared_inbox="http://127.0.0.1:9/inbox")
    Follow.objects.create(follower=actor, followed=host, state=Follow.State.ACCEPTED)
    return actor


def test_the_demo_queues_no_delivery_to_its_made_up_servers(demo):
    assert Answer.objects.filter(question__ama=demo).count() >= 5  # seeding published answers (and the AMA)
    assert Delivery.objects.count() == 0  # every remote account of the demo has its inbox under .invalid


def test_an_answer_in_the_demo_reaches_a_real_follower_and_no_demo_inbox(demo):
    follower = real_follower(demo.host)
    question = Question.objects.filter(ama=demo, state=Question.State.PUBLISHED, answered_at__isnull=True).first()
    demo_inbox = question.author.delivery_inbox
    assert demo_inbox.split("/")[2].endswith(".invalid")
    services.answer_publish(question=question, author=demo.host, body="Une réponse de plus.")
    inboxes = set(Delivery.objects.values_list("inbox", flat=True))
    assert inboxes == {follower.shared_inbox}
    assert not Delivery.objects.filter(inbox__contains=".invalid").exists() and demo_inbox not in inboxes


@pytest.mark.parametrize("domain, never", [
    ("mastodon.example.invalid", True), ("social.example.invalid:8443", True), ("A.INVALID.".lower(), True),
    ("mastodon.example", False), ("invalid.example", False), ("mastodon.test", False), ("127.0.0.1:9", False),
    ("notinvalid", False),
])
def test_only_the_reserved_invalid_tld_is_never_delivered_to(domain, never):
    assert outbox.never_resolves(domain) is never
