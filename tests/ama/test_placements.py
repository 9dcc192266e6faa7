"""The AMA held in an existing community elsewhere (a Lemmy, Mbin or PieFed Group), the loopback peer standing
in for that community's server: the host's post and follow arrive in Lemmy's shape, the community's Announces
of comments, votes and moderation come back as questions, votes, removals and a lock; refusals show."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ama import services
from ama.activitypub import placements as ap_placements
from ama.models import Placement, Question, Vote
from federation.actors import store_remote_actor
from federation.delivery_batch import attempt
from federation.models import Actor, Delivery, InboxMessage

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "golden" / "placements"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"


def run_deliveries():
    for delivery_id in Delivery.objects.filter(state=Delivery.State.PENDING).values_list("pk", flat=True):
        attempt(delivery_id)


@pytest.fixture
def community(peer, settings):
    """!technologie@<peer>: a Group whose WebFinger answers, with a member (bob) and a moderator."""
    settings.FEDIAMA_SCHEME = "http"
    group = peer.actor("technologie", actor_type="Group")
    peer.jrds[f"acct:technologie@{peer.domain}"] = {
        "subject": f"acct:technologie@{peer.domain}",
        "links": [{"rel": "self", "type": "application/activity+json", "href": group.ap_id}]}
    for name in ("bob", "carol", "mod"):
        store_remote_actor(peer.actor(name).document())
    return group


@pytest.fixture
def placement(open_ama, community, peer):
    return services.placement_add(ama=open_ama, target=f"!technologie@{peer.domain}")


def load(name: str, **values: str) -> dict:
    text = (GOLDEN / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    assert "{{" not in text, name
    return json.loads(text)


def world(peer, placement, **extra) -> dict:
    return {"peer": peer.base, "community": placement.community.ap_id, "actor": f"{peer.base}/users/bob",
            "host": placement.ama.host.ap_id, "post": placement.post_ap_id, "moderator": f"{peer.base}/users/mod",
            "voter": f"{peer.base}/users/carol", **extra}


def through_inbox(peer, deliver_inbox, golden: dict) -> InboxMessage:
    for key in golden.get("serve", []):
        document = golden["activity"][key]
        peer.serve(urlsplit(document["id"]).path, document)
    message = deliver_inbox(golden["activity"])
    assert message.state == InboxMessage.State.PROCESSED, (message.result, message.error)
    return message


def asked(peer, placement, deliver_inbox, name="lemmy_announce_create_comment") -> Question:
    golden = load(name, **world(peer, placement))
    through_inbox(peer, deliver_inbox, golden)
    return Question.objects.get(ap_id=golden["activity"]["object"]["object"]["id"])


# ---- adding a community --------------------------------------------------------------------------

def test_the_post_and_follow_arrive_at_the_community_inbox_in_lemmys_shape(placement, peer, open_ama):
    assert placement.state == Placement.State.POSTED and placement.community.actor_type == Actor.Type.GROUP
    run_deliveries()
    bodies = {post.json["type"]: post.json for post in peer.inbox_posts()}
    follow, create = bodies["Follow"], bodies["Create"]
    assert follow["actor"] == open_ama.host.ap_id and follow["object"] == placement.community.ap_id
    page = create["object"]
    assert create["actor"] == page["attributedTo"] == open_ama.host.ap_id
    assert page["type"] == "Page" and page["id"] == placement.post_ap_id and page["name"] == open_ama.title
    assert page["to"] == [placement.community.ap_id, PUBLIC] and page["audience"] == placement.community.ap_id
    assert create["audience"] == placement.community.ap_id and create["to"] == page["to"]
    assert page["url"] == open_ama.ap_id and page["mediaType"] == "text/html" and "<em>open</em>" in page["content"]
    assert page["source"] == {"content": open_ama.intro, "mediaType": "text/markdown"}
    assert page["language"]["identifier"] == "en" and page["commentsEnabled"] is True and "inReplyTo" not in page


def test_a_draft_is_posted_when_published(host, community, peer):
    from django.utils import timezone
    now = timezone.now()
    ama = services.ama_create(host=host, title="Later", opens_at=now, closes_at=now + timezone.timedelta(hours=1))
    placement = services.placement_add(ama=ama, target=f"!technologie@{peer.domain}")
    assert placement.state == Placement.State.PENDING and not Delivery.objects.exists()
    services.ama_publish(ama=ama)
    placement.refresh_from_db()
    assert placement.state == Placement.State.POSTED and placement.post_ap_id


@pytest.mark.parametrize("target, error", [("bob@{domain}", "not a community"), ("nobody@{domain}", "could not be found"),
                                           ("", "name a community")])
def test_only_a_group_can_be_named(open_ama, community, peer, target, error):
    peer.jrds[f"acct:bob@{peer.domain}"] = {"subject": f"acct:bob@{peer.domain}", "links": [
        {"rel": "self", "type": "application/activity+json", "href": f"{peer.base}/users/bob"}]}
    with pytest.raises(services.ServiceError, match=error):
        services.placement_add(ama=open_ama, target=target.format(domain=peer.domain))
    assert not Placement.objects.exists()


def test_the_follow_accepted_then_a_reject_shows(placement, deliver_inbox, peer):
    assert ap_placements.follow_state(placement) == "pending"
    accept = {"id": f"{peer.base}/activities/accept/1", "type": "Accept", "actor": placement.community.ap_id,
              "object": {"id": placement.follow_ap_id, "type": "Follow", "actor": placement.ama.host.ap_id,
                         "object": placement.community.ap_id}}
    assert deliver_inbox(accept).state == InboxMessage.State.PROCESSED
    assert ap_placements.follow_state(placement) == "accepted"
    deliver_inbox({**accept, "id": f"{peer.base}/activities/reject/1", "type": "Reject"})
    assert ap_placements.follow_state(placement) == "rejected"


def test_a_refused_post_is_shown_with_its_reason(placement, peer, client, open_ama):
    peer.statuses = [403, 403]  # the community refuses (a ban, a restricted community)
    run_deliveries()
    assert "HTTP 403" in ap_placements.delivery_refusal(placement)
    client.force_login(open_ama.host.user)
    page = client.get(f"/dashboard/{open_ama.slug}/").content.decode()
    assert "technologie" in page and "HTTP 403" in page


# ---- what the community announces ----------------------------------------------------------------

@pytest.mark.parametrize("name", ["lemmy_announce_create_comment", "mbin_announce_create_comment",
                                  "piefed_announce_create_comment"])
def test_an_announced_comment_becomes_a_pending_question(name, placement, peer, deliver_inbox):
    golden = load(name, **world(peer, placement))
    question = asked(peer, placement, deliver_inbox, name)
    expect = golden["expect"]
    assert (question.state, question.content_text, question.language) == (
        expect["state"], expect["text"], expect["language"])
    assert question.author.ap_id == f"{peer.base}/users/bob" and question.in_reply_to == placement.post_ap_id
    assert ap_placements.placement_of(question) == placement


def test_a_follow_up_nests_under_its_question(placement, peer, deliver_inbox):
    question = services.question_approve(question=asked(peer, placement, deliver_inbox))
    golden = load("lemmy_announce_create_comment", **world(peer, placement))
    inner = golden["activity"]["object"]
    inner["id"] += "-2"
    inner["object"].update(id=f"{peer.base}/comment/9002", inReplyTo=question.ap_id)
    golden["activity"]["id"] += "-2"
    through_inbox(peer, deliver_inbox, golden)
    follow_up = Question.objects.get(ap_id=f"{peer.base}/comment/9002")
    assert follow_up.parent == question and ap_placements.placement_of(follow_up) == placement


def test_an_announced_like_is_a_vote(placement, peer, deliver_inbox):
    question = services.question_approve(question=asked(peer, placement, deliver_inbox))
    through_inbox(peer, deliver_inbox, load("lemmy_announce_like", **world(peer, placement, question=question.ap_id)))
    question.refresh_from_db()
    assert question.vote_count == 1 and Vote.objects.get().actor.ap_id == f"{peer.base}/users/carol"


def test_the_communitys_removal_is_honoured(placement, peer, deliver_inbox):
    question = services.question_approve(question=asked(peer, placement, deliver_inbox))
    golden = load("lemmy_announce_delete_by_moderator", **world(peer, placement, question=question.ap_id))
    through_inbox(peer, deliver_inbox, golden)
    question.refresh_from_db()
    assert question.state == Question.State.REJECTED
    assert question.reject_note.startswith("removed by the community") and "Hors sujet" in question.reject_note


def test_a_lock_of_our_post_is_honoured(placement, peer, deliver_inbox, open_ama, client):
    assert "locked there" not in client.get(f"/amas/{open_ama.slug}").content.decode()  # cached, then changed
    through_inbox(peer, deliver_inbox, load("lemmy_announce_lock_page", **world(peer, placement)))
    placement.refresh_from_db()
    assert placement.locked_at is not None
    golden = load("lemmy_announce_create_comment", **world(peer, placement))
    serve = golden["activity"]["object"]
    peer.serve(urlsplit(serve["id"]).path, serve)
    assert deliver_inbox(golden["activity"]).state == InboxMessage.State.IGNORED
    assert "locked there by the community" in client.get(f"/amas/{open_ama.slug}").content.decode()


def test_a_ban_of_the_host_ends_the_placement(placement, peer, deliver_inbox):
    block = {"id": f"{peer.base}/activities/block/1", "type": "Block", "actor": f"{peer.base}/users/mod",
             "object": placement.ama.host.ap_id, "target": placement.community.ap_id, "summary": "spam"}
    peer.serve("/activities/block/1", block)
    announce = {"id": f"{peer.base}/activities/announce/block/1", "type": "Announce",
                "actor": placement.community.ap_id, "object": block}
    through_inbox(peer, deliver_inbox, {"activity": announce})
    placement.refresh_from_db()
    assert placement.state == Placement.State.ENDED and "banned" in placement.refused_reason


def test_the_group_is_not_believed_for_another_actors_words(placement, peer, deliver_inbox):
    """The community embeds a comment 'by bob' that bob's server does not have: nothing is asked."""
    golden = load("lemmy_announce_create_comment", **world(peer, placement))
    message = deliver_inbox(golden["activity"])  # the inner Create is not served by its origin
    assert message.state == InboxMessage.State.IGNORED and not Question.objects.exists()


# ---- answers go back to the community --------------------------------------------------------------

def test_the_answer_reaches_the_community_and_the_asker(placement, peer, deliver_inbox, open_ama):
    question = services.question_approve(question=asked(peer, placement, deliver_inbox))
    run_deliveries()
    peer.received.clear()
    services.answer_publish(question=question, author=open_ama.host, body="Wikipédia, surtout.")
    run_deliveries()
    creates = [post.json for post in peer.inbox_posts() if post.json["type"] == "Create"]
    assert creates, "no Create reached the community's server"
    note = creates[0]["object"]
    assert note["inReplyTo"] == question.ap_id and note["audience"] == placement.community.ap_id
    assert placement.community.ap_id in note["cc"] and question.author.ap_id in note["cc"]
    assert note["language"]["identifier"] == open_ama.language


# ---- edits, the end, deletion; the management command --------------------------------------------

def _sent(kind: str) -> list[dict]:
    from federation.models import OutboxActivity
    return [row.body for row in OutboxActivity.objects.filter(activity_type=kind).order_by("pk")
            if isinstance(row.body.get("object"), (dict, str)) and row.body.get("audience")]


def test_an_edit_and_the_end_federate_as_updates_and_deletion_as_delete(placement, open_ama):
    services.ama_update(ama=open_ama, title="Ask me about open weights")
    services.ama_close(ama=open_ama)
    updates = [body for body in _sent("Update") if body["audience"] == placement.community.ap_id]
    assert [u["object"]["name"] for u in updates] == ["Ask me about open weights"] * 2
    assert "has ended" not in updates[0]["object"]["content"] and "has ended" in updates[1]["object"]["content"]
    services.ama_delete(ama=open_ama)
    delete = next(b for b in _sent("Delete") if b["audience"] == placement.community.ap_id)
    assert delete["object"] == placement.post_ap_id and delete["actor"] == open_ama.host.ap_id


def test_the_management_command_adds_and_lists(open_ama, community, peer):
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError
    out = StringIO()
    call_command("placement", "add", open_ama.slug, f"!technologie@{peer.domain}", stdout=out)
    call_command("placement", "list", open_ama.slug, stdout=out)
    assert "held in @technologie@" in out.getvalue() and "posted\tfollow pending\t0 questions" in out.getvalue()
    with pytest.raises(CommandError, match="already held"):
        call_command("placement", "add", open_ama.slug, f"!technologie@{peer.domain}")


# ---- the post at its id; withdrawal --------------------------------------------------------------

AS2 = "application/activity+json"


def test_the_post_dereferences_for_servers_and_sends_browsers_to_the_ama(placement, client, open_ama):
    path = urlsplit(placement.post_ap_id).path
    served = client.get(path, HTTP_ACCEPT=AS2)
    page = served.json()
    assert served["Content-Type"].startswith(AS2) and "Accept" in served["Vary"]
    assert page["id"] == placement.post_ap_id and page["type"] == "Page" and page["name"] == open_ama.title
    assert page["attributedTo"] == open_ama.host.ap_id and page["audience"] == placement.community.ap_id
    create = client.get(path + "/activity", HTTP_ACCEPT=AS2).json()
    assert create["type"] == "Create" and create["object"]["id"] == placement.post_ap_id
    browser = client.get(path, HTTP_ACCEPT="text/html")
    assert browser.status_code == 302 and browser["Location"] == open_ama.ap_id


def test_a_post_not_made_is_404(host, community, peer, client, placement):
    from django.utils import timezone
    now = timezone.now()
    draft = services.ama_create(host=host, title="Later", opens_at=now, closes_at=now + timezone.timedelta(hours=1))
    pending = services.placement_add(ama=draft, target=f"!technologie@{peer.domain}")
    client.force_login(host.user)  # the host may see the draft: the post still does not exist
    assert client.get(f"/amas/{draft.slug}/placements/{pending.pk}", HTTP_ACCEPT=AS2).status_code == 404
    assert client.get(f"/amas/{placement.ama.slug}/placements/{pending.pk}", HTTP_ACCEPT=AS2).status_code == 404


@pytest.mark.parametrize("how", ["withdrawn", "ama deleted"])
def test_a_withdrawn_post_or_a_deleted_amas_is_gone(how, placement, client, open_ama):
    if how == "withdrawn":
        services.placement_withdraw(placement=placement)
    else:
        services.ama_delete(ama=open_ama)
    path = urlsplit(placement.post_ap_id).path
    served = client.get(path, HTTP_ACCEPT=AS2)
    assert served.status_code == 410 and served.json()["type"] == "Tombstone"
    assert served.json()["formerType"] == "Page" and served.json()["id"] == placement.post_ap_id
    assert client.get(path + "/activity", HTTP_ACCEPT=AS2).status_code == 410
    assert client.get(path, HTTP_ACCEPT="text/html").status_code == 410


def test_comments_under_a_withdrawn_post_are_not_questions(placement, peer, deliver_inbox):
    services.placement_withdraw(placement=placement)
    golden = load("lemmy_announce_create_comment", **world(peer, placement))
    serve = golden["activity"]["object"]
    peer.serve(urlsplit(serve["id"]).path, serve)
    assert deliver_inbox(golden["activity"]).state == InboxMessage.State.IGNORED
    assert not Question.objects.exists()


# ---- a remote host (the claim-code flow) answers in the community --------------------------------

@pytest.mark.parametrize("verified", [True, False], ids=["verified", "named only"])
def test_a_remote_hosts_reply_in_the_community_is_an_answer_once_verified(verified, placement, peer, deliver_inbox,
                                                                          open_ama):
    from ama.models import RemoteHostClaim
    from tests.ama.inbox.test_remote_hosts import verify

    question = services.question_approve(question=asked(peer, placement, deliver_inbox))
    hana = peer.actor("hana")
    if verified:
        verify(open_ama, hana, deliver_inbox)
    else:
        services.remote_host_claim_start(ama=open_ama, account=hana.ap_id)
        open_ama.cohosts.add(RemoteHostClaim.objects.get().actor)  # named, never proved
    golden = load("lemmy_announce_create_comment", **world(peer, placement, actor=hana.ap_id))
    golden["activity"]["id"] += "-hana"
    inner = golden["activity"]["object"]
    inner["id"] += "-hana"
    inner["object"].update(id=f"{peer.base}/comment/9100", inReplyTo=question.ap_id,
                           content="<p>Surtout Wikipédia.</p>")
    message = through_inbox(peer, deliver_inbox, golden)
    if verified:
        answer = question.answers.get()
        assert "answer" in message.result and answer.author.ap_id == hana.ap_id
        assert answer.ap_id == f"{peer.base}/comment/9100" and "Wikipédia" in answer.content_html
        assert not Question.objects.filter(author__ap_id=hana.ap_id).exists()
    else:
        assert not question.answers.exists()
        assert Question.objects.get(author__ap_id=hana.ap_id).parent == question


def test_a_withdrawn_community_leaves_the_public_page_not_the_dashboard(placement, client, open_ama):
    handle = placement.community.handle.lstrip("@")
    assert handle in client.get(f"/amas/{open_ama.slug}").content.decode()
    services.placement_withdraw(placement=placement)
    assert handle not in client.get(f"/amas/{open_ama.slug}").content.decode()
    client.force_login(open_ama.host.user)
    assert "withdrawn by the host" in client.get(f"/dashboard/{open_ama.slug}/").content.decode()
