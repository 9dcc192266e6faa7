"""Generic ActivityPub for local actors: find accounts by WebFinger, follow, post notes, like, delete.

Knows nothing of AMAs. Every write goes through federation.outbox.publish (deliveries on commit), so callers
run these inside (or as) one transaction. A note is stored as its Create activity (id `<note>/activity`) and
served at its own id by federation.social_views; deleting it stores a Delete (id `<note>/delete`)."""

import uuid

from django.db import transaction
from django.utils import timezone

from . import actors, follows, http, outbox
from . import webfinger as wf
from .activities import AS_CONTEXT, PUBLIC, PUBLIC_FORMS, activity, id_of, ids_of, is_public, new_id
from .models import Actor, Follow, OutboxActivity
from .urls_helper import absolute, is_local_url


class SocialError(Exception):
    """The account, object or note asked for cannot be used."""


def _iso(moment=None) -> str:
    return (moment or timezone.now()).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---- finding accounts ------------------------------------------------------------------------------

def split_handle(handle: str) -> tuple[str, str]:
    """(user, domain) of `acct:user@domain`, `@user@domain` or `user@domain`."""
    name = handle.strip()
    name = name[5:] if name.lower().startswith("acct:") else name
    user, _, domain = name.lstrip("@").rpartition("@")
    if not user or not domain:
        raise SocialError(f"{handle!r} is not an account handle (user@domain)")
    return user, domain.lower()


def webfinger_document(user: str, domain: str) -> dict:
    """The JRD for user@domain (federation.webfinger). Raises http.FetchError."""
    return wf.jrd(user, domain)


def webfinger(handle: str) -> str:
    """The actor id a WebFinger lookup gives for a handle."""
    user, domain = split_handle(handle)
    try:
        document = webfinger_document(user, domain)
    except http.FetchError as error:
        raise SocialError(f"WebFinger lookup of {user}@{domain} failed: {error}") from error
    found = wf.self_link(document)
    if found:
        return found
    raise SocialError(f"{user}@{domain} has no ActivityPub actor")


def find_actor(handle_or_id: str) -> Actor:
    """A local or remote actor by handle (WebFinger) or by actor id."""
    target = handle_or_id.strip()
    ap_id = target if target.startswith(("http://", "https://")) else webfinger(target)
    try:
        return actors.resolve_actor(ap_id)
    except (actors.ActorError, http.FetchError) as error:
        raise SocialError(str(error)) from error


def follow(actor: Actor, handle_or_id: str) -> Follow:
    target = find_actor(handle_or_id)
    if target.is_local:
        raise SocialError("following a local account needs no federation")
    return follows.follow_remote(follower=actor, target_ap_id=target.ap_id)


# ---- audiences -----------------------------------------------------------------------------------

def _addressed_actors(actor: Actor, addresses: list[str]) -> list[Actor]:
    """The actors among `to`/`cc` (public and the sender's followers are not actors; collections fail to
    resolve and are skipped)."""
    found = []
    for address in addresses:
        if address in PUBLIC_FORMS or address == actor.followers_url:
            continue
        try:
            found.append(actors.resolve_actor(address))
        except (actors.ActorError, http.FetchError):
            continue
    return found


def author_of(object_id: str) -> str | None:
    """The attributedTo of an object (fetched signed; local notes are read from our outbox)."""
    if is_local_url(object_id):
        stored = OutboxActivity.objects.filter(ap_id=object_id + "/activity").first()
        return id_of(stored.body["object"].get("attributedTo")) if stored else None
    try:
        return id_of(actors.fetch(object_id).get("attributedTo"))
    except http.FetchError:
        return None


def mention_tag(target: Actor) -> dict:
    return {"type": "Mention", "href": target.ap_id, "name": target.handle}


# ---- notes ---------------------------------------------------------------------------------------

def _publish_to(activity_body: dict, *, sender: Actor, addresses: list[str]) -> OutboxActivity:
    return outbox.publish(activity_body, sender=sender, recipients=_addressed_actors(sender, addresses),
                          to_followers=sender.followers_url in addresses, public=is_public(activity_body))


def post_note(actor: Actor, content_html: str, *, in_reply_to: str | None = None, to=None, cc=None,
              tag=None) -> dict:
    """Publish a Create(Note) by a local actor; returns the note. Public by default (to: Public, cc: the
    followers). A reply is also addressed (cc) to the author of what it replies to, as Mastodon does."""
    to = ids_of(to) if to is not None else [PUBLIC]
    cc = ids_of(cc) if cc is not None else [actor.followers_url]
    replied_author = author_of(in_reply_to) if in_reply_to else None
    if replied_author and replied_author not in to + cc and replied_author != actor.ap_id:
        cc.append(replied_author)
    note_id = absolute(f"/notes/{uuid.uuid4()}")
    note = {"@context": AS_CONTEXT, "id": note_id, "type": "Note", "attributedTo": actor.ap_id,
            "content": content_html, "to": to, "cc": cc, "tag": list(tag or []), "published": _iso(),
            "url": note_id, "inReplyTo": in_reply_to}
    create = activity("Create", actor=actor.ap_id, obj=note, to=to, cc=cc, ap_id=note_id + "/activity",
                      published=note["published"])
    with transaction.atomic():
        _publish_to(create, sender=actor, addresses=to + cc)
    return note


def delete_note(actor: Actor, note_id: str) -> dict:
    """Tombstone one of the actor's notes: a Delete to everyone the note went to; its URL answers 410."""
    create = OutboxActivity.objects.filter(ap_id=note_id + "/activity", actor=actor,
                                           activity_type="Create").first()
    if create is None:
        raise SocialError(f"{note_id} is not a note of {actor.handle}")
    note = create.body["object"]
    addresses = ids_of(note.get("to")) + ids_of(note.get("cc"))
    tombstone = {"id": note_id, "type": "Tombstone", "formerType": "Note", "deleted": _iso()}
    delete = activity("Delete", actor=actor.ap_id, obj=tombstone, to=[PUBLIC],
                      cc=[a for a in addresses if a not in PUBLIC_FORMS], ap_id=note_id + "/delete")
    with transaction.atomic():
        _publish_to(delete, sender=actor, addresses=addresses)
    return delete


# ---- likes ---------------------------------------------------------------------------------------

def like(actor: Actor, object_id: str, *, notify=()) -> dict:
    """Like an object: delivered to its author and to the actors in `notify` (ids or handles)."""
    addressed = [author_of(object_id)] + [find_actor(target).ap_id for target in notify]
    to = [ap_id for ap_id in dict.fromkeys(addressed) if ap_id and ap_id != actor.ap_id]
    body = activity("Like", actor=actor.ap_id, obj=object_id, to=to, ap_id=new_id(), published=_iso())
    with transaction.atomic():
        outbox.publish(body, sender=actor, recipients=_addressed_actors(actor, to), public=False)
    return body


def undo_like(actor: Actor, object_id: str) -> dict:
    """Undo the actor's latest Like of `object_id`, sent to whoever received the Like."""
    liked = OutboxActivity.objects.filter(actor=actor, activity_type="Like", body__object=object_id).order_by(
        "-created_at", "-pk").first()
    if liked is None:
        raise SocialError(f"{actor.handle} has not liked {object_id}")
    undo = activity("Undo", actor=actor.ap_id, obj=liked.body, to=liked.body.get("to", []))
    with transaction.atomic():
        outbox.publish(undo, sender=actor, recipients=_addressed_actors(actor, undo["to"]), public=False)
    return undo
