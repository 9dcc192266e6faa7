"""The host's own profile from the dashboard (ama/views/host_profile.py, ama/services/host_profile.py): display
name, bio and links shown on the host card of their AMAs and sent in their ActivityPub document; hostile links are
refused with a form error and nothing is stored; the bio is text, never markup."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ama.models import AuditEntry
from ama.profiles import profile_links
from federation.documents import actor_document
from federation.models import Actor

URL = "/dashboard/profile/about/"


@pytest.fixture
def alice(host):
    client = Client()
    client.force_login(host.user)
    return client


def profile(**fields) -> dict:
    return {"display_name": "Alice Martin", "bio": "", **fields}


def ama_page(client, ama) -> str:
    response = client.get(f"/amas/{ama.slug}")
    assert response.status_code == 200
    return response.content.decode()


def test_the_host_sets_name_bio_and_links_and_the_host_card_shows_them(alice, host, open_ama,
                                                                       django_capture_on_commit_callbacks):
    anonymous = Client()
    etag = anonymous.get(f"/amas/{open_ama.slug}")["ETag"]
    assert anonymous.get(f"/amas/{open_ama.slug}", HTTP_IF_NONE_MATCH=etag).status_code == 304
    with django_capture_on_commit_callbacks(execute=True):
        response = alice.post(URL, profile(bio="I grow tomatoes.\nAnd peppers.", link_1_label="Blog",
                                           link_1_url="https://alice.example/blog", link_3_label="Code",
                                           link_3_url="http://code.example/alice"))
    assert response.status_code == 302 and response["Location"] == URL
    assert anonymous.get(f"/amas/{open_ama.slug}", HTTP_IF_NONE_MATCH=etag).status_code == 200
    card = ama_page(anonymous, open_ama)
    assert "Alice Martin" in card
    assert "I grow tomatoes.<br>And peppers." in card
    assert '<span class="link-name">Blog</span> <a href="https://alice.example/blog"' in card
    assert '<span class="link-name">Code</span> <a href="http://code.example/alice"' in card
    assert AuditEntry.objects.filter(action="host.profile", target=host.ap_id).exists()
    form = alice.get(URL).content.decode()  # the form shows what is stored, links renumbered
    assert 'value="Alice Martin"' in form and "I grow tomatoes.\nAnd peppers.</textarea>" in form
    assert 'name="link_2_url" value="http://code.example/alice"' in form


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,<b>x</b>", "ftp://files.example/me",
                                 "https:// spaced.example"])
def test_a_link_that_is_not_http_is_refused_and_nothing_is_stored(alice, host, url):
    response = alice.post(URL, profile(bio="New bio", link_1_label="Mine", link_1_url=url))
    assert response.status_code == 400
    assert "Give an address starting with http:// or https://." in response.content.decode()
    host.refresh_from_db()
    assert host.display_name == "Alice" and host.summary == "" and profile_links(host) == []
    assert not AuditEntry.objects.filter(action="host.profile").exists()


def test_a_label_without_an_address_and_an_address_without_a_label_are_refused(alice, host):
    response = alice.post(URL, profile(link_1_label="Blog", link_2_url="https://alice.example/"))
    page = response.content.decode()
    assert response.status_code == 400
    assert "Give this link&#x27;s address, or clear its label." in page and "Give this link a label." in page
    host.refresh_from_db()
    assert host.display_name == "Alice"


def test_too_long_values_are_refused(alice, host):
    response = alice.post(URL, profile(display_name="n" * 101, bio="b" * 501, link_1_label="l" * 41,
                                       link_1_url="https://alice.example/"))
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"display_name", "bio", "link_1_label"}
    host.refresh_from_db()
    assert host.display_name == "Alice"


def test_html_in_the_bio_and_the_name_is_shown_as_text(alice, host, open_ama):
    alice.post(URL, profile(display_name="<i>Al</i>", bio='<script>alert(1)</script><a href="https://x.example">x</a>',
                            link_1_label="<b>Blog</b>", link_1_url="https://alice.example/"))
    host.refresh_from_db()
    assert host.summary == ("<p>&lt;script&gt;alert(1)&lt;/script&gt;&lt;a href=&quot;https://x.example&quot;&gt;x"
                            "&lt;/a&gt;</p>")
    card = ama_page(Client(), open_ama)
    assert "<script>alert" not in card and '<a href="https://x.example"' not in card
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in card and "&lt;i&gt;Al&lt;/i&gt;" in card
    assert "<b>Blog</b>" not in card  # a label is text: profile_links keeps only the text of what it reads


def test_the_local_actor_document_carries_the_summary_and_the_links(alice, host):
    alice.post(URL, profile(bio="Line one\n\nParagraph two", link_1_label="Blog", link_1_url="https://alice.example/"))
    document = Client().get("/" + host.ap_id.split("/", 3)[3], HTTP_ACCEPT="application/activity+json").json()
    assert document["name"] == "Alice Martin"
    assert document["summary"] == "<p>Line one</p>\n\n<p>Paragraph two</p>"
    assert document["attachment"] == [{
        "type": "PropertyValue", "name": "Blog",
        "value": '<a href="https://alice.example/" rel="me nofollow noopener noreferrer" target="_blank">'
                 "https://alice.example/</a>"}]
    assert "PropertyValue" in document["@context"][2]
    assert "Line one\n\nParagraph two</textarea>" in alice.get(URL).content.decode()  # as typed


def test_links_can_all_be_removed(alice, host):
    alice.post(URL, profile(link_1_label="Blog", link_1_url="https://alice.example/"))
    alice.post(URL, profile())
    host.refresh_from_db()
    assert profile_links(host) == [] and "attachment" not in actor_document(host)


def test_an_account_without_a_fediverse_identity_cannot_reach_the_page(db):
    client = Client()
    client.force_login(get_user_model().objects.create_user("nobody", password="x"))
    assert client.get(URL).status_code == 403
    assert client.post(URL, profile()).status_code == 403


def test_anonymous_visitors_are_sent_to_log_in(host):
    response = Client().post(URL, profile(display_name="Mallory"))
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Actor.objects.get(pk=host.pk).display_name == "Alice"


def test_the_page_needs_a_csrf_token(host):
    client = Client(enforce_csrf_checks=True)
    client.force_login(host.user)
    assert client.post(URL, profile(display_name="Mallory")).status_code == 403


def test_the_page_keeps_no_inline_style_and_the_dashboard_links_to_it(alice):
    html = alice.get(URL).content.decode()
    assert not re.search(r"<[^>]+\sstyle=", html)
    assert not re.search(r"<script(?![^>]*\ssrc=)[^>]*>", html)
    assert f'href="{URL}"' in alice.get("/dashboard/").content.decode()


def test_followers_get_an_update_of_the_profile_and_of_the_picture(alice, host, media):
    """As Mastodon does: a changed profile or picture goes to the followers as Update(Person), so their servers
    show the new one now, not at their next fetch of the account."""
    from ama.services.avatars import avatar_clear, avatar_set
    from federation.models import Delivery, Follow, OutboxActivity
    from tests.pictures import picture

    fan = Actor.objects.create(ap_id="https://social.example/users/fan", username="fan", domain="social.example",
                               inbox="https://social.example/users/fan/inbox")
    Follow.objects.create(follower=fan, followed=host, state=Follow.State.ACCEPTED)
    assert alice.post(URL, profile(bio="Hello.", link_1_label="Blog",
                                   link_1_url="https://alice.example/blog")).status_code == 302
    update = OutboxActivity.objects.get(activity_type="Update")
    person = update.body["object"]
    assert (person["id"], person["type"], person["name"]) == (host.ap_id, "Person", "Alice Martin")
    assert person["summary"] == "<p>Hello.</p>" and person["attachment"][0]["name"] == "Blog"
    assert list(Delivery.objects.filter(activity=update).values_list("inbox", flat=True)) == [fan.inbox]
    avatar_set(actor=host, data=picture(), by_user=host.user)
    host.refresh_from_db()
    icon = OutboxActivity.objects.filter(activity_type="Update").order_by("-pk").first().body["object"]["icon"]
    assert icon["url"] == host.icon_url and "/media/avatars/" in host.icon_url
    avatar_clear(actor=host, by_user=host.user)
    assert "icon" not in OutboxActivity.objects.filter(activity_type="Update").order_by("-pk").first().body["object"]
    assert OutboxActivity.objects.filter(activity_type="Update").count() == 3
