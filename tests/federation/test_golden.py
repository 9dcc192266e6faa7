"""Golden inbound fixtures (tests/fixtures/golden/*.json), written by us in the shapes Mastodon, Misskey,
Pleroma/Akkoma, GoToSocial, Lemmy and Mbin send: each is read by federation.activities and run through the
inbox processing into the right question, vote or tombstone; GoToSocial's hs2019 signature with a key id
without a fragment goes through the real inbox (signed POST, key fetched from a loopback server)."""

import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ama import services
from ama.models import Question, Vote
from ama.text import plain_text
from federation import routing
from federation.activities import PUBLIC, actor_of, content_and_language, id_of, is_public, type_of
from federation.actors import store_remote_actor
from federation.models import InboxMessage
from tests.federation.fixtures_inbox import post, signed_headers

GOLDEN = Path(__file__).resolve().parent.parent / "fixtures" / "golden"
FIXTURES = sorted(path.stem for path in GOLDEN.glob("*.json"))


def load(name: str, **values: str) -> dict:
    text = (GOLDEN / f"{name}.json").read_text()
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", value)
    return json.loads(text)


@pytest.fixture
def world(open_ama, peer, db):
    """bob (a Person) and a community (a Group) on the peer, and one approved question of bob's."""
    bob, group = peer.actor("bob"), peer.actor("community", actor_type="Group")
    for actor in (bob, group):
        store_remote_actor(actor.document())
    question = services.question_receive(ama=open_ama, author=store_remote_actor(bob.document()),
                                         ap_id=f"{peer.base}/notes/approved-1", content_html="<p>Approved?</p>")
    services.question_approve(question=question)
    return {"peer": peer.base, "actor": bob.ap_id, "group": group.ap_id, "host": open_ama.host.ap_id,
            "ama": open_ama.ap_id, "question": question.ap_id}


def inner_note(activity: dict) -> dict:
    """The note a fixture carries: object, instrument (ReplyRequest), or the object of an announced Create."""
    obj = activity.get("instrument") or activity.get("object")
    if type_of(obj) in ("Create", "Like"):
        obj = obj.get("object")
    return obj if isinstance(obj, dict) else {}


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_is_read_by_the_activity_helpers(name, world):
    golden = load(name, **world)
    activity, expect = golden["activity"], golden["expect"]
    assert actor_of(activity) in (world["actor"], world["group"])
    note = inner_note(activity)
    assert is_public(note if type_of(note) == "Note" else activity) == expect["public"]
    if expect["outcome"] == "question":
        content, language = content_and_language(note)
        assert plain_text(content) == expect["text"] and language == expect["language"]
        assert id_of(note.get("inReplyTo")) == expect["in_reply_to"]
        assert id_of(note.get("attributedTo")) == world["actor"]


def serve_inner(peer, golden: dict) -> None:
    for key in golden.get("serve", []):
        document = golden["activity"][key]
        peer.serve(urlsplit(document["id"]).path, document)


@pytest.mark.parametrize("name", FIXTURES)
def test_fixture_goes_through_the_inbox_processing(name, world, peer, deliver_inbox):
    golden = load(name, **world)
    serve_inner(peer, golden)
    message = deliver_inbox(golden["activity"])
    assert message.state == InboxMessage.State.PROCESSED, (message.result, message.error)
    expect = golden["expect"]
    if expect["outcome"] == "question":
        question = Question.objects.get(ap_id=inner_note(golden["activity"])["id"])
        assert (question.state, question.content_text) == (expect["state"], expect["text"])
        assert question.author.ap_id == world["actor"] and question.in_reply_to == world["ama"]
        assert question.language == (expect["language"] or question.ama.language)
    elif expect["outcome"] == "vote":
        question = Question.objects.get(ap_id=world["question"])
        assert question.vote_count == expect["votes"] == Vote.objects.filter(question=question).count()
    else:
        assert Question.objects.get(ap_id=world["question"]).state == Question.State.DELETED


@pytest.mark.parametrize("spelling", [PUBLIC, "as:Public", "Public"])
@pytest.mark.parametrize("shape", ["string", "list", "object"])
def test_the_three_spellings_of_the_public_address(spelling, shape, world, deliver_inbox):
    golden = load("mastodon_reply", **world)
    address = {"string": spelling, "list": [spelling], "object": {"id": spelling}}[shape]
    golden["activity"]["to"] = golden["activity"]["object"]["to"] = address
    assert is_public(golden["activity"]) and is_public(golden["activity"]["object"])
    assert deliver_inbox(golden["activity"]).state == InboxMessage.State.PROCESSED


def test_gotosocial_hs2019_signature_with_a_key_id_without_fragment(world, peer, client):
    """A real signed POST to our inbox; the key (no fragment) is fetched from the peer and owned by gary."""
    gary = peer.actor("gary")
    key_id = gary.ap_id + "/main-key"
    gary.extra["publicKey"] = {"id": key_id, "owner": gary.ap_id, "publicKeyPem": peer.public_pem}
    peer.serve("/users/gary/main-key", {"@context": "https://w3id.org/security/v1", "id": key_id,
                                        "owner": gary.ap_id, "publicKeyPem": peer.public_pem})
    activity = load("gotosocial_reply_request", **{**world, "actor": gary.ap_id})["activity"]
    body = json.dumps(activity).encode()
    headers = signed_headers(body, key_id=key_id, private_pem=peer.private_pem)
    headers["Signature"] = headers["Signature"].replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
    assert 'algorithm="hs2019"' in headers["Signature"]
    response = post(client, body, headers)
    assert response.status_code == 202, response.content
    message = InboxMessage.objects.get(ap_id=activity["id"])
    assert message.key_id == key_id and message.actor_ap_id == gary.ap_id
    assert routing.process(message.pk) == InboxMessage.State.PROCESSED
    question = Question.objects.get(ap_id=activity["instrument"]["id"])
    assert (question.state, question.author.ap_id) == (Question.State.PENDING, gary.ap_id)
