"""What the AMA's Group endpoints serve (federation.group_views' hooks, installed by AmaConfig.ready): the
Group's extra fields, moderators, featured Page, outbox and the Page at its id."""

from federation import group_views, handle_aliases
from federation.activities import id_of
from federation.models import Actor, OutboxActivity

from ..models import Ama, Answer, Question
from .group import (
    PAGE_KEY,
    clean_names_of,
    group_by_clean_name,
    group_extra,
    moderators,
    page_document,
    page_tombstone,
)


def install_group_content() -> None:
    group_views.provide(extra=_extra, moderators=_moderator_ids, featured=_featured, outbox=_outbox,
                        object=_object)
    handle_aliases.provide(actor_named=group_by_clean_name, names_of=clean_names_of)


def _ama_of(group: Actor) -> Ama | None:
    return Ama.objects.filter(group=group).select_related("host").first()


def _extra(group: Actor) -> dict:
    ama = _ama_of(group)
    return group_extra(ama) if ama else {}


def _moderator_ids(group: Actor) -> list[str]:
    ama = _ama_of(group)
    return [actor.ap_id for actor in moderators(ama)] if ama else []


def _featured(group: Actor) -> list[dict]:
    ama = _ama_of(group)
    if ama is None or ama.deleted_at or not ama.published_at:
        return []
    return [page_document(ama)]


def _moderated_set(ama: Ama) -> set[str]:
    shown = Question.objects.shown().filter(ama=ama)
    answers = Answer.objects.filter(question__in=shown, deleted_at__isnull=True).values_list("ap_id", flat=True)
    return {ama.page_ap_id, *shown.values_list("ap_id", flat=True), *answers}


def _outbox(group: Actor) -> list[dict]:
    """The Group's Announces of what is still in the moderated thread: the Page, approved questions and
    answers, the Lock (votes and removals are delivered, not listed)."""
    ama = _ama_of(group)
    if ama is None or ama.deleted_at:
        return []
    visible = _moderated_set(ama)
    rows = OutboxActivity.objects.filter(actor=group, public=True, activity_type="Announce")
    items = []
    for row in rows.order_by("-created_at", "-pk")[:500]:
        inner = row.body.get("object") if isinstance(row.body.get("object"), dict) else {}
        kind, target = inner.get("type"), id_of(inner.get("object"))
        if (kind == "Create" and target in visible) or kind == "Lock":
            items.append(row.body)
    return items


def _object(group: Actor, key: str) -> dict | None:
    ama = _ama_of(group)
    if ama is None:
        return None
    if key != PAGE_KEY:
        return None
    return page_tombstone(ama) if ama.deleted_at else (page_document(ama) if ama.published_at else None)
