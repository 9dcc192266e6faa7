"""AS2 documents for local actors and paged collections."""

from django.core.paginator import Paginator

from .activities import AS_CONTEXT, SECURITY_CONTEXT
from .models import Actor
from .urls_helper import absolute, local_domain

PAGE_SIZE = 20
EXTRA_CONTEXT = {
    "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
    "toot": "http://joinmastodon.org/ns#",
    "discoverable": "toot:discoverable",
    "indexable": "toot:indexable",
    "featured": {"@id": "toot:featured", "@type": "@id"},
    "lemmy": "https://join-lemmy.org/ns#",
    "postingRestrictedToMods": "lemmy:postingRestrictedToMods",
    "moderators": {"@id": "lemmy:moderators", "@type": "@id"},
    "sensitive": "as:sensitive",
    "sc": "http://schema.org/",
    "language": "sc:inLanguage",
    "identifier": "sc:identifier",
    "PropertyValue": "sc:PropertyValue",
    "value": "sc:value",
    "webfinger": "https://purl.archive.org/socialweb/webfinger#webfinger",
}


def actor_document(actor: Actor, *, extra: dict | None = None) -> dict:
    document = {
        "@context": [AS_CONTEXT, SECURITY_CONTEXT, EXTRA_CONTEXT],
        "id": actor.ap_id,
        "type": actor.actor_type,
        "preferredUsername": actor.username,
        "name": actor.display_name or actor.username,
        "summary": actor.summary,
        "url": actor.url or actor.ap_id,
        "inbox": actor.inbox,
        "outbox": actor.outbox,
        "followers": actor.followers_url,
        "following": actor.ap_id + "/following",
        "featured": actor.ap_id + "/featured",
        "endpoints": {"sharedInbox": absolute("/inbox")},
        "manuallyApprovesFollowers": actor.manually_approves_followers,
        "discoverable": True,
        "indexable": True,
        "published": actor.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "webfinger": f"{actor.username}@{local_domain()}",
    }
    fields = actor.raw.get("attachment") if actor.is_local and isinstance(actor.raw, dict) else None
    if fields:  # the host's profile links (ama.services.host_profile), PropertyValues as Mastodon sends them
        document["attachment"] = fields
    if actor.icon_url:
        document["icon"] = {"type": "Image", "url": actor.icon_url}
    if actor.public_key_pem:
        document["publicKey"] = {"id": actor.key_id, "owner": actor.ap_id, "publicKeyPem": actor.public_key_pem}
    document.update(extra or {})
    return document


def ordered_collection(collection_id: str, queryset, render, *, page: str | None,
                       page_size: int = PAGE_SIZE) -> dict:
    """An OrderedCollection; with `page` set, one OrderedCollectionPage of it (pages start at 1)."""
    paginator = Paginator(queryset, page_size)
    if page is None:
        document = {"@context": AS_CONTEXT, "id": collection_id, "type": "OrderedCollection",
                    "totalItems": paginator.count}
        if paginator.count:
            document["first"] = f"{collection_id}?page=1"
            document["last"] = f"{collection_id}?page={paginator.num_pages}"
        return document
    number = _page_number(page, paginator.num_pages)
    current = paginator.page(number)
    document = {
        "@context": AS_CONTEXT, "id": f"{collection_id}?page={number}", "type": "OrderedCollectionPage",
        "partOf": collection_id, "totalItems": paginator.count,
        "orderedItems": [render(item) for item in current.object_list],
    }
    if current.has_next():
        document["next"] = f"{collection_id}?page={number + 1}"
    if current.has_previous():
        document["prev"] = f"{collection_id}?page={number - 1}"
    return document


def _page_number(page: str, last: int) -> int:
    try:
        number = int(page)
    except (TypeError, ValueError):
        number = 1
    return min(max(number, 1), max(last, 1))
