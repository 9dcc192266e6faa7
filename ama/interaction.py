"""The "ask from your own account" box: find the visitor's server by WebFinger and the page where it lets them reply.

Preference: FEP-3b86 intents (Create with inReplyTo, else Object), else the OStatus subscribe template,
else Mastodon's /authorize_interaction?uri=. Every request goes through federation's guarded client."""

import re
from urllib.parse import quote, urlencode, urljoin

from django.conf import settings
from django.utils.translation import gettext as _

from federation import http, strictjson

HANDLE = re.compile(r"^@?([^@\s/:]+)@([a-z0-9.-]+(?::\d{1,5})?)$", re.IGNORECASE)
JRD_ACCEPT = "application/jrd+json, application/json;q=0.9"
JRD_MAX_BYTES = 64 * 1024
INTENT_CREATE = "https://w3id.org/fep/3b86/Create"
INTENT_OBJECT = "https://w3id.org/fep/3b86/Object"
OSTATUS_SUBSCRIBE = "http://ostatus.org/schema/1.0/subscribe"


class InteractionError(Exception):
    """The handle is malformed or its server could not be asked; the message is for the visitor."""


def parse_handle(handle: str) -> tuple[str, str]:
    match = HANDLE.match((handle or "").strip().removeprefix("acct:"))
    if not match:
        raise InteractionError(_("Type your handle as name@server, for example alex@mastodon.social."))
    return match.group(1), match.group(2).lower()


def _get_jrd(url: str) -> dict:
    """A plain (unsigned) GET of a JSON document through the guarded client.
    TODO(federation): move to federation.http as a public `fetch_jrd`."""
    url = http.check_url(url)
    with http._Client(settings.FEDIAMA_FETCH_TIMEOUT) as client:
        response, _final = _follow(client, url)
        with response:
            if not 200 <= response.status_code < 300:
                raise http.FetchError(f"HTTP {response.status_code}", response.status_code)
            body = client.read(response, JRD_MAX_BYTES)
    try:
        return strictjson.parse_object(body)
    except strictjson.BadJSON as error:
        raise http.FetchError("not a JSON document") from error


def _follow(client, url: str):
    headers = {"Accept": JRD_ACCEPT, "User-Agent": http.user_agent()}
    for _hop in range(http.MAX_REDIRECTS + 1):
        response = client.send("GET", url, headers)
        location = response.headers.get("Location")
        if response.status_code not in http.REDIRECT_STATUSES or not location:
            return response, url
        response.close()
        url = http.check_url(urljoin(url, location))
    raise http.FetchError("too many redirects")


def webfinger(username: str, domain: str) -> dict:
    scheme = "https" if settings.FEDIAMA_SCHEME == "https" else "http"
    query = urlencode({"resource": f"acct:{username}@{domain}"})
    try:
        return _get_jrd(f"{scheme}://{domain}/.well-known/webfinger?{query}")
    except http.FetchError as error:
        raise InteractionError(_("Your server %(domain)s could not be reached (%(reason)s).")
                               % {"domain": domain, "reason": error.reason}) from error


def _template(links, rel: str) -> str:
    for link in links if isinstance(links, list) else []:
        if isinstance(link, dict) and link.get("rel") == rel and isinstance(link.get("template"), str):
            return link["template"]
    return ""


def _fill(template: str, **values: str) -> str:
    for name, value in values.items():
        template = template.replace("{" + name + "}", quote(value, safe=""))
    return template


def url_from_jrd(jrd: dict, domain: str, object_url: str) -> str:
    links = jrd.get("links")
    if template := _template(links, INTENT_CREATE):
        return _fill(template, inReplyTo=object_url, uri=object_url)
    if template := _template(links, INTENT_OBJECT):
        return _fill(template, object=object_url, uri=object_url)
    if template := _template(links, OSTATUS_SUBSCRIBE):
        return _fill(template, uri=object_url)
    scheme = "https" if settings.FEDIAMA_SCHEME == "https" else "http"
    return f"{scheme}://{domain}/authorize_interaction?" + urlencode({"uri": object_url})


def interaction_url(handle: str, object_url: str) -> str:
    """Where to send the visitor so their own server opens `object_url` for a reply."""
    username, domain = parse_handle(handle)
    target = url_from_jrd(webfinger(username, domain), domain, object_url)
    if not target.startswith(("https://", "http://")):
        raise InteractionError(_("Your server %(domain)s gave an unusable address.") % {"domain": domain})
    return target
