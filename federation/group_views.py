"""Endpoints of local `Group` actors (FEP-1b12 communities, as Lemmy, Mbin and PieFed expect them) at
/c/<name>: actor, inbox, outbox, followers, moderators, featured, and objects the group holds.

Generic: nothing here knows what a group is about. The app that owns groups supplies their content once,
at start, through `provide(...)`; until then a group is an empty community."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from . import handle_aliases
from .activities import AS_CONTEXT
from .actors import ensure_keys
from .documents import actor_document
from .models import Actor, Follow, OutboxActivity
from .negotiation import activity_response, json_response, negotiated, wants_activity_json
from .views import collection_response, inbox_endpoint, receive_response

OUTBOX_SIZE = 50


@dataclass
class GroupContent:
    """Callables taking the group Actor: extra actor properties, moderator ids, featured objects, the
    outbox items, and one object by its key (None: no such object)."""

    extra: Callable[[Actor], dict] = lambda group: {}
    moderators: Callable[[Actor], list[str]] = lambda group: []
    featured: Callable[[Actor], list[dict]] = lambda group: []
    outbox: Callable[[Actor], list[dict]] | None = None
    object: Callable[[Actor, str], dict | None] = lambda group, key: None


content = GroupContent()


def provide(**hooks) -> None:
    for name, hook in hooks.items():
        if not hasattr(content, name):
            raise TypeError(f"unknown group hook {name!r}")
        setattr(content, name, hook)


def _group(username: str) -> Actor:
    return get_object_or_404(Actor, is_local=True, actor_type=Actor.Type.GROUP, username=username)


def group_document(group: Actor) -> dict:
    moderators = group.ap_id + "/moderators"
    extra = {"attributedTo": moderators, "moderators": moderators, "postingRestrictedToMods": True,
             "featured": group.ap_id + "/featured", "sensitive": False}
    extra.update(content.extra(group))
    return actor_document(ensure_keys(group), extra=extra)


def _html(request, group: Actor):
    if group.url and group.url != group.ap_id:
        return redirect(group.url)
    return render(request, "federation/actor.html", {"actor": group})


@require_GET
def group_view(request, username):
    group = Actor.objects.filter(is_local=True, actor_type=Actor.Type.GROUP, username=username).first()
    if group is None:
        return _to_the_named_group(username)
    return negotiated(request, lambda: group_document(group), lambda: _html(request, group))


def _to_the_named_group(name: str):
    """/c/<another name of a group> (handle_aliases: the one WebFinger answers for it too) is that group's
    address: a permanent redirect to its own /c/<username>, for a page and an ActivityPub fetch alike (the
    document fetched there names itself by its own id). A name a local actor really has is never redirected."""
    if Actor.objects.filter(is_local=True, username=name).exists():
        raise Http404("no such community")
    target = handle_aliases.aliases.actor_named(name)
    if target is None or not target.is_local or target.actor_type != Actor.Type.GROUP:
        raise Http404("no such community")
    return redirect(reverse("group", args=[target.username]), permanent=True)


@inbox_endpoint
def group_inbox(request, username):
    _group(username)
    return receive_response(request, request.path)


def _collection(collection_id: str, items: list, *, ordered: bool = True) -> dict:
    """Unpaged, items inline: the shape Lemmy's deserializer reads for community collections."""
    key, kind = ("orderedItems", "OrderedCollection") if ordered else ("items", "Collection")
    return {"@context": AS_CONTEXT, "id": collection_id, "type": kind, "totalItems": len(items), key: items}


def _stored_outbox(group: Actor) -> list[dict]:
    rows = OutboxActivity.objects.filter(actor=group, public=True, activity_type="Announce")
    return [row.body for row in rows.order_by("-created_at", "-pk")[:OUTBOX_SIZE]]


@require_GET
def group_outbox(request, username):
    group = _group(username)
    items = (content.outbox or _stored_outbox)(group)[:OUTBOX_SIZE]
    return collection_response(request, _collection(group.outbox, items), group)


@require_GET
def group_followers(request, username):
    """Only the count, as Lemmy publishes it: who follows a community is not public."""
    group = _group(username)
    count = Follow.objects.filter(followed=group, state=Follow.State.ACCEPTED).count()
    document = _collection(group.followers_url, [], ordered=False)
    document["totalItems"] = count
    return collection_response(request, document, group)


@require_GET
def group_following(request, username):
    """A community follows no one."""
    group = _group(username)
    return collection_response(request, _collection(group.ap_id + "/following", []), group)


@require_GET
def group_moderators(request, username):
    group = _group(username)
    return collection_response(request, _collection(group.ap_id + "/moderators", content.moderators(group)), group)


@require_GET
def group_featured(request, username):
    group = _group(username)
    return collection_response(request, _collection(group.ap_id + "/featured", content.featured(group)), group)


@require_GET
def group_object(request, username, key):
    group = _group(username)
    document = content.object(group, key)
    if document is None:
        return json_response({"error": "no such object"}, status=404)
    if not wants_activity_json(request):
        return redirect(document.get("url") or group.url or group.ap_id)
    return activity_response(document, status=410 if document.get("type") == "Tombstone" else 200)
