"""Remote avatars (federation.avatars): a remote actor's icon is fetched once, off the request, through the
guarded client, checked and re-encoded; pages show our thumbnail or the placeholder, never the remote URL.
The remote server is a real loopback server (tests/image_origin.py)."""

import io
import logging
from datetime import timedelta

import pytest
from django.template import Context, Template
from django.utils import timezone
from PIL import Image

from federation import avatars, netguard
from federation.actors import store_remote_actor
from federation.avatar_images import MAX_BYTES
from federation.models import Actor, ActorAvatar
from tests.image_origin import ImageOrigin
from tests.pictures import SVG_WITH_SCRIPT, picture

pytestmark = pytest.mark.django_db


def png(colour=(20, 120, 200)) -> bytes:
    return picture("PNG", (120, 80), colour)


@pytest.fixture
def origin(loopback):
    server = ImageOrigin()
    yield server
    server.close()


@pytest.fixture
def eager(monkeypatch, django_capture_on_commit_callbacks):
    """Tasks run in the process when sent, and on_commit callbacks run at the end of each `with eager():`."""
    monkeypatch.setitem(avatars.fetch_avatar.app.conf, "task_always_eager", True)
    return lambda: django_capture_on_commit_callbacks(execute=True)


def remote(peer, icon) -> Actor:
    doc = peer.actor("bob", extra={"icon": {"type": "Image", "mediaType": "image/png", "url": icon}}).document()
    return store_remote_actor(doc)


def tag(actor, size=48) -> str:
    return Template("{% load avatars %}{% avatar actor size %}").render(Context({"actor": actor, "size": size}))


def fresh(actor: Actor) -> Actor:
    return Actor.objects.get(pk=actor.pk)


def test_a_stored_actor_with_an_icon_has_it_fetched_once_and_served_by_us(peer, origin, media, eager, client):
    icon = origin.serve("/avatars/bob.png", png())
    with eager():
        bob = remote(peer, icon)
    assert origin.hits["/avatars/bob.png"] == 1
    row = ActorAvatar.objects.get(actor=bob)
    assert (row.source_url, row.failure, row.uploaded) == (icon, "", False)
    html = tag(fresh(bob))
    assert f'src="/media/avatars/{row.digest}-96.webp"' in html and origin.base not in html
    served = client.get(f"/media/avatars/{row.digest}-96.webp")
    assert served.status_code == 200
    assert served["Content-Type"] == "image/webp"
    assert served["Cache-Control"] == "public, max-age=31536000, immutable"
    assert Image.open(io.BytesIO(b"".join(served.streaming_content))).size == (96, 96)


def test_pages_shown_again_do_not_fetch_again(peer, origin, media, eager):
    icon = origin.serve("/bob.png", png())
    bob = remote(peer, icon)  # stored outside `eager`: its queued fetch never ran (a lost message)
    ActorAvatar.objects.filter(actor=bob).update(queued_at=None)
    with eager():
        first = tag(fresh(bob))
    assert "avatar-initials" in first and origin.base not in first  # the placeholder while the fetch runs
    for _ in range(3):
        with eager():
            assert "/media/avatars/" in tag(fresh(bob))
    assert origin.hits["/bob.png"] == 1


def test_a_page_queues_at_most_one_fetch_while_one_waits(peer, origin, media, django_capture_on_commit_callbacks):
    bob = remote(peer, origin.serve("/bob.png", png()))
    ActorAvatar.objects.filter(actor=bob).update(queued_at=None)
    with django_capture_on_commit_callbacks(execute=False) as sent:
        for _ in range(5):
            tag(fresh(bob))
    assert len(sent) == 1
    assert ActorAvatar.objects.get(actor=bob).queued_at is not None
    assert origin.hits == {}


def test_a_new_icon_url_is_fetched_again_and_the_old_picture_is_no_longer_shown(peer, origin, media, eager):
    with eager():
        bob = remote(peer, origin.serve("/old.png", png((200, 0, 0))))
    old = ActorAvatar.objects.get(actor=bob).digest
    with eager():
        bob = remote(peer, origin.serve("/new.png", png((0, 200, 0))))
    new = ActorAvatar.objects.get(actor=bob)
    assert (origin.hits["/old.png"], origin.hits["/new.png"]) == (1, 1)
    assert new.digest != old and new.source_url.endswith("/new.png")
    assert old not in tag(fresh(bob)) and new.digest in tag(fresh(bob))


def test_an_unchanged_icon_is_not_fetched_again_when_the_actor_is_stored_again(peer, origin, media, eager):
    icon = origin.serve("/bob.png", png())
    with eager():
        remote(peer, icon)
    with eager():
        remote(peer, icon)
    assert origin.hits["/bob.png"] == 1


def failed(peer, origin, eager, path, body, content_type, **kwargs) -> tuple[Actor, ActorAvatar]:
    with eager():
        bob = remote(peer, origin.serve(path, body, content_type, **kwargs))
    return bob, ActorAvatar.objects.get(actor=bob)


@pytest.mark.parametrize("body,content_type,reason", [
    (b"<html><script>alert(1)</script></html>", "text/html", "not a PNG, JPEG, WebP or GIF image"),
    (SVG_WITH_SCRIPT, "image/svg+xml", "not a PNG, JPEG, WebP or GIF image"),
    (b"\0" * (MAX_BYTES + 1), "image/png", f"body larger than {MAX_BYTES} bytes"),
], ids=["html", "svg-with-script", "too-large"])
def test_a_refused_icon_leaves_the_placeholder_and_one_log_line(peer, origin, media, eager, caplog, body,
                                                                 content_type, reason):
    with caplog.at_level(logging.WARNING, logger="federation.avatars"):
        bob, row = failed(peer, origin, eager, "/bad", body, content_type)
    assert (row.digest, row.failure) == ("", reason)
    html = tag(fresh(bob))
    assert "avatar-initials" in html and origin.base not in html
    (line,) = [r.getMessage() for r in caplog.records if r.name == "federation.avatars"]
    assert bob.handle in line and f"{origin.base}/bad" in line and reason in line
    assert not list(media.glob("avatars/*.webp")) if media.exists() else True


def test_an_icon_that_fails_is_not_asked_for_again_before_the_retry_delay(peer, origin, media, eager):
    bob, _ = failed(peer, origin, eager, "/missing.png", b"", "image/png", status=404)
    assert ActorAvatar.objects.get(actor=bob).failure == "HTTP 404"
    for _ in range(3):
        with eager():
            tag(fresh(bob))
    assert origin.hits["/missing.png"] == 1
    ActorAvatar.objects.filter(actor=bob).update(updated_at=timezone.now() - avatars.FAILURE_RETRY - timedelta(1))
    origin.serve("/missing.png", png())
    with eager():
        tag(fresh(bob))
    assert origin.hits["/missing.png"] == 2
    assert "/media/avatars/" in tag(fresh(bob))


@pytest.fixture
def public_origin(monkeypatch, settings):
    """A server on 127.0.0.2 that the guard takes for a public one (as tests/federation/test_http.py does);
    every other address is judged by the production guard."""
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = False
    real_refusal = netguard.refusal
    monkeypatch.setattr(netguard, "refusal", lambda ip, *, allow_private: None if ip == "127.0.0.2" else real_refusal(
        ip, allow_private=allow_private))
    server = ImageOrigin("127.0.0.2")
    yield server
    server.close()


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/inside.png", "http://[::ffff:127.0.0.1]:{port}/inside.png",
                                    "http://169.254.169.254/latest/meta-data/"])
def test_a_redirect_to_a_private_address_is_refused(db, origin, public_origin, media, eager, target):
    inside = origin.serve("/inside.png", png())  # a private server the redirect points at
    moved = public_origin.redirect("/bob.png", target.format(port=origin.port))
    bob = Actor.objects.create(ap_id=f"{public_origin.base}/users/bob", username="bob", domain=public_origin.base[7:],
                               icon_url=moved)
    with eager():
        tag(bob)
    row = ActorAvatar.objects.get(actor=bob)
    assert row.digest == "" and "not a public address" in row.failure
    assert public_origin.hits["/bob.png"] == 1 and origin.hits[inside[len(origin.base):]] == 0


def test_an_icon_on_a_private_address_is_refused_without_a_request(db, origin, media, eager, settings):
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = False
    bob = Actor.objects.create(ap_id="https://remote.example/users/bob", username="bob", domain="remote.example",
                               icon_url=origin.serve("/bob.png", png()))
    with eager():
        tag(bob)
    assert "not a public address" in ActorAvatar.objects.get(actor=bob).failure
    assert origin.hits == {}


def test_local_actors_are_never_fetched(host, origin, media, django_capture_on_commit_callbacks):
    Actor.objects.filter(pk=host.pk).update(icon_url=origin.serve("/alice.png", png()))
    with django_capture_on_commit_callbacks(execute=False) as sent:
        html = tag(fresh(host))
    assert "avatar-initials" in html and sent == [] and not ActorAvatar.objects.exists()


@pytest.mark.parametrize("name", ["0123456789abcdef0123456789abcdef-97.webp", "0123456789abcdef0123456789abcdef-96.png",
                                  "..%2F..%2Fsettings.py", "0123456789abcdef0123456789abcdef-96.webp"])
def test_only_our_thumbnails_are_served(client, media, name):
    assert client.get(f"/media/avatars/{name}").status_code == 404


def test_the_ama_page_never_carries_the_remote_icon_url(peer, origin, media, eager, open_ama, client):
    """A verified remote co-host on the host card: initials first, then our thumbnail, never their icon's URL
    (their profile link and handle name their server, as links; nothing there is loaded by the page)."""
    from ama.models import RemoteHostClaim

    icon = origin.serve("/carol.png", png())
    carol = Actor.objects.create(ap_id=f"{origin.base}/users/carol", username="carol", domain=origin.base[7:],
                                 display_name="Carol Remote", icon_url=icon)
    RemoteHostClaim.objects.create(ama=open_ama, actor=carol, code="x", verified_at=timezone.now())
    with eager():
        first = client.get(f"/amas/{open_ama.slug}").content.decode()
    assert "Carol Remote" in first and icon not in first and f'src="{origin.base}' not in first
    second = client.get(f"/amas/{open_ama.slug}").content.decode()
    digest = ActorAvatar.objects.get(actor=carol).digest
    assert f"/media/avatars/{digest}-" in second and icon not in second and f'src="{origin.base}' not in second
    assert origin.hits["/carol.png"] == 1


def _files(media) -> set[str]:
    return {path.name for path in (media / avatars.AVATAR_DIR).iterdir()}


def test_a_replaced_pictures_files_are_deleted_a_day_later_and_shown_ones_never(peer, origin, media, eager, host):
    with eager():
        bob = remote(peer, origin.serve("/avatars/old.png", png((200, 20, 20))))
    old = ActorAvatar.objects.get(actor=bob).digest
    avatars.avatar_upload(actor=host, data=png((10, 200, 10)))  # a local host's picture: shown, never deleted
    interrupted = media / avatars.AVATAR_DIR / ".incoming-abc123"  # a write cut short
    interrupted.write_bytes(b"half a picture")
    with eager():
        store_remote_actor(peer.actor("bob", extra={"icon": {"type": "Image", "url": origin.serve(
            "/avatars/new.png", png((20, 20, 200)))}}).document())
    new = ActorAvatar.objects.get(actor=bob).digest
    before = _files(media)
    assert {name for name in before if name.startswith(old)}, before  # the old files are still there

    assert avatars.purge_unused() == 0  # not a day old yet: a page cached before the change still names them
    assert _files(media) == before
    deleted = avatars.purge_unused(now=timezone.now() + avatars.UNUSED_KEPT + timedelta(minutes=1))
    after = _files(media)
    assert not {name for name in after if name.startswith(old)} and interrupted.name not in after
    assert deleted == len(before) - len(after) > 0
    assert {name for name in after if name.startswith(new)} and {
        name for name in after if name.startswith(ActorAvatar.objects.get(actor=host).digest)}


def test_purging_with_no_folder_yet_does_nothing(db, media):
    assert avatars.purge_unused() == 0
