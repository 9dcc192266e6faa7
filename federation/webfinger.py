"""WebFinger as a client: the JRD of user@domain, its self link, and the reverse lookup that confirms a
remote actor's handle (what Mastodon does): a server may give handles on a domain (`example`) other than
the one serving its actors (`web.example`). Every request goes through the one safe client (federation.http)."""

import logging
from urllib.parse import quote

from celery import shared_task
from django.conf import settings

from . import http
from .models import Actor

log = logging.getLogger(__name__)


def jrd(user: str, domain: str) -> dict:
    """The JRD for user@domain, fetched with this server's scheme (https in production, http in development
    so loopback instances find each other). Raises http.FetchError."""
    resource = quote(f"acct:{user}@{domain}", safe=":@")
    return http.fetch_jrd(f"{settings.FEDIAMA_SCHEME}://{domain}/.well-known/webfinger?resource={resource}")


def self_link(document: dict) -> str | None:
    """The ActivityPub actor id a JRD names (its first `self` link of a JSON type)."""
    links = document.get("links") if isinstance(document.get("links"), list) else []
    for link in links:
        if isinstance(link, dict) and link.get("rel") == "self" and "json" in str(link.get("type", "")):
            if isinstance(link.get("href"), str):
                return link["href"]
    return None


def subject_of(document: dict) -> tuple[str, str] | None:
    """(user, domain) of an `acct:` subject; None when there is none."""
    subject = document.get("subject")
    if not isinstance(subject, str) or not subject.lower().startswith("acct:"):
        return None
    user, _, domain = subject[5:].lstrip("@").rpartition("@")
    return (user, domain.lower()) if user and domain else None


def confirmed_handle_domain(ap_id: str, username: str, id_domain: str) -> str:
    """The domain of the actor's handle: WebFinger acct:username@id_domain; when its subject names another
    domain, that domain only if WebFinger there names this very actor (a lying subject is ignored). Falls
    back to id_domain when anything fails."""
    try:
        found = subject_of(jrd(username, id_domain))
        if found is None or found[1] == id_domain.lower():
            return id_domain
        user, domain = found
        if user.lower() == username.lower() and self_link(jrd(user, domain)) == ap_id:
            return domain
        log.info("WebFinger of %s names %s@%s, which does not point back to it", ap_id, user, domain)
    except http.FetchError as error:
        log.info("WebFinger for %s@%s failed (%s): its handle stays on %s", username, id_domain, error.reason,
                 id_domain)
    return id_domain


@shared_task(name="federation.tasks.confirm_actor_handle")  # beside its code, as keys.generate_actor_keys
def confirm_handle(actor_id: int) -> None:
    """Store the remote actor's confirmed handle domain ("" when it is the host of its id)."""
    actor = Actor.objects.filter(pk=actor_id, is_local=False).first()
    if actor is None:
        return
    confirmed = confirmed_handle_domain(actor.ap_id, actor.username, actor.domain)
    Actor.objects.filter(pk=actor.pk).update(handle_domain="" if confirmed == actor.domain else confirmed)
