"""federation.social: notes, likes and deletes by local actors, the notes' URLs, and WebFinger lookups."""

import pytest

from federation import social
from federation.actors import store_remote_actor
from federation.models import Delivery, OutboxActivity

AS2 = {"HTTP_ACCEPT": "application/activity+json"}


@pytest.fixture
def bob_known(peer, db):
    bob = peer.actor("bob")
    store_remote_actor(bob.document())
    peer.serve("/notes/1", {"id": peer.base + "/notes/1", "type": "Note", "attributedTo": bob.ap_id,
                            "content": "<p>hi</p>"})
    return bob


def inboxes(activity_id: str) -> set[str]:
    return set(Delivery.objects.filter(activity__ap_id=activity_id).values_list("inbox", flat=True))


def test_reply_goes_to_the_replied_author_and_is_served_at_its_id(host, bob_known, client):
    note = social.post_note(host, "<p>hello</p>", in_reply_to=bob_known.peer.base + "/notes/1")
    assert bob_known.ap_id in note["cc"] and note["inReplyTo"] == bob_known.peer.base + "/notes/1"
    assert inboxes(note["id"] + "/activity") == {bob_known.peer.base + "/inbox"}
    served = client.get(note["id"].split("testserver", 1)[1], **AS2)
    assert served.status_code == 200 and served.json()["id"] == note["id"]
    assert "Accept" in served["Vary"] and "<p>hello</p>" in client.get(note["id"]).content.decode()


def test_delete_tombstones_the_note_and_tells_its_recipients(host, bob_known, client):
    note = social.post_note(host, "<p>bye</p>", cc=[host.followers_url, bob_known.ap_id])
    delete = social.delete_note(host, note["id"])
    assert delete["object"]["type"] == "Tombstone" and inboxes(delete["id"]) == {bob_known.peer.base + "/inbox"}
    gone = client.get(note["id"].split("testserver", 1)[1], **AS2)
    assert gone.status_code == 410 and gone.json()["type"] == "Tombstone"
    with pytest.raises(social.SocialError):
        social.delete_note(host, bob_known.peer.base + "/notes/1")


def test_like_and_undo_reach_the_author_and_the_notified(host, bob_known, peer):
    carol = peer.actor("carol")
    store_remote_actor(carol.document())
    liked = social.like(host, peer.base + "/notes/1", notify=[carol.ap_id])
    assert set(liked["to"]) == {bob_known.ap_id, carol.ap_id} and inboxes(liked["id"]) == {peer.base + "/inbox"}
    undo = social.undo_like(host, peer.base + "/notes/1")
    assert undo["object"]["id"] == liked["id"] and inboxes(undo["id"]) == {peer.base + "/inbox"}
    assert not OutboxActivity.objects.get(ap_id=liked["id"]).public


def test_webfinger_finds_an_account_over_http(live_site, host):
    assert social.webfinger(f"acct:alice@{live_site.url.split('://', 1)[1]}") == host.ap_id
    with pytest.raises(social.SocialError):
        social.webfinger(f"nobody@{live_site.url.split('://', 1)[1]}")
    with pytest.raises(social.SocialError):
        social.split_handle("not-a-handle")
