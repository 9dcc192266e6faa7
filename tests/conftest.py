"""Shared fixtures: a local host, a loopback peer (a real remote server), a real Celery worker."""

import pytest
from django.contrib.auth import get_user_model

from tests.peer import Peer, test_keypair


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (CI's tier 1, two workers each given its own FEDIAMA_VAR_DIR by .ci/run): whole files to
    a worker, so a module's Celery worker and servers start once, and all the e2e stories to the same one, so one
    pair of instances serves them as in a serial run."""
    from xdist.scheduler import LoadFileScheduling

    class FilesAndTheE2eStoriesTogether(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "tests/e2e" if nodeid.startswith("tests/e2e/") else super()._split_scope(nodeid)

    return FilesAndTheE2eStoriesTogether(config, log)


@pytest.fixture(scope="session")
def keypair():
    return test_keypair()


@pytest.fixture
def make_host(db, keypair):
    from federation.actors import create_local_actor

    def make(username="alice", display_name="Alice", password="correct-horse-battery"):
        user = get_user_model().objects.create_user(username=username, password=password)
        actor = create_local_actor(username=username, display_name=display_name, user=user,
                                   generate_keys_now=False)
        actor.private_key_pem, actor.public_key_pem = keypair
        actor.save(update_fields=["private_key_pem", "public_key_pem"])
        return actor
    return make


@pytest.fixture
def host(make_host):
    """The local host account @alice@<domain>, with a static test key."""
    return make_host()


@pytest.fixture
def loopback(settings):
    """Federation over loopback: the safe client's private-address guard switched off, as in development."""
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = True
    return settings


@pytest.fixture
def peer(loopback):
    """A real remote server on 127.0.0.1 with its own actors and keys."""
    server = Peer()
    yield server
    server.close()


@pytest.fixture
def remote_actor(peer, db):
    """bob on the peer, known to our cache."""
    from federation.actors import store_remote_actor

    bob = peer.actor("bob")
    store_remote_actor(bob.document())
    return bob


@pytest.fixture
def live_site(live_server, settings, loopback):
    """Our server reachable over real HTTP; our ids use its address."""
    settings.FEDIAMA_DOMAIN = live_server.url.split("://", 1)[1]
    settings.FEDIAMA_SCHEME = "http"
    return live_server


@pytest.fixture
def open_ama(host):
    """A published, live AMA by alice, pre-moderated."""
    from datetime import timedelta

    from django.utils import timezone

    from ama import services

    now = timezone.now()
    return services.ama_create(host=host, title="Ask me about open models", intro="I train *open* models.",
                               language="en", opens_at=now - timedelta(hours=1), closes_at=now + timedelta(hours=2),
                               publish=True)


@pytest.fixture
def deliver_inbox():
    """Store an activity as if it had passed the inbox, then process it; returns the message."""
    from federation.models import InboxMessage
    from federation.routing import process

    def run(activity: dict, *, actor_id: str | None = None):
        actor_id = actor_id or activity["actor"]
        message = InboxMessage.objects.create(ap_id=activity["id"], activity_type=activity["type"],
                                              actor_ap_id=actor_id, domain=actor_id.split("/")[2], body=activity)
        process(message.pk)
        message.refresh_from_db()
        return message
    return run


@pytest.fixture(autouse=True)
def fresh_inbox_wakeup(monkeypatch):
    """Each test starts with no inbox wake-up sent in this process's current window."""
    from federation import tasks
    from federation.coalesce import Coalescer

    monkeypatch.setattr(tasks, "inbox_wakeup", Coalescer(tasks.send_drain, window=tasks.INBOX_WAKEUP_WINDOW))


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Password hashing is not what these tests measure."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def site_language_after_each_test():
    """A request in French leaves French active in the thread (LocaleMiddleware does not reset it): each test
    starts and ends in the site's default language, so no test depends on the order tests run in."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.activate("en")


@pytest.fixture
def media(settings, tmp_path):
    """Uploaded and fetched pictures go to this test's own MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
