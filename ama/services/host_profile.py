"""A local host's own profile: display name, bio and up to four links, set from the dashboard.

Stored on the local federation Actor as a remote server would read it: `summary` is the bio escaped, with
<p>/<br>; the links are Mastodon's PropertyValue attachments (an <a rel="me"> value) kept in `raw`, where
ama.profiles.profile_links reads them and federation.documents.actor_document sends them. Pages showing the host
move on through federation.avatars.avatar_changed (ama/avatar_pages.py)."""

from django.db import transaction
from django.utils.html import format_html, linebreaks

from federation.avatars import avatar_changed
from federation.models import Actor

from .. import audit
from ..activitypub import publish as ap


def link_attachment(label: str, url: str) -> dict:
    value = format_html('<a href="{}" rel="me nofollow noopener noreferrer" target="_blank">{}</a>', url, url)
    return {"type": "PropertyValue", "name": label, "value": str(value)}


def host_profile_set(*, actor: Actor, display_name: str, bio: str, links: list[tuple[str, str]], by_user) -> None:
    """`links` are (label, http(s) URL) pairs already checked by the form; the bio is plain text."""
    raw = dict(actor.raw) if isinstance(actor.raw, dict) else {}
    raw["attachment"] = [link_attachment(label, url) for label, url in links]
    with transaction.atomic():
        actor.display_name, actor.summary, actor.raw = display_name, linebreaks(bio, autoescape=True), raw
        actor.save(update_fields=["display_name", "summary", "raw"])
        ap.send_profile_updated(actor)
        audit.record(user=by_user, action="host.profile", target=actor.ap_id,
                     after={"display_name": display_name, "bio": bio, "links": [list(link) for link in links]})
        transaction.on_commit(lambda: avatar_changed.send(sender=Actor, actor_id=actor.pk))
