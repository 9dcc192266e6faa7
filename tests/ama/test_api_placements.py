"""The placements API (/api/amas/<slug>/placements/): the host adds and withdraws communities elsewhere,
co-hosts and moderators read them, anyone else is refused; the loopback peer is the community's server."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from ama import services
from ama.models import ModeratorAssignment, Placement
from federation.models import Actor, OutboxActivity
from tests.ama.test_api import client_for
from tests.ama.test_placements import community, run_deliveries  # noqa: F401 (a fixture)


def url(ama, pk=None) -> str:
    return f"/api/amas/{ama.slug}/placements/" + (f"{pk}/" if pk else "")


def body(response):
    return json.loads(response.content)


@pytest.fixture
def handle(community, peer):  # noqa: F811
    return f"!technologie@{peer.domain}"


@pytest.fixture
def placed(open_ama, handle):
    return services.placement_add(ama=open_ama, target=handle)


@pytest.fixture
def roles(open_ama, make_host):
    """A co-host, a moderator of this AMA, and a user with no role in it."""
    cohost, moderator, stranger = make_host("cory", "Cory"), make_host("mo", "Mo"), make_host("sam", "Sam")
    open_ama.cohosts.add(cohost)
    ModeratorAssignment.objects.create(user=moderator.user, ama=open_ama)
    return {"cohost": cohost.user, "moderator": moderator.user, "stranger": stranger.user}


# ---- the host ------------------------------------------------------------------------------------------

def test_the_host_adds_a_community_and_the_post_goes_out(open_ama, handle, peer):
    response = client_for(open_ama.host.user).post(url(open_ama), {"community": handle}, format="json")
    assert response.status_code == 201, response.content
    data = body(response)
    placement = Placement.objects.get()
    assert data["id"] == placement.pk and data["community"] == handle and data["state"] == "posted"
    assert data["post"] == placement.post_ap_id and data["follow"] == "pending" and data["questions"] == 0
    assert data["url"] == placement.community.ap_id and data["refusal"] == "" and data["locked"] is False
    run_deliveries()
    assert {post.json["type"] for post in peer.inbox_posts()} == {"Follow", "Create"}


@pytest.mark.parametrize("target, reason", [("bob@{domain}", "not a community"),
                                            ("nobody@{domain}", "could not be found")])
def test_a_bad_community_is_400_with_the_reason(open_ama, community, peer, target, reason):  # noqa: F811
    peer.jrds[f"acct:bob@{peer.domain}"] = {"subject": f"acct:bob@{peer.domain}", "links": [
        {"rel": "self", "type": "application/activity+json", "href": f"{peer.base}/users/bob"}]}
    response = client_for(open_ama.host.user).post(url(open_ama), {"community": target.format(domain=peer.domain)},
                                                   format="json")
    assert response.status_code == 400 and reason in body(response)["detail"]
    assert not Placement.objects.exists()


def test_the_same_community_twice_or_none_is_400(open_ama, placed, handle):
    client = client_for(open_ama.host.user)
    again = client.post(url(open_ama), {"community": handle}, format="json")
    assert again.status_code == 400 and "already held" in body(again)["detail"]
    missing = client.post(url(open_ama), {}, format="json")
    assert missing.status_code == 400 and "community" in body(missing)


def test_the_list_shows_a_refusal(open_ama, placed, peer):
    peer.statuses = [403, 403]  # the community's server refuses the post
    run_deliveries()
    [row] = body(client_for(open_ama.host.user).get(url(open_ama)))
    assert row["id"] == placed.pk and row["state"] == "posted" and "HTTP 403" in row["refusal"]


def test_withdrawing_a_posted_placement_deletes_the_post_there(open_ama, placed):
    response = client_for(open_ama.host.user).delete(url(open_ama, placed.pk))
    assert response.status_code == 200 and body(response)["state"] == "withdrawn"
    delete = OutboxActivity.objects.get(activity_type="Delete").body
    assert delete["object"] == placed.post_ap_id and delete["to"][0] == placed.community.ap_id
    assert client_for(open_ama.host.user).delete(url(open_ama, placed.pk)).status_code == 200  # nothing re-sent
    assert OutboxActivity.objects.filter(activity_type="Delete").count() == 1


def test_withdrawing_before_publication_forgets_it(host, handle):
    now = timezone.now()
    draft = services.ama_create(host=host, title="Later", opens_at=now, closes_at=now + timezone.timedelta(hours=1))
    placement = services.placement_add(ama=draft, target=handle)
    assert client_for(host.user).delete(url(draft, placement.pk)).status_code == 204
    assert not Placement.objects.exists() and not OutboxActivity.objects.exists()


def test_unknown_ama_or_placement_is_404(open_ama, placed):
    client = client_for(open_ama.host.user)
    assert client.get("/api/amas/no-such-ama/placements/").status_code == 404
    assert client.get(url(open_ama, placed.pk + 1)).status_code == 404
    services.ama_delete(ama=open_ama)
    assert client.get(url(open_ama)).status_code == 404


# ---- the other roles -----------------------------------------------------------------------------------

@pytest.mark.parametrize("role", ["cohost", "moderator"])
def test_cohosts_and_moderators_read_but_do_not_change(role, roles, open_ama, placed, handle):
    client = client_for(roles[role])
    assert [row["community"] for row in body(client.get(url(open_ama)))] == [handle]
    assert body(client.get(url(open_ama, placed.pk)))["state"] == "posted"
    assert client.post(url(open_ama), {"community": handle}, format="json").status_code == 403
    assert client.delete(url(open_ama, placed.pk)).status_code == 403
    placed.refresh_from_db()
    assert placed.state == Placement.State.POSTED


def test_a_user_without_a_role_is_403_and_anonymous_401(roles, open_ama, placed, handle):
    stranger = client_for(roles["stranger"])
    assert stranger.get(url(open_ama)).status_code == 403
    assert stranger.delete(url(open_ama, placed.pk)).status_code == 403
    anonymous = client_for()
    assert anonymous.get(url(open_ama)).status_code == 401
    assert anonymous.post(url(open_ama), {"community": handle}, format="json").status_code == 401


def test_an_admin_adds_for_the_host(open_ama, handle, db):
    admin = get_user_model().objects.create_superuser(username="root", password="x")
    response = client_for(admin).post(url(open_ama), {"community": handle}, format="json")
    assert response.status_code == 201 and Placement.objects.get().ama == open_ama
    assert Actor.objects.filter(user=admin).count() == 0  # the host posts, not the admin


def test_the_schema_documents_the_endpoints(db):
    schema = json.loads(client_for().get("/api/schema/", HTTP_ACCEPT="application/json").content)
    paths = schema["paths"]
    listing, one = paths["/api/amas/{slug}/placements/"], paths["/api/amas/{slug}/placements/{id}/"]
    assert set(listing) >= {"get", "post"} and set(one) >= {"get", "delete"}
    assert "400" in listing["post"]["responses"] and {"200", "204"} <= set(one["delete"]["responses"])
    assert "community" in schema["components"]["schemas"]["PlacementWrite"]["required"]
    assert {"community", "state", "follow", "refusal", "questions"} <= set(
        schema["components"]["schemas"]["Placement"]["properties"])
