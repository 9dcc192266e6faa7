"""Actors' avatars, served from our origin only: a local actor's upload, a remote actor's icon fetched once.

The only writer of ActorAvatar rows and of the files under MEDIA_ROOT/avatars/. Files are named by the digest of
their content (`<digest>-<size>.webp`), so they are served with a year's immutable cache and a new picture gets
new URLs. A visitor's browser never contacts the server an icon came from: pages show our thumbnail or, until one
exists, the placeholder (ama/templatetags/avatars.py).
"""

import logging
import os
import tempfile
from datetime import timedelta
from pathlib import Path

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from . import http
from .avatar_images import MAX_BYTES, SIZES, BadImage, Thumbnails, thumbnails
from .models import Actor, ActorAvatar

log = logging.getLogger(__name__)
AVATAR_DIR = "avatars"
FAILURE_RETRY = timedelta(days=1)  # a failed icon is not asked for again before this (no refetch storm)
QUEUED_RETRY = timedelta(hours=1)  # a fetch queued longer ago than this (a lost message) may be queued again
SEND_RETRY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
IMAGE_ACCEPT = "image/webp, image/png, image/jpeg, image/gif;q=0.9"
# Sent after commit with `actor_id` when what pages show for an actor changed (a new picture, or back to the
# placeholder): whoever caches pages showing actors (ama) renders them again.
avatar_changed = Signal()


# ---- files ---------------------------------------------------------------------------------------

def file_name(digest: str, size: int) -> str:
    return f"{digest}-{size}.webp"


def directory() -> Path:
    return Path(settings.MEDIA_ROOT) / AVATAR_DIR


def _write(thumbs: Thumbnails) -> None:
    """Each thumbnail written once, atomically (a reader never sees half a file)."""
    folder = directory()
    folder.mkdir(parents=True, exist_ok=True)
    for size, data in thumbs.files.items():
        target = folder / file_name(thumbs.digest, size)
        if target.exists():
            continue
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=".incoming-")
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)


def url_of(digest: str, size: int) -> str:
    return f"{settings.MEDIA_URL}{AVATAR_DIR}/{file_name(digest, size)}"


def thumbnail_size_for(css_pixels: int) -> int:
    """The smallest thumbnail sharp on a 2x screen at this displayed size, else the largest."""
    return next((size for size in SIZES if size >= 2 * css_pixels), max(SIZES))


# ---- reads ---------------------------------------------------------------------------------------

def _row(actor: Actor) -> ActorAvatar | None:
    try:
        return actor.avatar
    except ActorAvatar.DoesNotExist:
        return None


def shown_digest(actor: Actor) -> str:
    """The digest of the thumbnails to show for this actor, "" for the placeholder."""
    row = _row(actor)
    if row is None or not row.digest:
        return ""
    return row.digest if row.uploaded or row.source_url == actor.icon_url else ""


def needs_fetch(actor: Actor) -> bool:
    """A remote actor whose icon we have not fetched (or not since it changed), nor tried lately."""
    if actor.is_local or not actor.icon_url:
        return False
    row, now = _row(actor), timezone.now()
    if row is None:
        return True
    if row.queued_at and row.queued_at > now - QUEUED_RETRY:
        return False
    if row.source_url != actor.icon_url:
        return True
    return not row.digest and row.updated_at < now - FAILURE_RETRY


# ---- writes --------------------------------------------------------------------------------------

def avatar_upload(*, actor: Actor, data: bytes) -> ActorAvatar:
    """A local actor's new avatar from uploaded bytes; BadImage (nothing stored) when they are not one we accept.

    The actor's icon_url becomes the large thumbnail's absolute URL, so its ActivityPub document shows it.
    """
    if not actor.is_local:
        raise ValueError("only a local actor uploads an avatar")
    thumbs = thumbnails(data)
    _write(thumbs)
    with transaction.atomic():
        row, _ = ActorAvatar.objects.update_or_create(actor=actor, defaults=dict(
            digest=thumbs.digest, uploaded=True, source_url="", failure="", queued_at=None,
            updated_at=timezone.now()))
        actor.icon_url = f"{settings.FEDIAMA_SCHEME}://{settings.FEDIAMA_DOMAIN}{url_of(thumbs.digest, max(SIZES))}"
        actor.save(update_fields=["icon_url"])
        _announce(actor.pk)
    return row


def avatar_remove(*, actor: Actor) -> None:
    """A local actor goes back to the placeholder."""
    with transaction.atomic():
        ActorAvatar.objects.filter(actor=actor, uploaded=True).delete()
        if actor.is_local:
            actor.icon_url = ""
            actor.save(update_fields=["icon_url"])
        _announce(actor.pk)


def _announce(actor_id: int) -> None:
    transaction.on_commit(lambda: avatar_changed.send(sender=ActorAvatar, actor_id=actor_id))


def queue_fetch(actor: Actor) -> bool:
    """Queue one fetch of a remote actor's icon (after commit) unless one is queued already; True if queued."""
    if not needs_fetch(actor):
        return False
    now = timezone.now()
    row, created = ActorAvatar.objects.get_or_create(actor=actor, defaults={"queued_at": now})
    if not created:
        claimed = ActorAvatar.objects.filter(pk=row.pk).filter(
            Q(queued_at__isnull=True) | Q(queued_at__lte=now - QUEUED_RETRY)).update(queued_at=now)
        if not claimed:
            return False
    row.queued_at = now
    actor.avatar = row
    actor_id = actor.pk
    transaction.on_commit(lambda: _send(actor_id))
    return True


def queue_refetch(actor: Actor) -> bool:
    """An operator's retry: the icon is fetched again now, whatever happened last time (the placeholder shows
    until it arrives)."""
    ActorAvatar.objects.filter(actor=actor, uploaded=False).update(source_url="", queued_at=None)
    return queue_fetch(Actor.objects.select_related("avatar").get(pk=actor.pk))


def _send(actor_id: int) -> None:
    """Send the fetch; a broker down is logged, and a page showing the actor queues it again after QUEUED_RETRY."""
    try:
        fetch_avatar.apply_async(args=(actor_id,), retry=True, retry_policy=SEND_RETRY)
    except (BrokerError, OSError) as error:
        log.warning("broker unavailable, avatar fetch of actor %s not queued (asked again after %s): %s",
                    actor_id, QUEUED_RETRY, error)


def _fetched(url: str) -> Thumbnails:
    return thumbnails(http.fetch_bytes(url, accept=IMAGE_ACCEPT, limit=MAX_BYTES))


def avatar_fetch(actor_id: int) -> str:
    """Fetch a remote actor's icon once through the guarded client, keep our thumbnails or the failure.

    Safe to run twice. Returns "fetched", "failed" or "skipped"."""
    actor = Actor.objects.filter(pk=actor_id, is_local=False).first()
    if actor is None or not actor.icon_url:
        ActorAvatar.objects.filter(actor_id=actor_id, uploaded=False).update(queued_at=None)
        return "skipped"
    url, had_picture = actor.icon_url, ActorAvatar.objects.filter(actor=actor).exclude(digest="").exists()
    try:
        thumbs = _fetched(url)
    except (http.FetchError, BadImage) as error:
        reason = error.reason[:200]
        log.warning("avatar of %s not fetched from %s: %s (placeholder shown; tried again after %g h)",
                    actor.handle, url, reason, FAILURE_RETRY.total_seconds() / 3600)
        _keep(actor, url, digest="", failure=reason, changed=had_picture)
        return "failed"
    _write(thumbs)
    _keep(actor, url, digest=thumbs.digest, failure="", changed=True)
    return "fetched"


def _keep(actor: Actor, url: str, *, digest: str, failure: str, changed: bool) -> None:
    with transaction.atomic():
        ActorAvatar.objects.update_or_create(actor=actor, defaults=dict(
            digest=digest, uploaded=False, source_url=url, failure=failure, queued_at=None,
            updated_at=timezone.now()))
        if changed:
            _announce(actor.pk)


# ---- files no row shows --------------------------------------------------------------------------

UNUSED_KEPT = timedelta(days=1)  # a replaced picture's files outlive it this long: pages and proxies that still
# name them (a cached page, stale-while-revalidate) keep showing it until they render again


def purge_unused(*, now=None) -> int:
    """Delete the thumbnails of pictures no actor shows any more (replaced, removed, an icon that changed) and
    temporary files left by an interrupted write, once they are UNUSED_KEPT old: the folder does not grow with
    every new picture. A file written for a row not yet committed is younger than that, so it stays. Returns
    how many files were deleted."""
    folder = directory()
    if not folder.is_dir():
        return 0
    cutoff = ((now or timezone.now()) - UNUSED_KEPT).timestamp()
    shown = set(ActorAvatar.objects.exclude(digest="").values_list("digest", flat=True))
    deleted = 0
    for path in folder.iterdir():
        digest = path.name.split("-", 1)[0] if not path.name.startswith(".incoming-") else ""
        if digest in shown or not path.is_file():
            continue
        try:
            if path.stat().st_mtime < cutoff:
                path.unlink()
                deleted += 1
        except FileNotFoundError:
            continue  # another sweep took it
    if deleted:
        log.info("deleted %d avatar files no actor shows any more", deleted)
    return deleted


@shared_task(name="federation.tasks.purge_unused_avatars")
def purge_unused_avatars() -> int:
    return purge_unused()


@shared_task(name="federation.tasks.fetch_avatar")
def fetch_avatar(actor_id: int) -> str:
    return avatar_fetch(actor_id)
