# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""Discovery: WebFinger, host-meta, NodeInfo 2.1, actor documents, content negotiation, collections."""

import pytest

from federation.actors import instance_actor
from federation.models import Actor, Follow, OutboxActivity

AS2 = "application/activity+json"
LD = 'application/ld+json; profile="https://www.w3.org/ns/activitystreams"'
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.fixture
def instance(db, monkeypatch):
    from federation import keys
    from tests.peer import test_keypair
    monkeypatch.setattr(keys, "generate_keypair", test_keypair)
    return instance_actor()


def _finger(client, resource):
    return client.get("/.well-known/webfinger", {"resource": resource} if resource is not None else {})


# ---- WebFinger ----------------------------------------------------------------------------------

@pytest.mark.parametrize("resource", [
    "acct:alice@testserver", "acct%3Aalice%40testserver", "ACCT:ALICE@TESTSERVER", "acct:@alice@testserver",
    "@alice@testserver", "alice@testserver", "http://testserver/users/alice", " acct:alice@testserver ",
])
def test_webfinger_finds_the_host(client, host, resource):
    response = _finger(client, resource)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/jrd+json")
    document = response.json()
    assert document["subject"] == "acct:alice@testserver"
    self_links = [link for link in document["links"] if link["rel"] == "self"]
    assert self_links == [{"rel": "self", "type": AS2, "href": host.ap_id,
                           "properties": {"https://www.w3.org/ns/activitystreams#type": "Person"}}]
    rels = {link["rel"]: link for link in document["links"]}
    assert rels["http://webfinger.net/rel/profile-page"]["href"] == host.url
    assert rels["http://ostatus.org/schema/1.0/subscribe"]["template"] == (
        "http://testserver/authorize_interaction?uri={uri}")
    assert response["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("resource", ["http://testserver/", "http://testserver", "acct:testserver@testserver"])
def test_webfinger_site_root_is_the_instance_actor(client, instance, resource):
    document = _finger(client, resource).json()
    assert document["subject"] == "acct:testserver@testserver"
    assert [link["href"] for link in document["links"] if link["rel"] == "self"] == [instance.ap_id]


@pytest.mark.parametrize("resource", ["acct:bob@testserver", "acct:alice@elsewhere.example",
                                      "http://testserver/users/bob", "http://elsewhere.example/users/alice",
                                      "acct:", "acct:alice", "nonsense"])
def test_webfinger_unknown_is_404(client, host, resource):
    response = _finger(client, resource)
    assert response.status_code == 404 and response.json()["error"]


@pytest.mark.parametrize("resource", [None, ""])
def test_webfinger_without_resource_is_400(client, db, resource):
    response = _finger(client, resource)
    assert response.status_code == 400 and response.json()["error"]


def test_webfinger_does_not_find_remote_actors(client, remote_actor):
    assert _finger(client, remote_actor.ap_id).status_code == 404


# ---- host-meta, NodeInfo ------------------------------------------------------------------------

def test_host_meta_points_to_webfinger(client, db):
    response = client.get("/.well-known/host-meta")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xrd+xml")
    assert b'template="http://testserver/.well-known/webfinger?resource={uri}"' in response.content


def test_nodeinfo_index_links_2_0_and_2_1(client, db):
    """Takahē reads only the 2.0 link, Mastodon takes either."""
    links = client.get("/.well-known/nodeinfo").json()["links"]
    assert links == [{"rel": "http://nodeinfo.diaspora.software/ns/schema/2.0",
                      "href": "http://testserver/nodeinfo/2.0"},
                     {"rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
                      "href": "http://testserver/nodeinfo/2.1"}]


def test_nodeinfo_2_0_is_served_at_its_link(client, make_host):
    make_host("alice")
    href = client.get("/.well-known/nodeinfo").json()["links"][0]["href"]
    response = client.get(href.removeprefix("http://testserver"))
    assert response.status_code == 200
    assert 'profile="http://nodeinfo.diaspora.software/ns/schema/2.0#"' in response["Content-Type"]
    document = response.json()
    assert document["version"] == "2.0" and document["protocols"] == ["activitypub"]
    assert document["usage"]["users"]["total"] == 1
    assert set(document["software"]) == {"name", "version"}  # 2.0 has no repository/homepage


def test_unknown_nodeinfo_version_is_404_with_a_reason(client, db):
    response = client.get("/nodeinfo/1.0")
    assert response.status_code == 404 and "2.0, 2.1" in response.json()["error"]


def test_nodeinfo_counts_are_real(client, make_host, instance):
    alice, bob_local = make_host("alice"), make_host("bobby")
    make_host("carol")
    for number, (actor, kind) in enumerate([(alice, "Create"), (alice, "Create"), (bob_local, "Create"),
                                            (alice, "Accept")]):
        OutboxActivity.objects.create(ap_id=f"http://testserver/activities/{number}", actor=actor,
                                      activity_type=kind, body={})
    response = client.get("/nodeinfo/2.1")
    assert 'profile="http://nodeinfo.diaspora.software/ns/schema/2.1#"' in response["Content-Type"]
    document = response.json()
    assert document["version"] == "2.1" and document["protocols"] == ["activitypub"]
    assert document["software"]["name"] == "fediama"
    assert document["usage"] == {"users": {"total": 3, "activeMonth": 2, "activeHalfyear": 2}, "localPosts": 3}
    assert document["openRegistrations"] is False and "services" in document and "metadata" in document


# ---- actor documents and content negotiation ----------------------------------------------------

def test_actor_document_has_what_mastodon_and_lemmy_need(client, host):
    Actor.objects.filter(pk=host.pk).update(icon_url="http://testserver/media/alice.png", summary="<p>hi</p>")
    response = client.get("/users/alice", HTTP_ACCEPT=AS2)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/activity+json; charset=utf-8"
    doc = response.json()
    base = "http://testserver/users/alice"
    assert doc["@context"][:2] == ["https://www.w3.org/ns/activitystreams", "https://w3id.org/security/v1"]
    assert {k: doc[k] for k in ("id", "type", "preferredUsername", "name", "summary", "url", "inbox", "outbox",
                                "followers", "following", "featured", "manuallyApprovesFollowers",
                                "discoverable", "indexable", "webfinger")} == {
        "id": base, "type": "Person", "preferredUsername": "alice", "name": "Alice", "summary": "<p>hi</p>",
        "url": base, "inbox": base + "/inbox", "outbox": base + "/outbox", "followers": base + "/followers",
        "following": base + "/following", "featured": base + "/featured", "manuallyApprovesFollowers": False,
        "discoverable": True, "indexable": True, "webfinger": "alice@testserver"}
    assert doc["endpoints"] == {"sharedInbox": "http://testserver/inbox"}
    assert doc["icon"] == {"type": "Image", "url": "http://testserver/media/alice.png"}
    assert doc["publicKey"] == {"id": base + "#main-key", "owner": base, "publicKeyPem": host.public_key_pem}
    assert doc["publicKey"]["publicKeyPem"].startswith("-----BEGIN PUBLIC KEY-----")
    assert doc["published"].endswith("Z")
    extra = doc["@context"][2]
    assert {"manuallyApprovesFollowers", "discoverable", "indexable", "featured", "webfinger"} <= set(extra)


def test_instance_actor_document(client, instance):
    doc = client.get("/actor", HTTP_ACCEPT=AS2).json()
    assert (doc["id"], doc["type"], doc["preferredUsername"]) == ("http://testserver/actor", "Application",
                                                                  "testserver")
    assert doc["publicKey"]["id"] == "http://testserver/actor#main-key"
    assert doc["inbox"] == "http://testserver/actor/inbox"


@pytest.mark.parametrize("accept", [
    AS2, LD, 'application/ld+json;profile="https://www.w3.org/ns/activitystreams"', "application/ld+json",
    "application/activity+json; charset=utf-8", "APPLICATION/ACTIVITY+JSON", "application/json",
    'application/ld+json; profile="https://www.w3.org/ns/activitystreams https://w3id.org/security/v1"',
    f"text/html;q=0.5, {AS2}",
])
@pytest.mark.parametrize("path", ["/users/alice", "/actor"])
def test_servers_get_json_whose_id_is_the_url(client, host, instance, accept, path):
    response = client.get(path, HTTP_ACCEPT=accept)
    assert response["Content-Type"].startswith(AS2)
    assert "Accept" in response["Vary"]
    assert response.json()["id"] == "http://testserver" + path


@pytest.mark.parametrize("accept", [BROWSER, "", "*/*", "text/html",
                                    'application/ld+json; profile="https://example.org/other"',
                                    f"{AS2};q=0.4, text/html"])
@pytest.mark.parametrize("path", ["/users/alice", "/actor"])
def test_browsers_get_html(client, host, instance, accept, path):
    response = client.get(path, HTTP_ACCEPT=accept) if accept else client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert "Accept" in response["Vary"]


def test_unknown_actor_is_404(client, db):
    assert client.get("/users/nobody", HTTP_ACCEPT=AS2).status_code == 404


def test_remote_actor_is_not_served_as_ours(client, remote_actor):
    assert client.get("/users/bob", HTTP_ACCEPT=AS2).status_code == 404


# ---- collections --------------------------------------------------------------------------------

def _followers(host, count: int, *, state=Follow.State.ACCEPTED):
    from federation.actors import store_remote_actor
    for number in range(count):
        remote = store_remote_actor({"id": f"http://remote.example/users/f{number}", "type": "Person",
                                     "inbox": f"http://remote.example/users/f{number}/inbox"})
        Follow.objects.create(follower=remote, followed=host, state=state)


@pytest.mark.parametrize("name", ["followers", "following", "outbox", "featured"])
def test_empty_collections(client, host, name):
    response = client.get(f"/users/alice/{name}", HTTP_ACCEPT=AS2)
    assert response["Content-Type"].startswith(AS2) and "Accept" in response["Vary"]
    doc = response.json()
    assert (doc["id"], doc["type"], doc["totalItems"]) == (f"http://testserver/users/alice/{name}",
                                                           "OrderedCollection", 0)


def test_followers_are_paged_and_pending_ones_are_not_listed(client, host):
    _followers(host, 45)
    from federation.actors import store_remote_actor
    pending = store_remote_actor({"id": "http://remote.example/users/pending", "type": "Person",
                                  "inbox": "http://remote.example/users/pending/inbox"})
    Follow.objects.create(follower=pending, followed=host, state=Follow.State.PENDING)
    base = "http://testserver/users/alice/followers"
    doc = client.get("/users/alice/followers", HTTP_ACCEPT=AS2).json()
    assert (doc["totalItems"], doc["first"], doc["last"]) == (45, base + "?page=1", base + "?page=3")
    pages, url = [], doc["first"]
    while url:
        page = client.get(url.replace("http://testserver", ""), HTTP_ACCEPT=AS2).json()
        assert page["id"] == url and page["type"] == "OrderedCollectionPage" and page["partOf"] == base
        pages.append(page)
        url = page.get("next")
    items = [item for page in pages for item in page["orderedItems"]]
    assert [len(page["orderedItems"]) for page in pages] == [20, 20, 5]
    assert len(set(items)) == 45 and pending.ap_id not in items
    assert pages[1]["prev"] == base + "?page=1"


def test_following_lists_accepted_follows_of_remote_actors(client, host):
    from federation.actors import store_remote_actor
    target = store_remote_actor({"id": "http://remote.example/users/t", "type": "Person",
                                 "inbox": "http://remote.example/users/t/inbox"})
    Follow.objects.create(follower=host, followed=target, state=Follow.State.ACCEPTED)
    page = client.get("/users/alice/following?page=1", HTTP_ACCEPT=AS2).json()
    assert page["orderedItems"] == [target.ap_id]


def test_outbox_lists_public_activities_only(client, host):
    OutboxActivity.objects.create(ap_id="http://testserver/activities/1", actor=host, activity_type="Create",
                                  body={"id": "http://testserver/activities/1", "type": "Create"})
    OutboxActivity.objects.create(ap_id="http://testserver/activities/2", actor=host, activity_type="Accept",
                                  body={"id": "http://testserver/activities/2", "type": "Accept"}, public=False)
    doc = client.get("/users/alice/outbox", HTTP_ACCEPT=AS2).json()
    assert doc["totalItems"] == 1
    page = client.get("/users/alice/outbox?page=1", HTTP_ACCEPT=AS2).json()
    assert [item["id"] for item in page["orderedItems"]] == ["http://testserver/activities/1"]
