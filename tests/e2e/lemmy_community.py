"""A Lemmy-shaped community on loopback, for the story of an AMA held in a community elsewhere.

fediama's own Groups take posts from their moderators only (they say `postingRestrictedToMods`), so a second
fediama cannot stand in for a community where a remote host posts. This server does, as Lemmy 0.19 does: its
Group accepts follows, and announces to its followers what its members do under a post (Announce of the
member's Create, Like, and of a moderator's Delete with a reason and Lock), each inner activity served at its
id on its author's server, since fediama believes the Group for nobody else's words. It runs on tests/peer.py
(a real HTTP server with real keys and signatures); the test plays the community's side step by step."""

import uuid

from tests.e2e.instances import wait_until
from tests.e2e.story import STEP
from tests.peer import Peer, PeerActor

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
LEMMY_CONTEXT = ["https://join-lemmy.org/context.json", "https://www.w3.org/ns/activitystreams"]


class LemmyCommunity:
    """`!technologie@<address>` with members carol, dave and a moderator, mod."""

    def __init__(self, address: str, name: str = "technologie"):
        self.peer = Peer(host=address)
        self.group = self.peer.actor(name, actor_type="Group", extra={"postingRestrictedToMods": False})
        self.handle = f"!{name}@{self.peer.domain}"
        self.peer.jrds[f"acct:{name}@{self.peer.domain}"] = {
            "subject": f"acct:{name}@{self.peer.domain}",
            "links": [{"rel": "self", "type": "application/activity+json", "href": self.group.ap_id}]}
        self.members = {who: self.peer.actor(who) for who in ("carol", "dave", "mod")}
        self.followers: list[str] = []  # inboxes of the Group's followers

    def close(self) -> None:
        self.peer.close()

    def received(self, kind: str, match=lambda body: True) -> dict:
        """The first activity of `kind` posted to this server's inboxes that `match`es, waiting for it."""
        def arrived():
            return next((post.json for post in self.peer.inbox_posts()
                         if post.json.get("type") == kind and match(post.json)), None)
        return wait_until(arrived, STEP, what=f"a {kind} at {self.handle}")

    def accept_follow(self, follow: dict, inbox: str) -> None:
        """Lemmy accepts a Person's follow of a community at once and counts them as a subscriber."""
        accept = {"@context": LEMMY_CONTEXT, "id": self._id("accept"), "type": "Accept",
                  "actor": self.group.ap_id, "object": follow}
        self._post(inbox, accept, self.group)
        self.followers.append(inbox)

    def announce(self, inner: dict) -> None:
        """The Group's Announce of an activity in it, to every follower's inbox (Lemmy's shape)."""
        announce = {"@context": LEMMY_CONTEXT, "id": self._id("announce"), "type": "Announce",
                    "actor": self.group.ap_id, "to": [PUBLIC], "cc": [self.group.ap_id + "/followers"],
                    "object": inner}
        for inbox in self.followers:
            self._post(inbox, announce, self.group)

    def by_member(self, who: str, kind: str, obj, **extra) -> dict:
        """A member's activity in the community, served at its id on this server, as its origin."""
        actor = self.members[who].ap_id
        activity = {"@context": LEMMY_CONTEXT, "id": self._id(kind.lower()), "type": kind, "actor": actor,
                    "object": obj, "to": [PUBLIC], "cc": [self.group.ap_id], "audience": self.group.ap_id, **extra}
        self.peer.serve(activity["id"].removeprefix(self.peer.base), activity)
        return activity

    def comment(self, who: str, text: str, in_reply_to: str, mention: str) -> dict:
        """A member's comment (Lemmy's Note: audience, language, the replied-to author in cc), announced."""
        note_id = self._id("comment")
        note = {"id": note_id, "type": "Note", "attributedTo": self.members[who].ap_id, "to": [PUBLIC],
                "cc": [self.group.ap_id, mention], "audience": self.group.ap_id, "content": f"<p>{text}</p>",
                "mediaType": "text/html", "source": {"content": text, "mediaType": "text/markdown"},
                "inReplyTo": in_reply_to, "language": {"identifier": "fr", "name": "Français"},
                "published": "2025-03-01T12:00:00Z"}
        self.peer.serve(note_id.removeprefix(self.peer.base), note)
        self.announce(self.by_member(who, "Create", note, cc=[self.group.ap_id, mention]))
        return note

    def _post(self, inbox: str, activity: dict, actor: PeerActor) -> None:
        response = self.peer.post(inbox, activity, as_actor=actor)
        assert response.status_code in (200, 202), f"{inbox}: {response.status_code} {response.text[:300]}"

    def _id(self, kind: str) -> str:
        return f"{self.peer.base}/activities/{kind}/{uuid.uuid4()}"
