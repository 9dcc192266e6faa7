"""The AMA as a Lemmy/Mbin/PieFed community (FEP-1b12): the Group actor and the Page as Lemmy's deserializer
expects them, and Lemmy/Mbin-shaped activities (fixtures in tests/fixtures/lemmy) in the right results."""

import json
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from ama import services
from ama.models import Question, Vote
from federation.models import Delivery, Follow, InboxMessage, OutboxActivity

FIXTURES = Path(__file__).parents[2] / "fixtures" / "lemmy"
AS2 = {"HTTP_ACCEPT": "application/activity+json"}
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def lemmy(name: str, **values) -> dict:
    """A fixture with its {{placeholders}} filled in."""
    text = (FIXTURES / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", str(value))
    assert "{{" not in text, f"unfilled placeholder in {name}"
    return json.loads(text)


def shapes(actor, ama, **values) -> dict:
    return dict(actor=actor.ap_id, base=actor.peer.base, group=ama.group.ap_id, **values)


def comment(deliver_inbox, actor, ama, in_reply_to=None, text="Which GPUs?", fixture="comment_create") -> Question:
    n = uuid.uuid4().hex[:12]
    body = lemmy(fixture, **shapes(actor, ama, n=n, text=text, in_reply_to=in_reply_to or ama.page_ap_id,
                                   parent_author=ama.host.ap_id))
    message = deliver_inbox(body)
    assert message.state == InboxMessage.State.PROCESSED, (message.result, message.error)
    return Question.objects.get(ap_id=body["object"]["id"])


def group_announces(ama, inner_type=None) -> list[dict]:
    bodies = [row.body for row in OutboxActivity.objects.filter(actor=ama.group, activity_type="Announce")
              .order_by("pk")]
    return [b for b in bodies if inner_type is None or b["object"]["type"] == inner_type]


@pytest.fixture
def follower(remote_actor, open_ama, deliver_inbox):
    """bob (a Lemmy user on the peer) follows the AMA's community."""
    follow = lemmy("follow_group", **shapes(remote_actor, open_ama))
    assert deliver_inbox(follow).state == InboxMessage.State.PROCESSED
    return remote_actor


# ---- the Group actor ------------------------------------------------------------------------------

def test_group_actor_has_what_lemmy_and_mbin_require(client, open_ama):
    group = open_ama.group
    assert group.username == f"ama-{open_ama.slug}" and group.ap_id.endswith(f"/c/ama-{open_ama.slug}")
    doc = client.get(f"/c/{group.username}", **AS2).json()
    for field in ("id", "preferredUsername", "name", "summary", "inbox", "outbox", "followers", "featured",
                  "attributedTo", "publicKey", "endpoints"):
        assert doc.get(field), field
    assert doc["type"] == "Group" and doc["id"] == group.ap_id and doc["name"] == open_ama.title
    assert doc["postingRestrictedToMods"] is True
    assert doc["endpoints"]["sharedInbox"].endswith("/inbox")
    assert doc["publicKey"]["owner"] == group.ap_id and "BEGIN PUBLIC KEY" in doc["publicKey"]["publicKeyPem"]
    assert doc["language"] == [{"identifier": "en", "name": "English"}]
    mods = client.get(doc["attributedTo"].replace("http://testserver", ""), **AS2).json()
    assert mods["type"] == "OrderedCollection" and mods["orderedItems"] == [open_ama.host.ap_id]


def test_webfinger_resolves_the_community(client, open_ama):
    group = open_ama.group
    jrd = client.get("/.well-known/webfinger", {"resource": f"acct:{group.username}@testserver"}).json()
    self_links = [link for link in jrd["links"] if link["rel"] == "self"]
    assert self_links[-1]["href"] == group.ap_id
    assert self_links[-1]["properties"]["https://www.w3.org/ns/activitystreams#type"] == "Group"


def test_page_is_a_lemmy_post(client, open_ama):
    page = client.get(open_ama.page_ap_id.replace("http://testserver", ""), **AS2).json()
    assert page["type"] == "Page" and page["id"] == open_ama.page_ap_id
    assert "inReplyTo" not in page
    assert page["name"] == open_ama.title and "<em>open</em>" in page["content"]
    assert page["audience"] == open_ama.group.ap_id
    assert set(page["to"]) == {open_ama.group.ap_id, PUBLIC}
    assert page["attributedTo"] == open_ama.host.ap_id and page["context"].endswith("/context")
    assert page["commentsEnabled"] is True and page["mediaType"] == "text/html"
    featured = client.get(f"/c/{open_ama.group.username}/featured", **AS2).json()
    assert featured["orderedItems"][0]["id"] == open_ama.page_ap_id and featured["totalItems"] == 1


def test_followers_collection_is_a_count_and_browsers_get_the_ama_page(client, open_ama, follower):
    followers = client.get(f"/c/{open_ama.group.username}/followers", **AS2).json()
    assert (followers["type"], followers["totalItems"], followers["items"]) == ("Collection", 1, [])
    assert client.get(f"/c/{open_ama.group.username}").url == open_ama.ap_id


# ---- follow, publish, update, delete ----------------------------------------------------------------

def test_lemmy_follow_of_the_group_is_accepted(open_ama, follower):
    follow = Follow.objects.get(followed=open_ama.group)
    assert follow.state == Follow.State.ACCEPTED and follow.follower.ap_id == follower.ap_id
    accept = Delivery.objects.get(activity__activity_type="Accept").activity
    assert accept.actor == open_ama.group and accept.body["object"]["type"] == "Follow"


def test_publish_update_and_delete_are_announced_to_followers(host, remote_actor, deliver_inbox):
    now = timezone.now()
    ama = services.ama_create(host=host, title="Draft", opens_at=now, closes_at=now + timedelta(hours=1))
    deliver_inbox(lemmy("follow_group", **shapes(remote_actor, ama)))
    services.ama_publish(ama=ama)
    services.ama_update(ama=ama, title="Ask me about compilers")
    services.ama_delete(ama=ama)
    kinds = [(a["object"]["type"], a["object"]["object"] if isinstance(a["object"]["object"], str)
              else a["object"]["object"]["type"]) for a in group_announces(ama)]
    assert kinds == [("Create", "Page"), ("Update", "Page"), ("Delete", ama.page_ap_id)]
    update = group_announces(ama, "Update")[0]
    assert update["object"]["object"]["name"] == "Ask me about compilers"
    assert update["object"]["actor"] == host.ap_id and update["actor"] == ama.group.ap_id
    for announce in group_announces(ama):
        assert Delivery.objects.filter(activity__ap_id=announce["id"], inbox=remote_actor.peer.base + "/inbox")


def test_closing_locks_the_page_once(open_ama, follower):
    services.ama_close(ama=open_ama)
    services.ama_advance_states(now=timezone.now() + timedelta(days=60))
    locks = group_announces(open_ama, "Lock")
    assert len(locks) == 1 and locks[0]["object"]["object"] == open_ama.page_ap_id
    last_update = group_announces(open_ama, "Update")[-1]
    assert last_update["object"]["object"]["commentsEnabled"] is False


# ---- comments, votes, removals -------------------------------------------------------------------

@pytest.mark.parametrize("fixture", ["comment_create", "mbin_comment_create"])
def test_comment_is_a_question_announced_only_once_approved(open_ama, follower, deliver_inbox, fixture):
    question = comment(deliver_inbox, follower, open_ama, fixture=fixture)
    assert question.state == Question.State.PENDING and question.ama == open_ama
    assert not group_announces(open_ama, "Create")[1:]
    services.question_approve(question=question)
    announced = group_announces(open_ama, "Create")[-1]
    assert announced["object"]["object"]["id"] == question.ap_id
    assert announced["object"]["actor"] == follower.ap_id  # the comment as its author sent it


def test_comment_announced_as_received_even_among_many_creates(open_ama, follower, deliver_inbox):
    """The Create is found through the question's own inbox message, not by searching every message."""
    first, second = (comment(deliver_inbox, follower, open_ama, text=text) for text in ("One?", "Two?"))
    assert first.received_message.body["object"]["id"] == first.ap_id
    services.question_approve(question=second)
    announced = group_announces(open_ama, "Create")[-1]["object"]
    received = {key: value for key, value in second.received_message.body.items() if key != "@context"}
    assert announced == received and "Two?" in announced["object"]["content"]


def test_comment_whose_inbox_message_is_gone_is_announced_in_our_rendering(open_ama, follower, deliver_inbox):
    question = comment(deliver_inbox, follower, open_ama)
    InboxMessage.objects.filter(pk=question.received_message_id).delete()
    question.refresh_from_db()
    assert question.received_message is None  # the question stays
    services.question_approve(question=question)
    announced = group_announces(open_ama, "Create")[-1]["object"]
    assert announced["id"] == question.ap_id + "#create" and announced["actor"] == follower.ap_id
    assert announced["object"]["content"] == question.shown_html


def test_follow_up_and_rejected_comment(open_ama, follower, deliver_inbox):
    first = comment(deliver_inbox, follower, open_ama)
    services.question_approve(question=first)
    follow_up = comment(deliver_inbox, follower, open_ama, in_reply_to=first.ap_id, text="And memory?")
    spam = comment(deliver_inbox, follower, open_ama, text="buy now")
    assert follow_up.parent == first
    services.question_reject(question=spam, reason=Question.RejectReason.SPAM)
    announced = [a["object"]["object"]["id"] for a in group_announces(open_ama, "Create")]
    assert spam.ap_id not in announced and first.ap_id in announced and follow_up.ap_id not in announced


def test_mastodon_question_is_shown_in_the_community_under_the_page(open_ama, follower, deliver_inbox):
    note = {"id": f"{follower.peer.base}/statuses/1", "type": "Note", "attributedTo": follower.ap_id,
            "inReplyTo": open_ama.ap_id, "content": "<p>Hi</p>", "to": [PUBLIC]}
    deliver_inbox({"id": note["id"] + "/activity", "type": "Create", "actor": follower.ap_id, "object": note})
    services.question_approve(question=Question.objects.get(ap_id=note["id"]))
    inner = group_announces(open_ama, "Create")[-1]["object"]["object"]
    assert inner["inReplyTo"] == open_ama.page_ap_id and inner["audience"] == open_ama.group.ap_id


def test_removal_is_a_delete_with_the_reason(open_ama, follower, deliver_inbox):
    question = comment(deliver_inbox, follower, open_ama)
    services.question_approve(question=question)
    services.question_reject(question=question, reason=Question.RejectReason.OFF_TOPIC, note="Not about models")
    delete = group_announces(open_ama, "Delete")[-1]["object"]
    assert delete["object"] == question.ap_id and delete["summary"] == "Not about models"
    assert delete["actor"] == open_ama.host.ap_id and delete["audience"] == open_ama.group.ap_id
    outbox = [a["object"]["object"] for a in _outbox(open_ama)]
    assert not any(isinstance(o, dict) and o.get("id") == question.ap_id for o in outbox)


def _outbox(ama):
    from django.test import Client
    return Client().get(f"/c/{ama.group.username}/outbox", **AS2).json()["orderedItems"]


def test_lemmy_votes_count_and_are_announced(open_ama, follower, peer, deliver_inbox):
    from federation.actors import store_remote_actor

    question = comment(deliver_inbox, follower, open_ama)
    services.question_approve(question=question)
    carol = peer.actor("carol")
    store_remote_actor(carol.document())
    like = lemmy("like", **shapes(follower, open_ama, object=question.ap_id, n=1))
    dislike = lemmy("dislike", **shapes(carol, open_ama, object=question.ap_id, n=2))
    assert deliver_inbox(like).state == InboxMessage.State.PROCESSED
    assert deliver_inbox(dislike).state == InboxMessage.State.PROCESSED
    question.refresh_from_db()
    assert question.vote_count == 1 and Vote.objects.count() == 2
    assert [a["object"]["id"] for a in group_announces(open_ama, "Like")] == [like["id"]]
    assert not group_announces(open_ama, "Dislike")  # downvotes are off for this AMA
    undo = lemmy("undo_like", **shapes(follower, open_ama, object=question.ap_id, n=1))
    assert deliver_inbox(undo).state == InboxMessage.State.PROCESSED
    question.refresh_from_db()
    assert question.vote_count == 0 and group_announces(open_ama, "Undo")[0]["object"]["id"] == undo["id"]


def test_author_deletes_an_announced_comment(open_ama, follower, deliver_inbox):
    question = comment(deliver_inbox, follower, open_ama)
    services.question_approve(question=question)
    delete = lemmy("delete_comment", **shapes(follower, open_ama, object=question.ap_id, n=3))
    assert deliver_inbox(delete).state == InboxMessage.State.PROCESSED
    question.refresh_from_db()
    assert question.state == Question.State.DELETED
    assert group_announces(open_ama, "Delete")[-1]["object"]["id"] == delete["id"]


def test_announce_from_another_instance_is_unwrapped_and_fetched(open_ama, peer, deliver_inbox):
    from federation.actors import store_remote_actor

    community, carol = peer.actor("community", actor_type="Group"), peer.actor("carol")
    store_remote_actor(community.document())
    announce = lemmy("announce_create", **shapes(carol, open_ama, n=9, text="Forged?", in_reply_to=open_ama.page_ap_id,
                                                 community=community.ap_id))
    genuine = json.loads(json.dumps(announce["object"]).replace("Forged?", "Genuine"))
    peer.serve(genuine["id"].removeprefix(peer.base), genuine)
    message = deliver_inbox(announce)
    assert message.state == InboxMessage.State.PROCESSED, (message.result, message.error)
    question = Question.objects.get(ap_id=genuine["object"]["id"])
    assert question.author.ap_id == carol.ap_id and question.content_text == "Genuine"


def test_announce_of_a_plain_boost_is_ignored(open_ama, remote_actor, deliver_inbox):
    boost = {"id": remote_actor.ap_id + "/boost/1", "type": "Announce", "actor": remote_actor.ap_id,
             "object": open_ama.ap_id, "to": [PUBLIC]}
    assert deliver_inbox(boost).state == InboxMessage.State.IGNORED


# ---- over real HTTP: a loopback Lemmy-like peer --------------------------------------------------

def _process_and_deliver():
    from federation import delivery_batch
    from federation.routing import process

    for pk in InboxMessage.objects.filter(state=InboxMessage.State.QUEUED).values_list("pk", flat=True):
        process(pk)
    for pk in Delivery.objects.filter(state=Delivery.State.PENDING).values_list("pk", flat=True):
        delivery_batch.attempt(pk)


def test_loopback_peer_follows_comments_votes_and_receives_exactly_the_approved_announces(
        live_site, peer, transactional_db, open_ama):
    bob = peer.actor("bob")
    group = open_ama.group

    def send(activity):
        response = peer.post(group.inbox, activity, as_actor=bob)
        assert response.status_code == 202, response.text
        _process_and_deliver()

    send(lemmy("follow_group", **shapes(bob, open_ama)))
    keep, drop = (lemmy("comment_create", **shapes(bob, open_ama, n=n, text=t, in_reply_to=open_ama.page_ap_id,
                                                   parent_author=open_ama.host.ap_id))
                  for n, t in (("1", "Which GPUs?"), ("2", "Buy now")))
    send(keep)
    send(drop)
    services.question_approve(question=Question.objects.get(ap_id=keep["object"]["id"]))
    services.question_reject(question=Question.objects.get(ap_id=drop["object"]["id"]))
    send(lemmy("like", **shapes(bob, open_ama, object=keep["object"]["id"], n="3")))
    _process_and_deliver()
    posts = [(p.json["type"], p.json["object"].get("type") if isinstance(p.json["object"], dict) else None,
              p.json["actor"]) for p in peer.inbox_posts()]
    from_group = [post for post in posts if post[2] == group.ap_id]
    assert from_group == [("Accept", "Follow", group.ap_id), ("Announce", "Create", group.ap_id),
                          ("Announce", "Like", group.ap_id)]
    assert [post for post in posts if post[2] != group.ap_id] == [("Accept", None, open_ama.host.ap_id)]
    announced = next(p for p in peer.inbox_posts() if p.json["type"] == "Announce")
    assert announced.json["object"]["object"]["id"] == keep["object"]["id"]
    assert group.ap_id + "#main-key" in announced.headers["Signature"]
    assert Question.objects.get(ap_id=keep["object"]["id"]).vote_count == 1


def test_edited_and_deleted_answers_reach_the_community(open_ama, follower, deliver_inbox):
    question = services.question_approve(question=comment(deliver_inbox, follower, open_ama))
    answer = services.answer_publish(question=question, author=open_ama.host, body="Mostly Common Crawl.")
    services.answer_edit(answer=answer, body="Mostly Common Crawl, deduplicated.")
    update = group_announces(open_ama, "Update")[-1]["object"]
    assert update["actor"] == open_ama.host.ap_id and update["object"]["id"] == answer.ap_id
    assert "deduplicated" in update["object"]["content"] and update["audience"] == open_ama.group.ap_id
    services.answer_delete(answer=answer)
    delete = group_announces(open_ama, "Delete")[-1]["object"]
    assert (delete["actor"], delete["object"]) == (open_ama.host.ap_id, answer.ap_id)
    assert Delivery.objects.filter(activity__body__object__id=delete["id"],
                                   inbox__startswith=follower.peer.base).exists()
