"""What a host card shows of an account: its bio (sanitized), its http(s) links (the profile's page and the
profile fields that are links, Mastodon's PropertyValue attachments) and the AMA's co-hosts."""

from dataclasses import dataclass
from html.parser import HTMLParser

from federation.safe_urls import http_url

from .models import Ama, RemoteHostClaim
from .text import plain_text, sanitize

MAX_LINKS = 4


@dataclass(frozen=True)
class Link:
    name: str
    url: str
    text: str


class _FirstHref(HTMLParser):
    def __init__(self):
        super().__init__()
        self.href = None

    def handle_starttag(self, tag, attrs):
        if tag == "a" and self.href is None:
            self.href = dict(attrs).get("href")


def _href_in(fragment: str) -> str | None:
    parser = _FirstHref()
    parser.feed(fragment)
    return http_url(parser.href)


def bio_html(actor) -> str:
    """The account's summary: remote ones are HTML from a stranger, local ones plain text; both come out safe."""
    return sanitize(actor.summary) if actor.summary else ""


def profile_links(actor) -> list[Link]:
    """The profile fields whose value is an http(s) link, at most MAX_LINKS; the name is the field's own."""
    fields = (actor.raw or {}).get("attachment") if isinstance(actor.raw, dict) else None
    links = []
    for field in fields if isinstance(fields, list) else []:
        if not isinstance(field, dict) or field.get("type") != "PropertyValue":
            continue
        value, name = str(field.get("value") or ""), plain_text(sanitize(str(field.get("name") or "")))[:60]
        url = _href_in(value) or http_url(plain_text(sanitize(value)))
        if url and name:
            links.append(Link(name=name, url=url, text=plain_text(sanitize(value))[:80] or url))
    return links[:MAX_LINKS]


def profile_url(actor) -> str:
    return http_url(actor.url) or http_url(actor.ap_id) or ""


def cohosts_of(ama: Ama) -> list:
    """The local co-hosts and the remote accounts whose claim to host or co-host was verified, host excluded."""
    local = list(ama.cohosts.exclude(pk=ama.host_id).order_by("display_name", "username"))
    claims = RemoteHostClaim.objects.verified().filter(ama=ama).exclude(actor_id=ama.host_id).select_related("actor")
    seen = {actor.pk for actor in local}
    return local + [claim.actor for claim in claims.order_by("verified_at", "pk") if claim.actor_id not in seen]
