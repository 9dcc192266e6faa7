"""The "ask / vote from your own account" boxes: find the visitor's server by WebFinger and the page where it
lets them reply to (or like) an object.

Preference for a reply: FEP-3b86 intents (Create with inReplyTo, else Object); for a like: the FEP-3b86 Like
intent; then, for both, the OStatus subscribe template, else Mastodon's /authorize_interaction?uri=.
Every request goes through federation's guarded client."""

import logging
import re
from urllib.parse import quote, urlencode

from django.conf import settings
from django.utils.translation import gettext as _

from federation import http, social

HANDLE = re.compile(r"^@?([^@\s/:]+)@([a-z0-9.-]+(?::\d{1,5})?)$", re.IGNORECASE)
INTENT_CREATE = "https://w3id.org/fep/3b86/Create"
INTENT_OBJECT = "https://w3id.org/fep/3b86/Object"
INTENT_LIKE = "https://w3id.org/fep/3b86/Like"
REPLY, LIKE = "reply", "like"
OSTATUS_SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"
log = logging.getLogger(__name__)


class InteractionError(Exception):
    """The handle is malformed or its server could not be asked; the message is for the visitor."""


def parse_handle(handle: str) -> tuple[str, str]:
    match = HANDLE.match((handle or "").strip().removeprefix("acct:"))
    if not match:
        raise InteractionError(_("Type your handle as name@server, for example alex@mastodon.social."))
    return match.group(1), match.group(2).lower()


def webfinger(username: str, domain: str) -> dict:
    try:
        return social.webfinger_document(username, domain)
    except http.FetchError as error:
        # why stays in our log: shown to anyone who types a handle, it would say what any name resolves to
        log.info("handle box: WebFinger for %s@%s failed: %s", username[:100], domain, error.reason)
        raise InteractionError(_("Your server %(domain)s could not be reached.") % {"domain": domain}) from error


def _template(links, rel: str) -> str:
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == rel and isinstance(link.get("template"), str):
            return link["template"]
    return ""


def _fill(template: str, **values: str) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", quote(value, safe=""))
    return template


def _intent_url(links, object_url: str, action: str) -> str:
    """The FEP-3b86 intent page for `action` ("" when the server offers none)."""
    if action == LIKE:
        template = _template(links, INTENT_LIKE)
        return _fill(template, object=object_url, uri=object_url) if template else ""
    if template := _template(links, INTENT_CREATE):
        return _fill(template, inReplyTo=object_url, uri=object_url)
    if template := _template(links, INTENT_OBJECT):
        return _fill(template, object=object_url, uri=object_url)
    return ""


def url_from_jrd(jrd: dict, domain: str, object_url: str, action: str = REPLY) -> str:
    links = jrd.get("links")
    if intent := _intent_url(links, object_url, action):
        return intent
    if template := _template(links, OSTATUS_SUBSCRIBE):
        return _fill(template, uri=object_url)
    scheme = "https" if settings.FEDIAMA_SCHEME == "https" else "http"
    return f"{scheme}://{domain}/authorize_interaction?" + urlencode({"uri": object_url})


def interaction_url(handle: str, object_url: str, action: str = REPLY) -> str:
    """Where to send the visitor so their own server opens `object_url` for a reply (or a like: `action=LIKE`)."""
    username, domain = parse_handle(handle)
    target = url_from_jrd(webfinger(username, domain), domain, object_url, action)
    if not target.startswith(("https://", "http://")):
        raise InteractionError(_("Your server %(domain)s gave an unusable address.") % {"domain": domain})
    return target
