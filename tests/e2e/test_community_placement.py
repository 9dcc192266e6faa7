"""An AMA held in a community elsewhere, end to end: fediama A (web and worker processes) and a Lemmy-shaped
community on loopback (tests/e2e/lemmy_community.py: fediama's own Groups take no remote member's post).
The host adds the community through the API; the post and follow arrive; the community accepts and announces;
members' comments, a follow-up and a vote come back through its Announces as questions and a vote; the
answer reaches the community and the asker; the community's removal and lock are honoured; a community that
refuses (403) is shown refusing, with the reason."""

import pytest
import requests

from tests.e2e.instances import wait_until
from tests.e2e.lemmy_community import LemmyCommunity
from tests.e2e.story import STEP, HostApi

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

QUESTION = "Quels jeux de données pour l'entraînement ?"
FOLLOW_UP = "Et pour l'évaluation ?"
ANSWER = "Wikipédia, surtout, et des livres du domaine public."


@pytest.fixture
def community():
    place = LemmyCommunity("127.0.0.4")
    yield place
    place.close()


@pytest.fixture
def refusing():
    """A restricted community: its server answers 403 to every post from outside."""
    place = LemmyCommunity("127.0.0.5", name="annonces")
    place.peer.statuses = [403] * 50
    yield place
    place.close()


class Placements:
    def __init__(self, host: HostApi, slug: str):
        self.host, self.url = host, f"/api/amas/{slug}/placements/"

    def add(self, handle: str) -> dict:
        return self.host.call("POST", self.url, 201, community=handle)

    def wait(self, handle: str, what: str, predicate) -> dict:
        def row():
            found = next(p for p in self.host.call("GET", self.url) if p["community"] == handle)
            return found if predicate(found) else None
        return wait_until(row, STEP, what=f"{handle}: {what}")


def test_an_ama_held_in_a_lemmy_community(instance_a, community, refusing):
    host = HostApi(instance_a, "hana")
    ama = host.create_ama("Ask me about open models")
    slug, placements = ama["slug"], Placements(host, ama["slug"])
    inbox = requests.get(host.ap_id, headers={"Accept": "application/activity+json"}, timeout=10).json()["inbox"]

    placed = placements.add(community.handle)
    follow = community.received("Follow", lambda body: body["actor"] == host.ap_id)
    community.accept_follow(follow, inbox)
    placements.wait(community.handle, "follow accepted", lambda row: row["follow"] == "accepted")

    create = community.received("Create", lambda body: body["object"]["type"] == "Page")
    page = create["object"]
    assert page["id"] == placed["post"] and page["attributedTo"] == host.ap_id and page["name"] == ama["title"]
    assert page["audience"] == community.group.ap_id and community.group.ap_id in page["to"]
    served = requests.get(page["id"], headers={"Accept": "application/activity+json"}, timeout=10)
    assert served.status_code == 200 and served.json()["id"] == page["id"]  # a Lemmy meeting a comment first
    community.announce(create)  # to its followers (the host among them)

    asked = community.comment("carol", QUESTION, in_reply_to=page["id"], mention=host.ap_id)
    question = host.wait_question(slug, asked["id"], "pending")
    host.approve(slug, question["id"])
    follow_up_note = community.comment("dave", FOLLOW_UP, in_reply_to=asked["id"], mention=asked["attributedTo"])
    follow_up = host.wait_question(slug, follow_up_note["id"], "pending")
    assert follow_up["parent"] == question["id"]
    host.approve(slug, follow_up["id"])

    community.announce(community.by_member("dave", "Like", asked["id"]))
    wait_until(lambda: next(q for q in host.questions(slug) if q["id"] == question["id"])["vote_count"] == 1,
               STEP, what="the announced Like to count")

    host.answer(question["id"], ANSWER)
    reply = community.received("Create", lambda body: body["object"].get("inReplyTo") == asked["id"])["object"]
    assert ANSWER in reply["content"] and reply["audience"] == community.group.ap_id
    assert {community.group.ap_id, asked["attributedTo"]} <= set(reply["cc"])

    community.announce(community.by_member("mod", "Delete", follow_up_note["id"], summary="Hors sujet"))
    removed = host.wait_question(slug, follow_up_note["id"], "rejected")
    assert "removed by the community" in removed["moderation"]["reject_note"]
    community.announce(community.by_member("mod", "Lock", page["id"]))
    placements.wait(community.handle, "locked", lambda row: row["locked"])
    assert "locked there by the community" in requests.get(ama["url"], timeout=10).text

    placements.add(refusing.handle)
    refused = placements.wait(refusing.handle, "refused", lambda row: row["refusal"])
    assert "HTTP 403" in refused["refusal"]
