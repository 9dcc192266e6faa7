# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""Hostile input against the inbox, and through it the fetcher. Every case asserts the status code and
that nothing was stored or changed (inbox messages, actors, follows, outbox, deliveries)."""

import json
import logging
import socket
import time

import pytest

from federation import routing, signatures
from federation.actors import store_remote_actor
from federation.inbox import KEY_NOT_FETCHED
from federation.keys import generate_keypair
from federation.models import DomainBlock, InboxMessage
from tests.federation.fixtures_inbox import (  # noqa: F401  (fixtures)
    AS2,
    Snapshot,
    assert_refused,
    bob,
    create_note,
    endless,
    instance_actor,
    no_dns,
    origin,
    post,
    post_as,
    post_signed,
    signed_headers,
    trickle,
)

MIB = 1024 * 1024
KEY_LOG: list[str] = []  # this test's warnings from federation.inbox


@pytest.fixture(autouse=True)
def _key_log():
    """Why a key could not be fetched is told to our log only (the sender gets one sentence): record it."""
    class Recorder(logging.Handler):
        def emit(self, record):
            KEY_LOG.append(record.getMessage())
    KEY_LOG.clear()
    recorder, logger = Recorder(logging.WARNING), logging.getLogger("federation.inbox")
    logger.addHandler(recorder)
    yield
    logger.removeHandler(recorder)


def assert_key_refused(response, snapshot: Snapshot, cause: str):
    """401 with the one public sentence, nothing stored; the cause (it could map our network) only in the log."""
    assert_refused(response, 401, snapshot)
    assert response.json() == {"error": KEY_NOT_FETCHED}
    assert KEY_LOG and cause in KEY_LOG[-1], KEY_LOG


@pytest.fixture(autouse=True)
def _instance_actor(instance_actor):
    return instance_actor


@pytest.fixture(scope="module")
def stranger_key():
    """A key pair nobody publishes."""
    return generate_keypair()


def _with(activity: dict, **changes) -> dict:
    return {**activity, **changes}


# ---- malformed and pathological JSON (signed correctly by bob: only the JSON is wrong) ----------

DEEP = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
BAD_JSON = {
    "truncated": b'{"id": "x", "type": "Create"',
    "array": b"[]",
    "string": b'"Create"',
    "number": b"42",
    "null": b"null",
    "true": b"true",
    "NaN": b'{"id": "x", "n": NaN}',
    "Infinity": b'{"id": "x", "n": Infinity}',
    "-Infinity": b'{"id": "x", "n": -Infinity}',
    "float overflowing to inf": b'{"id": "x", "n": 1e99999}',
    "5000-digit integer": b'{"id": "x", "n": ' + b"9" * 5000 + b"}",
    "duplicate top-level key": b'{"id": "a", "id": "b", "type": "Create"}',
    "duplicate nested key": b'{"id": "a", "object": {"content": "x", "content": "y"}}',
    "nested 10k deep objects": DEEP,
    "nested 10k deep arrays": b"[" * 10_000 + b"]" * 10_000,
    "nested 33 deep": b'{"a":' + b"[" * 33 + b"]" * 33 + b"}",
    "empty body": b"",
    "whitespace body": b"  \n ",
    "latin-1 bytes": '{"content": "café"}'.encode("latin-1"),
    "utf-16": '{"id": "x"}'.encode("utf-16"),
    "NUL escape (jsonb refuses it)": b'{"id": "x", "content": "a\\u0000b"}',
    "lone surrogate": b'{"id": "x", "content": "\\ud800"}',
    "trailing garbage": b'{"id": "x"} {"id": "y"}',
    "raw control character in string": b'{"id": "x\x01"}',
}


@pytest.mark.parametrize("body", BAD_JSON.values(), ids=BAD_JSON.keys())
def test_malformed_json_is_400_with_reason(client, bob, body):
    snapshot = Snapshot()
    response = post_as(client, bob, body)
    assert_refused(response, 400, snapshot)


def test_deep_nesting_inside_a_valid_activity_is_400(client, bob):
    activity = create_note(bob.ap_id)
    nested = []
    for _ in range(40):
        nested = [nested]
    activity["object"]["content"] = {"a": nested}
    snapshot = Snapshot()
    assert_refused(post_as(client, bob, activity), 400, snapshot, reason="nested deeper")


def test_brackets_inside_strings_do_not_count_as_nesting(client, bob):
    """The depth check must not refuse a legitimate activity whose text is full of brackets."""
    activity = create_note(bob.ap_id, content="[" * 200 + "{" * 200 + '\\"')
    assert post_as(client, bob, activity).status_code == 202


# ---- wrong types and shapes -------------------------------------------------------------------------

def _shapes(actor: str) -> dict:
    good = create_note(actor)
    host = actor.split("/users/")[0]
    drop = lambda name: {k: v for k, v in good.items() if k != name}  # noqa: E731
    return {
        "no id": drop("id"),
        "id is a number": _with(good, id=12345),
        "id is a list": _with(good, id=[good["id"]]),
        "id is an object": _with(good, id={"id": good["id"]}),
        "id is a urn": _with(good, id="urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66"),
        "id is javascript:": _with(good, id="javascript:alert(1)"),
        "id longer than 500": _with(good, id=host + "/" + "a" * 600),
        "no type": drop("type"),
        "type is a number": _with(good, type=7),
        "type is empty": _with(good, type=""),
        "type is an object": _with(good, type={"name": "Create"}),
        "no actor": drop("actor"),
        "actor is a number": _with(good, actor=1),
        "actor is two actors": _with(good, actor=[actor, host + "/users/carol"]),
        "actor is not a URL": _with(good, actor="bob"),
        "actor is an ftp URL": _with(good, actor="ftp://" + actor.split("://")[1]),
        "actor object without id": _with(good, actor={"type": "Person", "name": "bob"}),
        "id on another host than its actor": _with(good, id="http://elsewhere.example/activities/1"),
        "id on the actor's host but another port": _with(good, id=host + "1/activities/1"),
    }


SHAPES = list(_shapes("http://127.0.0.1:1/users/bob"))


@pytest.mark.parametrize("case", SHAPES)
def test_wrong_shapes_are_400(client, bob, case):
    activity = _shapes(bob.ap_id)[case]
    snapshot = Snapshot()
    assert_refused(post_as(client, bob, activity), 400, snapshot)


# ---- sizes and framing ------------------------------------------------------------------------------

def test_body_over_one_mib_is_413(client, bob):
    activity = create_note(bob.ap_id, content="x" * MIB)
    snapshot = Snapshot()
    assert_refused(post_as(client, bob, activity), 413, snapshot)


def test_body_of_exactly_one_mib_is_read_and_judged_on_its_json(client, bob):
    body = b"{" + b" " * (MIB - 2) + b"!"
    snapshot = Snapshot()
    assert_refused(post(client, body), 400, snapshot)


def test_chunked_body_without_length_is_411(client, bob):
    body = json.dumps(create_note(bob.ap_id)).encode()
    snapshot = Snapshot()
    response = post(client, body, signed_headers(body, key_id=bob.key_id, private_pem=bob.peer.private_pem),
                    CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")
    assert_refused(response, 411, snapshot)


def test_unparseable_content_length_is_400(client, bob):
    snapshot = Snapshot()
    assert_refused(post(client, b"{}", CONTENT_LENGTH="12abc"), 400, snapshot)


def _raw_request(live_server, head: bytes, body: bytes = b"") -> bytes:
    host, port = live_server.url.split("://")[1].split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(head + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
    return answer


def test_chunked_over_a_real_socket_is_411(live_server, bob):
    snapshot = Snapshot()
    body = json.dumps(create_note(bob.ap_id)).encode()
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    head = (b"POST /inbox HTTP/1.1\r\nHost: testserver\r\nContent-Type: application/activity+json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")
    assert _raw_request(live_server, head, chunked).startswith(b"HTTP/1.1 411")
    snapshot.assert_unchanged()


def test_declared_two_mib_is_refused_before_the_body_arrives(live_server, bob):
    snapshot = Snapshot()
    head = (b"POST /inbox HTTP/1.1\r\nHost: testserver\r\nContent-Type: application/activity+json\r\n"
            b"Content-Length: 2097152\r\nConnection: close\r\n\r\n")
    started = time.monotonic()
    assert _raw_request(live_server, head).startswith(b"HTTP/1.1 413")
    assert time.monotonic() - started < 5
    snapshot.assert_unchanged()


# ---- signatures -------------------------------------------------------------------------------------

def test_unsigned_is_401_with_a_json_reason(client, bob):
    snapshot = Snapshot()
    response = post(client, json.dumps(create_note(bob.ap_id)).encode())
    assert_refused(response, 401, snapshot, reason="no signature")


def test_tampered_body_is_401(client, bob):
    def tamper(body, headers):
        return body.replace(b"favourite", b"least favourite"), headers
    snapshot = Snapshot()
    assert_refused(post_as(client, bob, create_note(bob.ap_id), mutate=tamper), 401, snapshot, reason="digest")


def test_tampered_digest_header_is_401(client, bob):
    def tamper(body, headers):
        body = body.replace(b"favourite", b"least favourite")
        return body, {**headers, "Digest": signatures.digest_header(body)}
    snapshot = Snapshot()
    assert_refused(post_as(client, bob, create_note(bob.ap_id), mutate=tamper), 401, snapshot)


def test_garbage_signature_is_401(client, bob):
    def garble(body, headers):
        return body, {**headers, "Signature": f'keyId="{bob.key_id}",headers="(request-target) date",signature="!!"'}
    snapshot = Snapshot()
    assert_refused(post_as(client, bob, create_note(bob.ap_id), mutate=garble), 401, snapshot)


def test_signature_header_without_key_id_is_401(client, bob):
    def strip(body, headers):
        return body, {**headers, "Signature": headers["Signature"].split(",", 1)[1]}
    snapshot = Snapshot()
    assert_refused(post_as(client, bob, create_note(bob.ap_id), mutate=strip), 401, snapshot, reason="keyId")


def test_signed_by_an_unpublished_key_is_401_without_refetching_a_fresh_key(client, bob, stranger_key):
    snapshot = Snapshot()
    response = post_signed(client, create_note(bob.ap_id), key_id=bob.key_id, private_pem=stranger_key[0])
    assert_refused(response, 401, snapshot, reason="verification failed")
    assert bob.peer.gets == []


def test_stale_date_is_401(client, bob):
    body = json.dumps(create_note(bob.ap_id)).encode()
    headers = signatures.sign_cavage(method="POST", url="http://testserver/inbox", headers={"Content-Type": AS2},
                                     body=body, key_id=bob.key_id, private_key_pem=bob.peer.private_pem,
                                     now=time.time() - 7300)
    snapshot = Snapshot()
    assert_refused(post(client, body, headers), 401, snapshot, reason="too old")


def test_unsigned_digest_is_401(client, bob):
    body = json.dumps(create_note(bob.ap_id)).encode()
    headers = signatures.sign_cavage(method="POST", url="http://testserver/inbox", headers={"Content-Type": AS2},
                                     body=None, key_id=bob.key_id, private_key_pem=bob.peer.private_pem)
    headers["Digest"] = signatures.digest_header(body)
    snapshot = Snapshot()
    assert_refused(post(client, body, headers), 401, snapshot, reason="digest must be signed")


def test_signature_for_another_path_is_401(client, bob):
    """Signed for /users/alice/inbox, replayed to /inbox."""
    body = json.dumps(create_note(bob.ap_id)).encode()
    headers = signed_headers(body, key_id=bob.key_id, private_pem=bob.peer.private_pem, path="/users/alice/inbox")
    snapshot = Snapshot()
    assert_refused(post(client, body, headers), 401, snapshot)


def test_signer_is_not_the_actor_is_401(client, bob):
    mallory = bob.peer.actor("mallory")
    store_remote_actor(mallory.document())
    snapshot = Snapshot()
    response = post_signed(client, create_note(bob.ap_id), key_id=mallory.key_id, private_pem=bob.peer.private_pem)
    assert_refused(response, 401, snapshot, reason="signer is not the activity's actor")


def test_key_id_on_another_host_is_401_without_fetching(client, bob, no_dns):
    snapshot = Snapshot()
    response = post_signed(client, create_note(bob.ap_id), key_id="http://keys.example/users/bob#main-key",
                           private_pem=bob.peer.private_pem)
    assert_refused(response, 401, snapshot, reason="not on the actor's host")
    assert bob.peer.gets == [] and no_dns == []


def test_key_owned_by_someone_else_is_401_and_caches_nothing(client, peer, db):
    dave = peer.actor("dave")
    dave.extra = {"publicKey": {"id": dave.key_id, "owner": peer.base + "/users/carol",
                                "publicKeyPem": peer.public_pem}}
    snapshot = Snapshot()
    assert_key_refused(post_as(client, dave, create_note(dave.ap_id)), snapshot, "owned by someone else")
    assert peer.gets == ["/users/dave"]


def test_key_id_that_is_not_the_actors_key_is_401_and_caches_nothing(client, peer, db):
    erin = peer.actor("erin")
    erin.extra = {"publicKey": {"id": erin.ap_id + "#other-key", "owner": erin.ap_id,
                                "publicKeyPem": peer.public_pem}}
    snapshot = Snapshot()
    assert_key_refused(post_as(client, erin, create_note(erin.ap_id)), snapshot, "is not the key of")


def test_key_document_naming_an_owner_whose_key_differs_is_401_and_caches_nothing(client, peer, db):
    frank = peer.actor("frank")
    key_url = peer.serve("/keys/frank", {"id": peer.base + "/keys/frank", "type": "CryptographicKey",
                                         "owner": frank.ap_id, "publicKeyPem": peer.public_pem})
    snapshot = Snapshot()
    response = post_signed(client, create_note(frank.ap_id), key_id=key_url, private_pem=peer.private_pem)
    assert_key_refused(response, snapshot, "is not the key of")
    assert peer.gets == ["/keys/frank", "/users/frank"]


def test_unknown_actor_whose_server_is_down_is_401(client, peer, db):
    ghost = peer.actor("ghost")
    del peer.actors["ghost"]  # the peer answers 404 for it
    snapshot = Snapshot()
    assert_key_refused(post_as(client, ghost, create_note(ghost.ap_id)), snapshot, "HTTP 404")


# ---- domain policy ----------------------------------------------------------------------------------

def test_blocked_domain_is_403_before_any_fetch(client, peer, db):
    DomainBlock.objects.create(domain="127.0.0.1")
    stranger = peer.actor("stranger")
    snapshot = Snapshot()
    assert_refused(post_as(client, stranger, create_note(stranger.ap_id)), 403, snapshot, reason="blocked")
    assert peer.gets == []


def test_draft_block_does_not_block(client, bob):
    DomainBlock.objects.create(domain="127.0.0.1", is_draft=True)
    assert post_as(client, bob, create_note(bob.ap_id)).status_code == 202


@pytest.mark.parametrize("actor_host", [
    "xn--bcher-kva.example", "bücher.example", "BÜCHER.EXAMPLE", "bücher.example.", "social.bücher.example",
    "ｂüｃｈｅｒ.example", "bücher.example:8443",
])
def test_blocked_domain_in_every_spelling_is_403(client, db, no_dns, actor_host):
    DomainBlock.objects.create(domain="xn--bcher-kva.example")
    actor = f"http://{actor_host}/users/x"
    snapshot = Snapshot()
    response = post(client, json.dumps(create_note(actor)).encode())
    assert_refused(response, 403, snapshot)
    assert no_dns == []


# ---- Delete of an unknown actor, replays ------------------------------------------------------------

def test_self_delete_of_an_unknown_actor_is_202_without_fetching(client, peer, db):
    gone = peer.base + "/users/gone"
    activity = {"id": gone + "#delete", "type": "Delete", "actor": gone, "object": gone}
    snapshot = Snapshot()
    response = post(client, json.dumps(activity).encode())
    assert response.status_code == 202
    snapshot.assert_unchanged()
    assert peer.gets == []


def test_self_delete_of_a_known_actor_still_needs_a_signature(client, bob):
    activity = {"id": bob.ap_id + "#delete", "type": "Delete", "actor": bob.ap_id, "object": bob.ap_id}
    snapshot = Snapshot()
    assert_refused(post(client, json.dumps(activity).encode()), 401, snapshot)


def test_replay_is_stored_once(client, bob):
    activity = create_note(bob.ap_id)
    first = post_as(client, bob, activity)
    assert first.status_code == 202 and first.json() == {"status": "accepted"}
    snapshot = Snapshot()
    second = post_as(client, bob, activity)
    assert second.status_code == 202 and second.json() == {"status": "duplicate"}
    snapshot.assert_unchanged()
    assert InboxMessage.objects.filter(ap_id=activity["id"]).count() == 1


def test_same_activity_through_shared_and_personal_inbox_is_one_row(client, bob, host):
    activity = create_note(bob.ap_id)
    assert post_as(client, bob, activity, path="/users/alice/inbox").status_code == 202
    assert post_as(client, bob, activity, path="/inbox").status_code == 202
    assert post_as(client, bob, activity, path="/actor/inbox").status_code == 202
    assert list(InboxMessage.objects.values_list("ap_id", "received_via")) == [
        (activity["id"], "/users/alice/inbox")]


# ---- SSRF through the key fetch ---------------------------------------------------------------------

PRIVATE_FORMS = ["127.0.0.1:{port}", "127.1:{port}", "2130706433:{port}", "0x7f.0.0.1:{port}",
                 "017700000001:{port}", "127.0.0.1.:{port}", "[::ffff:127.0.0.1]:{port}",
                 "[::ffff:7f00:1]:{port}", "localhost:{port}", "[::1]:{port}", "0.0.0.0:{port}"]


@pytest.mark.parametrize("form", PRIVATE_FORMS)
def test_private_address_in_any_spelling_is_401_and_never_contacted(client, peer, settings, db, no_dns, form):
    """The peer listens on 127.0.0.1: with the guard on (the default) it must receive nothing."""
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = False
    actor = "http://" + form.format(port=peer.domain.split(":")[1]) + "/users/bob"
    snapshot = Snapshot()
    response = post_signed(client, create_note(actor), key_id=actor + "#main-key", private_pem=peer.private_pem)
    assert_refused(response, 401, snapshot, reason="the signer's key could not be fetched")
    assert peer.gets == []


def test_a_refused_key_host_is_not_described_to_the_sender_only_logged(client, peer, settings, db, no_dns,
                                                                       caplog):
    """The 401 must not be a DNS oracle: what localhost resolves to goes to our log, not to the sender."""
    settings.FEDIAMA_ALLOW_PRIVATE_ADDRESSES = False
    actor = f"http://localhost:{peer.domain.split(':')[1]}/users/bob"
    with caplog.at_level("WARNING", logger="federation.inbox"):
        response = post_signed(client, create_note(actor), key_id=actor + "#main-key", private_pem=peer.private_pem)
    assert response.status_code == 401
    assert response.json() == {"error": "the signer's key could not be fetched"}
    assert "127.0.0.1" not in response.content.decode() and "resolve" not in response.content.decode()
    logged = [r.getMessage() for r in caplog.records if r.name == "federation.inbox" and r.levelname == "WARNING"]
    assert len(logged) == 1 and "localhost" in logged[0] and "127.0.0.1" in logged[0]


METADATA_HOSTS = ["169.254.169.254", "[::ffff:169.254.169.254]", "0xa9fea9fe", "2852039166",
                  "[fd00:ec2::254]", "100.100.100.200", "169.254.170.2", "[fe80::1]"]


@pytest.mark.parametrize("metadata_host", METADATA_HOSTS)
def test_metadata_addresses_are_refused_even_with_private_addresses_allowed(client, loopback, db, no_dns,
                                                                              metadata_host):
    actor = f"http://{metadata_host}/users/bob"
    snapshot = Snapshot()
    started = time.monotonic()
    response = post_signed(client, create_note(actor), key_id=actor + "#main-key", private_pem=_any_key())
    assert_key_refused(response, snapshot, "not a public address")
    assert time.monotonic() - started < 3  # refused, not timed out connecting


def _any_key():
    from tests.peer import test_keypair
    return test_keypair()[0]


def test_userinfo_in_key_id_is_refused_without_a_request(client, peer, db):
    actor = peer.base + "/users/bob"
    key_id = f"http://bob@{peer.domain}/users/bob#main-key"
    snapshot = Snapshot()
    response = post_signed(client, create_note(actor), key_id=key_id, private_pem=peer.private_pem)
    assert_key_refused(response, snapshot, "userinfo")
    assert peer.gets == []


def test_backslash_parser_differential_in_key_id_is_refused_without_a_request(client, peer, db, no_dns):
    """urlsplit sees good.example; a WHATWG parser would connect to the peer."""
    actor = "http://good.example/users/bob"
    key_id = f"http://{peer.domain}\\@good.example/users/bob#main-key"
    snapshot = Snapshot()
    response = post_signed(client, create_note(actor), key_id=key_id, private_pem=peer.private_pem)
    assert_key_refused(response, snapshot, "backslash")
    assert peer.gets == [] and no_dns == []


def test_percent_encoded_host_is_refused_without_a_request(client, peer, db, no_dns):
    actor = "http://127.0.0.1%3A" + peer.domain.split(":")[1] + "/users/bob"
    snapshot = Snapshot()
    response = post_signed(client, create_note(actor), key_id=actor + "#main-key", private_pem=peer.private_pem)
    assert_key_refused(response, snapshot, "percent-encoding")
    assert peer.gets == [] and no_dns == []


# ---- redirects, slow and endless answers from the key's server --------------------------------------

def _post_from(client, server, name: str):
    actor = f"{server.base}/users/{name}"
    return post_signed(client, create_note(actor), key_id=actor + "#main-key", private_pem=_any_key())


def test_key_redirect_to_metadata_is_refused(client, origin, db):
    origin.redirect("/users/r1", "http://169.254.169.254/latest/meta-data/")
    snapshot = Snapshot()
    assert_key_refused(_post_from(client, origin, "r1"), snapshot, "not a public address")
    assert origin.requests == ["/users/r1"]


def test_more_than_two_redirects_are_refused(client, origin, db):
    for hop in range(4):
        origin.redirect(f"/users/hop{hop}", f"{origin.base}/users/hop{hop + 1}")
    snapshot = Snapshot()
    assert_key_refused(_post_from(client, origin, "hop0"), snapshot, "redirects")
    assert origin.requests == ["/users/hop0", "/users/hop1", "/users/hop2"]


def test_key_redirected_to_another_hosts_actor_caches_nothing(client, origin, peer, db):
    """The document at the end is genuine (served at its id) but it is not the key that signed."""
    peer.actor("bob")
    origin.redirect("/users/r3", peer.base + "/users/bob")
    snapshot = Snapshot()
    assert_key_refused(_post_from(client, origin, "r3"), snapshot, "is not the key of")
    assert peer.gets == ["/users/bob"]


def test_trickling_key_server_is_cut_at_the_deadline(client, origin, settings, db):
    settings.FEDIAMA_FETCH_TIMEOUT = 1
    origin.routes["/users/slow"] = trickle
    snapshot = Snapshot()
    started = time.monotonic()
    assert_key_refused(_post_from(client, origin, "slow"), snapshot, "timeout")
    assert time.monotonic() - started < 4


def test_endless_key_document_is_cut_at_the_cap(client, origin, db):
    origin.routes["/users/endless"] = endless
    snapshot = Snapshot()
    started = time.monotonic()
    assert_key_refused(_post_from(client, origin, "endless"), snapshot, "larger than")
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("route, cause", [
    ((200, {"Content-Type": "text/html"}, b"<html>hello</html>"), "not an ActivityStreams document"),
    ((200, {}, b'{"id": "x", "id": "y"}'), "duplicate key"),
    ((200, {}, b"[" * 5000 + b"]" * 5000), "nested deeper"),
    ((200, {}, b'{"id": "not the url", "type": "Person", "inbox": "/inbox"}'), "in URL"),
    ((500, {}, b"{}"), "HTTP 500"),
    ((410, {}, b"{}"), "gone"),
], ids=["html", "duplicate keys", "deep", "wrong id", "500", "410"])
def test_unusable_key_documents_are_401(client, origin, db, route, cause):
    origin.routes["/users/odd"] = route
    snapshot = Snapshot()
    assert_key_refused(_post_from(client, origin, "odd"), snapshot, cause)


# ---- IDN and homoglyph actor domains ----------------------------------------------------------------

def _known_peer_example(peer):
    doc = {"id": "http://peer.example/users/bob", "type": "Person", "preferredUsername": "bob",
           "inbox": "http://peer.example/users/bob/inbox",
           "publicKey": {"id": "http://peer.example/users/bob#main-key", "owner": "http://peer.example/users/bob",
                         "publicKeyPem": peer.public_pem}}
    return store_remote_actor(doc)


def test_homoglyph_actor_signed_with_the_real_key_is_401(client, peer, db, no_dns):
    real = _known_peer_example(peer)
    fake = "http://p\u0435er.example/users/bob"  # Cyrillic е
    snapshot = Snapshot()
    response = post_signed(client, create_note(fake), key_id=real.key_id, private_pem=peer.private_pem)
    assert_refused(response, 401, snapshot, reason="not on the actor's host")
    assert no_dns == []


@pytest.mark.parametrize("host", ["p\u0435er.example", "ｐｅｅｒ.example", "PEER.example", "peer.example."])
def test_lookalike_key_host_never_reuses_the_cached_key(client, peer, db, no_dns, host):
    """Same-looking host, different string: the cache does not match; the fetch goes to the punycode
    (or normalised) name and, here, fails: nothing is believed or stored."""
    _known_peer_example(peer)
    actor = f"http://{host}/users/bob"
    snapshot = Snapshot()
    response = post_signed(client, create_note(actor), key_id=actor + "#main-key", private_pem=peer.private_pem)
    assert_refused(response, 401, snapshot)
    assert len(no_dns) == 1 and no_dns[0].isascii()


def test_invalid_punycode_host_is_refused_before_dns(client, db, no_dns):
    actor = "http://xn--a-ecp.xn--zz.example/users/bob"
    snapshot = Snapshot()
    response = post_signed(client, create_note(actor), key_id=actor + "#main-key", private_pem=_any_key())
    assert_refused(response, 401, snapshot)
    assert no_dns == []


# ---- forged attributedTo in an embedded object ------------------------------------------------------

@pytest.fixture
def believed(monkeypatch):
    """A Create(Note) handler that records what federation lets it believe."""
    seen = []

    def handler(incoming):
        seen.append(incoming.trusted_object())
        return "believed"
    monkeypatch.setitem(routing._handlers, ("Create", "Note"), [handler])
    return seen


@pytest.fixture
def other_peer(loopback):
    from tests.peer import Peer
    server = Peer()
    yield server
    server.close()


def _stored_and_processed(client, actor, activity):
    assert post_as(client, actor, activity).status_code == 202
    message = InboxMessage.objects.get(ap_id=activity["id"])
    routing.process(message.pk)
    message.refresh_from_db()
    return message


def test_embedded_note_attributed_to_someone_on_another_host_is_fetched_not_believed(client, bob, other_peer,
                                                                                     believed):
    carol = other_peer.base + "/users/carol"
    activity = create_note(bob.ap_id)
    activity["object"] = {"id": other_peer.base + "/notes/1", "type": "Note", "attributedTo": carol,
                          "content": "forged words"}
    message = _stored_and_processed(client, bob, activity)
    assert other_peer.gets == ["/notes/1"]
    assert believed == [] and message.state == InboxMessage.State.IGNORED


def test_fetched_original_replaces_the_forged_embedding(client, bob, other_peer, believed):
    carol = other_peer.base + "/users/carol"
    real = {"id": other_peer.base + "/notes/2", "type": "Note", "attributedTo": carol, "content": "real words"}
    other_peer.serve("/notes/2", real)
    activity = create_note(bob.ap_id)
    activity["object"] = {**real, "content": "forged words"}
    _stored_and_processed(client, bob, activity)
    assert believed == [real]


def test_full_pipeline_does_not_turn_a_forged_note_into_a_question(client, bob, other_peer):
    from ama.models import Question
    carol = other_peer.base + "/users/carol"
    other_peer.serve("/notes/3", {"id": other_peer.base + "/notes/3", "type": "Note", "attributedTo": carol,
                                  "content": "carol's words"})
    activity = create_note(bob.ap_id)
    activity["object"] = {"id": other_peer.base + "/notes/3", "type": "Note", "attributedTo": bob.ap_id,
                          "content": "words bob puts in carol's note"}
    message = _stored_and_processed(client, bob, activity)
    assert other_peer.gets == ["/notes/3"]
    assert message.state == InboxMessage.State.IGNORED and Question.objects.count() == 0


@pytest.mark.parametrize("attributed_to", [
    "{other}/users/carol", ["{bob}", "{other}/users/carol"], {"type": "Person"}, ["{bob}", {"name": "x"}],
], ids=["other host", "list with another", "object without id", "list with an unnamed author"])
def test_embedded_note_on_the_signers_host_with_foreign_attribution_is_fetched(client, bob, other_peer, believed,
                                                                              attributed_to):
    fill = lambda v: v.format(bob=bob.ap_id, other=other_peer.base) if isinstance(v, str) else v  # noqa: E731
    attributed = [fill(v) for v in attributed_to] if isinstance(attributed_to, list) else fill(attributed_to)
    activity = create_note(bob.ap_id)
    activity["object"]["attributedTo"] = attributed
    message = _stored_and_processed(client, bob, activity)
    assert bob.peer.gets == ["/notes/" + activity["object"]["id"].rsplit("/", 1)[1]]
    assert believed == [] and message.state == InboxMessage.State.IGNORED


def test_fetched_note_attributed_to_another_host_is_not_believed(client, bob, other_peer, believed):
    note = {"id": bob.peer.base + "/notes/4", "type": "Note", "attributedTo": other_peer.base + "/users/carol",
            "content": "x"}
    bob.peer.serve("/notes/4", note)
    activity = create_note(bob.ap_id)
    activity["object"] = note
    message = _stored_and_processed(client, bob, activity)
    assert bob.peer.gets == ["/notes/4"]
    assert believed == [] and "another host" in message.result


def test_the_signers_own_embedded_note_is_believed_without_a_fetch(client, bob, believed):
    activity = create_note(bob.ap_id)
    message = _stored_and_processed(client, bob, activity)
    assert believed == [activity["object"]] and bob.peer.gets == []
    assert message.state == InboxMessage.State.PROCESSED
