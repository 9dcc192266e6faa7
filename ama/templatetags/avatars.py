"""`{% load avatars %}{% avatar actor 48 %}`: an actor's picture from our origin, or a placeholder with initials.

`actor` is a federation Actor (an AMA's host, a co-host, an asker); anything else (None, a deleted account) gets
the placeholder. The picture is our own thumbnail (federation.avatars), never the remote icon's URL. A remote actor
with no thumbnail yet shows the placeholder and has its icon fetched once, off the request (queued after commit).
Decorative (alt="", aria-hidden): the name is always written beside it. Styles: ama/static/ama/avatars.css.
"""

import hashlib
import logging
import re

from django import template
from django.db import DatabaseError
from django.utils.html import format_html

from federation import avatars
from federation.models import Actor

register = template.Library()
log = logging.getLogger(__name__)

HUES = 12  # avatar-hue-0 .. avatar-hue-11 in avatars.css
CSS_SIZES = (24, 32, 40, 48, 56, 64, 96, 128)  # avatar-24 .. avatar-128 in avatars.css
_WORD = re.compile(r"[^\W\d_]+")  # letters: "zed_42" is Z, not Z4
_SHORTCODE = re.compile(r":[\w+-]+:")  # Mastodon's custom emoji in display names


def initials(actor) -> str:
    """One or two letters: the first of the display name's first and last words, else of the username."""
    name = _SHORTCODE.sub(" ", getattr(actor, "display_name", "") or "")
    words = _WORD.findall(name) or _WORD.findall(getattr(actor, "username", "") or "")
    if not words:
        return "?"
    letters = words[0][0] + (words[-1][0] if len(words) > 1 else "")
    return letters.upper()


def hue(actor) -> int:
    """The placeholder's colour: fixed by the handle, so a person keeps theirs on every page."""
    key = str(getattr(actor, "handle", "") or getattr(actor, "pk", "") or "")
    return hashlib.sha256(key.encode()).digest()[0] % HUES


def css_size(pixels: int) -> int:
    return min(CSS_SIZES, key=lambda size: abs(size - pixels))


def _digest(actor) -> str:
    if not isinstance(actor, Actor):
        return ""
    try:
        digest = avatars.shown_digest(actor)
        if not digest:
            avatars.queue_fetch(actor)
    except DatabaseError as error:  # a page is never lost to its pictures
        log.warning("avatar of %s left as a placeholder: %s", actor.pk, error)
        return ""
    return digest


@register.simple_tag
def avatar(actor, size=48):
    size = int(size)
    digest = _digest(actor)
    if digest:
        return format_html(
            '<img class="avatar avatar-{}" src="{}" width="{}" height="{}" alt="" loading="lazy" decoding="async">',
            css_size(size), avatars.url_of(digest, avatars.thumbnail_size_for(size)), size, size)
    return format_html('<span class="avatar avatar-initials avatar-{} avatar-hue-{}" aria-hidden="true">{}</span>',
                       css_size(size), hue(actor), initials(actor))
