"""An AMA made before the community prefix stopped doubling keeps its Group (id, name, followers) and is also
found and shown by its clean name: WebFinger answers !ama-<rest> with the Group !ama-ama-<rest> as Mastodon
and Lemmy resolve handles, the page shows the clean name, and new AMAs never take it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from ama import services
from ama.activitypub import group as group_module
from federation.actors import create_local_actor
from federation.models import Actor

pytestmark = pytest.mark.django_db
AS2 = "application/activity+json"


@pytest.fixture
def old_ama(host, monkeypatch):
    """An AMA whose Group was named as before the fix: ama-<slug>, whatever the slug."""
    with monkeypatch.context() as before_the_fix:
        before_the_fix.setattr(group_module, "free_group_username", lambda slug: f"ama-{slug}")
        ama = services.ama_create(host=host, title="AMA: modèles ouverts", opens_at=timezone.now(),
                                  closes_at=timezone.now() + timedelta(hours=1), publish=True)
    assert ama.group.username == "ama-ama-modeles-ouverts"
    return ama


def finger(client, name):
    return client.get("/.well-known/webfinger", {"resource": f"acct:{name}@testserver"})


def mastodon_resolves(client, name) -> str:
    """Mastodon's ResolveAccountService: WebFinger; a subject naming another account is looked up in turn and
    must name itself; the actor's preferredUsername must WebFinger back to its id. The account's acct."""
    subject = finger(client, name).json()["subject"]
    if subject != f"acct:{name}@testserver":
        again = client.get("/.well-known/webfinger", {"resource": subject}).json()
        assert again["subject"] == subject
    jrd = client.get("/.well-known/webfinger", {"resource": subject}).json()
    [actor_id] = [link["href"] for link in jrd["links"] if link["rel"] == "self"]
    actor = client.get(actor_id, HTTP_ACCEPT=AS2).json()
    back = finger(client, actor["preferredUsername"]).json()
    assert actor_id in [link["href"] for link in back["links"] if link["rel"] == "self"]
    return f"{actor['preferredUsername']}@testserver"


def lemmy_resolves(client, name) -> str:
    """Lemmy (activitypub-federation's webfinger_resolve_actor): the first application/* link, dereferenced.
    The actor's id."""
    jrd = finger(client, name).json()
    href = next(link["href"] for link in jrd["links"] if link.get("type", "").startswith("application/"))
    return client.get(href, HTTP_ACCEPT=AS2).json()["id"]


def test_the_clean_name_finds_the_same_group_whose_id_and_name_do_not_change(client, old_ama):
    group = old_ama.group
    jrd = finger(client, "ama-modeles-ouverts")
    assert jrd.status_code == 200
    assert jrd.json()["subject"] == "acct:ama-ama-modeles-ouverts@testserver"  # its own name, for Mastodon
    assert "acct:ama-modeles-ouverts@testserver" in jrd.json()["aliases"] and group.ap_id in jrd.json()["aliases"]
    assert finger(client, "ama-ama-modeles-ouverts").json() == jrd.json()
    document = client.get(group.ap_id, HTTP_ACCEPT=AS2).json()
    assert document["id"] == group.ap_id and group.ap_id.endswith("/ama-ama-modeles-ouverts")
    assert document["preferredUsername"] == "ama-ama-modeles-ouverts"


def test_mastodon_and_lemmy_reach_the_account_their_followers_already_follow(client, old_ama):
    assert mastodon_resolves(client, "ama-modeles-ouverts") == "ama-ama-modeles-ouverts@testserver"
    assert mastodon_resolves(client, "ama-ama-modeles-ouverts") == "ama-ama-modeles-ouverts@testserver"
    assert lemmy_resolves(client, "ama-modeles-ouverts") == lemmy_resolves(client, "ama-ama-modeles-ouverts") \
        == old_ama.group.ap_id


def test_the_page_shows_the_clean_name(client, old_ama):
    page = client.get(f"/amas/{old_ama.slug}").content.decode()
    assert "!ama-modeles-ouverts@testserver" in page and "!ama-ama-" not in page
    assert group_module.community_handle(old_ama.group) == "!ama-modeles-ouverts@testserver"


def test_a_new_ama_does_not_take_an_older_groups_clean_name(client, old_ama, host):
    new = services.ama_create(host=host, title="Modèles ouverts", opens_at=timezone.now(),
                              closes_at=timezone.now() + timedelta(hours=1), publish=True)
    assert new.slug == "modeles-ouverts" and new.group.username == "ama-modeles-ouverts-2"
    assert lemmy_resolves(client, "ama-modeles-ouverts") == old_ama.group.ap_id


def test_an_actor_really_named_so_wins_and_the_page_falls_back(client, old_ama):
    person = create_local_actor(username="ama-modeles-ouverts", display_name="A person", generate_keys_now=False)
    jrd = finger(client, "ama-modeles-ouverts").json()
    assert jrd["subject"] == "acct:ama-modeles-ouverts@testserver"
    assert [link["href"] for link in jrd["links"] if link["rel"] == "self"] == [person.ap_id]
    assert "acct:ama-modeles-ouverts@testserver" not in finger(client, "ama-ama-modeles-ouverts").json()["aliases"]
    assert group_module.community_handle(old_ama.group) == "!ama-ama-modeles-ouverts@testserver"


def test_other_names_are_not_invented(client, old_ama, open_ama):
    assert finger(client, "ama-nothing-here").status_code == 404
    assert finger(client, "modeles-ouverts").status_code == 404  # only the ama- prefix is dropped, once
    assert group_module.clean_names_of(open_ama.group) == []  # a Group named well has no other name
    assert finger(client, open_ama.group.username).json()["aliases"] == [open_ama.group.ap_id]
    assert group_module.clean_names_of(Actor.objects.get(pk=open_ama.host.pk)) == []


def test_the_clean_names_address_leads_to_the_group_for_a_page_and_a_fetch(client, old_ama):
    group = old_ama.group
    for accept in ("text/html", AS2):
        moved = client.get("/c/ama-modeles-ouverts", HTTP_ACCEPT=accept)
        assert moved.status_code == 301 and moved["Location"] == "/c/ama-ama-modeles-ouverts"
    document = client.get("/c/ama-modeles-ouverts", HTTP_ACCEPT=AS2, follow=True).json()
    assert document["id"] == group.ap_id  # it names itself by its own id: what Lemmy and Mastodon check


def test_no_address_is_invented_and_a_real_name_is_never_redirected(client, old_ama):
    assert client.get("/c/ama-nothing-here", HTTP_ACCEPT=AS2).status_code == 404
    assert client.get("/c/modeles-ouverts").status_code == 404
    create_local_actor(username="ama-modeles-ouverts", display_name="A person", generate_keys_now=False)
    assert client.get("/c/ama-modeles-ouverts").status_code == 404  # a person's name, not a community
