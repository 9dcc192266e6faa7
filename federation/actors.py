"""Actors: local ones (keys, documents' URLs), the instance actor, and the cache of remote actors."""

import logging
from datetime import timedelta
from urllib.parse import urldefrag

from django.db import transaction
from django.utils import timezone

from . import avatars, caches, http, webfinger
from .activities import host_of, id_of, text_of, type_of
from .keys import ensure_keys, generate_actor_keys
from .models import Actor
from .safe_urls import http_url
from .urls_helper import absolute, local_domain

log = logging.getLogger(__name__)

KEY_REFRESH_AFTER = timedelta(minutes=10)
ACTOR_REFRESH_AFTER = timedelta(days=1)
LOCAL_PATHS = {Actor.Type.PERSON: "/users/{}", Actor.Type.GROUP: "/c/{}", Actor.Type.APPLICATION: "/actor"}
ACTOR_TYPES = {choice.value for choice in Actor.Type}


class ActorError(Exception):
    """A remote actor or key could not be resolved or did not pass our checks."""


# ---- local actors -------------------------------------------------------------------------------

def local_ap_id(actor_type: str, username: str) -> str:
    return absolute(LOCAL_PATHS[actor_type].format(username))


def create_local_actor(*, username: str, actor_type: str = Actor.Type.PERSON, display_name: str = "",
                       summary: str = "", user=None, manually_approves_followers: bool = False,
                       generate_keys_now: bool = True) -> Actor:
    """Create a local actor. Key generation happens here for management commands and seeds; request
    handlers pass generate_keys_now=False and a task fills the key after commit."""
    ap_id = local_ap_id(actor_type, username)
    actor = Actor.objects.create(
        ap_id=ap_id, is_local=True, actor_type=actor_type, username=username, domain=local_domain(),
        display_name=display_name or username, summary=summary, user=user, url=ap_id,
        inbox=ap_id + "/inbox", outbox=ap_id + "/outbox", followers_url=ap_id + "/followers",
        shared_inbox=absolute("/inbox"), key_id=ap_id + "#main-key",
        manually_approves_followers=manually_approves_followers,
    )
    if generate_keys_now:
        ensure_keys(actor)
    else:
        transaction.on_commit(lambda: generate_actor_keys.delay(actor.pk))
    return actor


def instance_actor() -> Actor:
    """The server's own `Application` actor; it signs every outgoing GET."""
    ap_id = local_ap_id(Actor.Type.APPLICATION, "")
    actor = Actor.objects.filter(ap_id=ap_id).first()
    if actor is None:
        actor, _ = Actor.objects.get_or_create(ap_id=ap_id, defaults=dict(
            is_local=True, actor_type=Actor.Type.APPLICATION, username=local_domain(), domain=local_domain(),
            display_name=local_domain(), url=absolute("/about"), inbox=absolute("/actor/inbox"),
            outbox=absolute("/actor/outbox"), shared_inbox=absolute("/inbox"), key_id=ap_id + "#main-key",
            manually_approves_followers=True))
    return ensure_keys(actor)


def signer_for(actor: Actor) -> http.Signer:
    ensure_keys(actor)
    return http.Signer(key_id=actor.key_id, private_key_pem=actor.private_key_pem)


def fetch(url: str) -> dict:
    """A signed GET as the instance actor; the only way federation code reads remote documents."""
    return http.fetch_json(url, signer=signer_for(instance_actor()))


# ---- remote actors ------------------------------------------------------------------------------

def _public_key_of(document: dict) -> dict:
    keys = document.get("publicKey")
    if isinstance(keys, list):
        keys = next((k for k in keys if isinstance(k, dict)), None)
    return keys if isinstance(keys, dict) else {}


def _check_actor_document(document: dict, expected_id: str | None) -> str:
    ap_id = document.get("id")
    if not isinstance(ap_id, str) or not ap_id.startswith(("https://", "http://")) or len(ap_id) > 500:
        raise ActorError("actor document has no usable id")
    if expected_id and ap_id != expected_id:
        raise ActorError(f"actor document id {ap_id} is not the one asked for ({expected_id})")
    if type_of(document) not in ACTOR_TYPES:
        raise ActorError(f"{ap_id} is a {type_of(document) or 'typeless object'}, not an actor")
    if not isinstance(document.get("inbox"), str):
        raise ActorError(f"{ap_id} has no inbox")
    key = _public_key_of(document)
    if key and (id_of(key.get("owner")) or ap_id) != ap_id:
        raise ActorError(f"{ap_id}'s key is owned by someone else")
    if key.get("id") and host_of(key.get("id")) != host_of(ap_id):
        raise ActorError(f"{ap_id}'s key lives on another host")
    return ap_id


def _fields_from_document(document: dict) -> dict:
    key = _public_key_of(document)
    endpoints = document.get("endpoints") if isinstance(document.get("endpoints"), dict) else {}
    return dict(
        actor_type=type_of(document), username=text_of(document, "preferredUsername")[:200] or "unknown",
        domain=host_of(document["id"]), display_name=text_of(document, "name")[:300],
        summary=text_of(document, "summary")[:5000], url=http_url(document.get("url")) or "",
        icon_url=http_url(document.get("icon")) or "",
        inbox=document["inbox"][:500], shared_inbox=str(endpoints.get("sharedInbox") or "")[:500],
        outbox=str(document.get("outbox") or "")[:500] if isinstance(document.get("outbox"), str) else "",
        followers_url=document.get("followers", "")[:500] if isinstance(document.get("followers"), str) else "",
        key_id=str(key.get("id") or "")[:500], public_key_pem=str(key.get("publicKeyPem") or ""),
        manually_approves_followers=bool(document.get("manuallyApprovesFollowers")),
        raw=document, fetched_at=timezone.now(), gone_at=None,
    )


def store_remote_actor(document: dict, *, expected_id: str | None = None) -> Actor:
    ap_id = _check_actor_document(document, expected_id)
    if host_of(ap_id) == local_domain():
        raise ActorError("a remote document claims to be one of our actors")
    fields = _fields_from_document(document)
    known = Actor.objects.filter(ap_id=ap_id).values("username", "fetched_at", "icon_url").first()
    actor, _ = Actor.objects.update_or_create(ap_id=ap_id, defaults=fields)
    if _handle_to_confirm(known, fields):
        transaction.on_commit(lambda: webfinger.confirm_handle.delay(actor.pk))
    if known is None or known["icon_url"] != actor.icon_url:
        avatars.queue_fetch(actor)
    return actor


def _handle_to_confirm(known: dict | None, fields: dict) -> bool:
    """WebFinger confirms the handle of a new actor, one whose name changed, or one refreshed after a day;
    after commit, by a worker (never in the request that stored it, never on page render)."""
    return known is None or known["username"] != fields["username"] or not known["fetched_at"] or (
        timezone.now() - known["fetched_at"] >= ACTOR_REFRESH_AFTER)


def resolve_actor(ap_id: str, *, refresh: bool = False) -> Actor:
    """The cached actor, fetched (signed, through the safe client) when unknown, stale or asked to."""
    ap_id = urldefrag(ap_id)[0]
    actor = Actor.objects.filter(ap_id=ap_id).first()
    if actor and (actor.is_local or (not refresh and actor.fetched_at
                                     and timezone.now() - actor.fetched_at < ACTOR_REFRESH_AFTER)):
        return actor
    try:
        return store_remote_actor(fetch(ap_id), expected_id=ap_id)
    except http.FetchError as error:
        if actor and not refresh:
            return actor
        raise ActorError(f"could not fetch actor {ap_id}: {error}") from error


def actor_for_key(key_id: str, *, refresh: bool = False) -> Actor:
    """The actor owning key_id: known already, else fetched (always fetched when `refresh`)."""
    return (not refresh and known_key_owner(key_id)) or fetch_key_owner(key_id)


def known_key_owner(key_id: str) -> Actor | None:
    """The actor owning key_id from this process's cache or the database; None if it must be fetched."""
    known = caches.cached_key_owner(key_id) or Actor.objects.filter(key_id=key_id).exclude(
        public_key_pem="").first()
    if known:
        caches.remember_key_owner(key_id, known)
    return known


def fetch_key_owner(key_id: str) -> Actor:
    """Fetch the key's actor and store it. Key ids without a fragment (GoToSocial) resolve through the
    key's owner."""
    document, expected_id = fetch(urldefrag(key_id)[0]), None
    if type_of(document) not in ACTOR_TYPES:
        owner = id_of(document.get("owner"))
        if not owner or host_of(owner) != host_of(key_id):
            raise ActorError(f"key {key_id} names no owner on its own host")
        document, expected_id = fetch(urldefrag(owner)[0]), urldefrag(owner)[0]
    # checked before anything is cached: a key that is not this actor's stores nothing
    if host_of(document.get("id")) != host_of(key_id) or _public_key_of(document).get("id") != key_id:
        raise ActorError(f"key {key_id} is not the key of {str(document.get('id'))[:200]}")
    actor = store_remote_actor(document, expected_id=expected_id)
    caches.remember_key_owner(key_id, actor)
    return actor


def key_is_stale(actor: Actor) -> bool:
    return not actor.fetched_at or timezone.now() - actor.fetched_at > KEY_REFRESH_AFTER


def mark_gone(ap_id: str) -> None:
    Actor.objects.filter(ap_id=ap_id, is_local=False).update(gone_at=timezone.now())
