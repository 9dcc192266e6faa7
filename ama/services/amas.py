"""AMA sessions: create, edit, publish, open, close, delete, and the schedule's state changes."""

from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from federation.models import Actor

from .. import audit, live
from ..activitypub import ids
from ..activitypub import publish as ap
from ..activitypub.group import group_actor_create
from ..models import Ama
from ..text import render_markdown
from .errors import ServiceError
from .placements import placements_publish
from .votes import ama_votes_recount

EDITABLE = {"title", "intro", "language", "opens_at", "closes_at", "moderation_mode", "rate_limit_per_hour",
            "max_question_length", "allow_downvotes", "review_edits", "show_late_questions", "hold_first_question",
            "archive_after_days"}


def _unique_slug(title: str) -> str:
    base = slugify(title)[:60] or "ama"
    slug, n = base, 2
    while Ama.objects.filter(slug=slug).exists():
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_times(opens_at, closes_at) -> None:
    if closes_at <= opens_at:
        raise ServiceError(_("an AMA must close after it opens (closes_at after opens_at)"))


def ama_create(*, host: Actor, title: str, opens_at, closes_at, intro: str = "", language: str = "en",
               cohosts=(), created_by=None, publish: bool = False, slug: str = "", **settings) -> Ama:
    unknown = set(settings) - EDITABLE
    if unknown:
        raise ServiceError(f"unknown settings: {', '.join(sorted(unknown))}")
    if not title.strip():
        raise ServiceError(_("an AMA needs a title"))
    _check_times(opens_at, closes_at)
    with transaction.atomic():
        ama = Ama.objects.create(host=host, title=title.strip(), intro=intro, intro_html=render_markdown(intro),
                                 language=language or "en", opens_at=opens_at, closes_at=closes_at,
                                 created_by=created_by, slug=slug or _unique_slug(title), **settings)
        ama.ap_id = ids.ama_id(ama)
        group_actor_create(ama)
        ama.save(update_fields=["ap_id", "group", "page_ap_id"])
        ama.cohosts.set(cohosts)
        audit.record(user=created_by, action="ama.create", ama=ama, target=ama.ap_id)
        if publish:
            ama_publish(ama=ama, by_user=created_by)
    return ama


def ama_publish(*, ama: Ama, by_user=None) -> Ama:
    """Draft → scheduled or live (by its times); sends the announcement Note to the host's followers."""
    if ama.state != Ama.State.DRAFT:
        raise ServiceError(_("this AMA is already published"))
    with transaction.atomic():
        ama.state = Ama.State.SCHEDULED
        ama.state = ama.state_for(timezone.now())
        ama.published_at = timezone.now()
        ama.save(update_fields=["state", "published_at"])
        ap.send_ama_created(ama)
        placements_publish(ama=ama)
        live.ama_changed(ama, Ama.State.DRAFT)
        audit.record(user=by_user, action="ama.publish", ama=ama, public=True)
    return ama


def ama_update(*, ama: Ama, by_user=None, **fields) -> Ama:
    unknown = set(fields) - EDITABLE
    if unknown:
        raise ServiceError(f"these fields cannot be edited: {', '.join(sorted(unknown))}")
    _check_times(fields.get("opens_at", ama.opens_at), fields.get("closes_at", ama.closes_at))
    with transaction.atomic():
        before, was_state = {name: str(getattr(ama, name)) for name in fields}, ama.state
        for name, value in fields.items():
            setattr(ama, name, value)
        ama.intro_html = render_markdown(ama.intro)
        if ama.state != Ama.State.DRAFT:
            ama.state = ama.state_for(timezone.now())
            ama.updated_at = timezone.now()
            ap.send_ama_updated(ama)
        ama.save()
        if "allow_downvotes" in fields and before["allow_downvotes"] != str(ama.allow_downvotes):
            ama_votes_recount(ama=ama)
        live.ama_changed(ama, was_state)
        audit.record(user=by_user, action="ama.update", ama=ama, before=before,
                     after={name: str(value) for name, value in fields.items()})
    return ama


def ama_open(*, ama: Ama, by_user=None) -> Ama:
    """Open now: live from this moment (publishing it first if it was a draft)."""
    now = timezone.now()
    if ama.state == Ama.State.DRAFT:
        ama.opens_at = min(ama.opens_at, now)
        ama.closes_at = max(ama.closes_at, now + timezone.timedelta(hours=1))
        ama.save(update_fields=["opens_at", "closes_at"])
        return ama_publish(ama=ama, by_user=by_user)
    fields = {"opens_at": min(ama.opens_at, now)}
    if ama.closes_at <= now:
        fields["closes_at"] = now + timezone.timedelta(hours=1)
    return ama_update(ama=ama, by_user=by_user, **fields)


def ama_close(*, ama: Ama, by_user=None) -> Ama:
    """Close now: the AMA ends and its reply policy closes (federated as an Update)."""
    if ama.state in (Ama.State.DRAFT, Ama.State.ENDED, Ama.State.ARCHIVED):
        raise ServiceError(_("a %(state)s AMA cannot be closed") % {"state": ama.get_state_display()})
    now = timezone.now()
    return ama_update(ama=ama, by_user=by_user, opens_at=min(ama.opens_at, now), closes_at=now)


def ama_delete(*, ama: Ama, by_user=None) -> Ama:
    """Delete: the URL answers 410 with a Tombstone and a Delete goes to the followers."""
    with transaction.atomic():
        ama.deleted_at = timezone.now()
        ama.save(update_fields=["deleted_at"])
        if ama.published_at:
            ap.send_ama_deleted(ama)
            live.publish(ama, "ama_deleted")
        audit.record(user=by_user, action="ama.delete", ama=ama, public=True)
    return ama


def ama_advance_states(*, now=None) -> int:
    """Beat: move each published AMA to the state its schedule says; closing federates the closed policy."""
    now = now or timezone.now()
    changed = 0
    for ama in Ama.objects.exclude(state=Ama.State.DRAFT).filter(deleted_at__isnull=True).exclude(
            state=Ama.State.ARCHIVED):
        target = ama.state_for(now)
        if target != ama.state:
            with transaction.atomic():
                was_open, was_state = ama.is_open, ama.state
                Ama.objects.filter(pk=ama.pk, state=ama.state).update(state=target)
                ama.state = target
                if was_open and not ama.is_open:
                    ama.updated_at = now
                    Ama.objects.filter(pk=ama.pk).update(updated_at=now)
                    ap.send_ama_updated(ama)
                live.ama_changed(ama, was_state)
            changed += 1
    return changed
