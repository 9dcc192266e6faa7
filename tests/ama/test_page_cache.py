"""A page that holds a crowd (ama/views/caching.py): ETag and Last-Modified from the AMA's version, 304 without
rendering, Cache-Control for a proxy, anonymous renders cached by version and never shown to a signed-in
viewer (nor theirs to anyone), the shared page's forms working without a per-visitor CSRF token."""

from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db.models import F
from django.test import Client
from django.utils import timezone

from ama import services
from ama.models import Ama
from ama.views.caching import RENDER_TIMEOUT
from federation.actors import store_remote_actor

AS2 = "application/activity+json"
ANONYMOUS_CACHE_CONTROL = {"public", "max-age=5", "stale-while-revalidate=30"}


def ask(ama, text: str, n: int):
    author = store_remote_actor({"id": f"https://mastodon.example/users/a{n}", "type": "Person",
                                 "preferredUsername": f"a{n}", "inbox": f"https://mastodon.example.invalid/{n}"})
    question = services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{n}",
                                         content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id)
    return services.question_approve(question=question)


def bump(ama) -> None:
    """What the live publisher does after every change a page shows."""
    Ama.objects.filter(pk=ama.pk).update(version=F("version") + 1, changed_at=timezone.now())


def cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response["Vary"].split(",")}


@pytest.fixture
def question(open_ama):
    return ask(open_ama, "What licence do you use?", 1)


@pytest.fixture
def answer(question, open_ama):
    return services.answer_publish(question=question, author=open_ama.host, body="Apache 2.0.")


@pytest.fixture
def host_client(host):
    client = Client()
    client.login(username="alice", password="correct-horse-battery")
    return client


def urls(ama, question, answer) -> list[str]:
    return [f"/amas/{ama.slug}", f"/amas/{ama.slug}/questions/{question.pk}", urlsplit(answer.ap_id).path,
            f"/api/amas/{ama.slug}/questions/", f"/api/amas/{ama.slug}/questions/{question.pk}/"]


# ---- conditional GETs ------------------------------------------------------------------------------

def test_unchanged_pages_answer_304_without_rendering(client, open_ama, question, answer,
                                                      django_assert_max_num_queries):
    open_ama.refresh_from_db()
    for url in urls(open_ama, question, answer):
        first = client.get(url)
        assert first.status_code == 200, url
        assert first["ETag"].startswith(f'W/"{open_ama.version}-') and first["Last-Modified"]
        with django_assert_max_num_queries(1):  # the version, nothing else
            again = client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert again.status_code == 304 and again.content == b"" and again.templates == [], url
        assert again["ETag"] == first["ETag"] and ANONYMOUS_CACHE_CONTROL <= cache_control(again)
        by_date = client.get(url, HTTP_IF_MODIFIED_SINCE=first["Last-Modified"])
        assert by_date.status_code == 304, url


def test_a_change_answers_200_with_the_new_content(client, open_ama, question, answer):
    for url in urls(open_ama, question, answer):
        client.get(url)
    etags = {url: client.get(url)["ETag"] for url in urls(open_ama, question, answer)}
    services.answer_edit(answer=answer, body="MIT, since this spring.")
    ask(open_ama, "And the data?", 2)
    bump(open_ama)
    for url, etag in etags.items():
        response = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert response.status_code == 200 and response["ETag"] != etag, url
    assert "And the data?" in client.get(f"/amas/{open_ama.slug}").content.decode()
    assert b"And the data?" in client.get(f"/api/amas/{open_ama.slug}/questions/").content
    assert "MIT, since this spring." in client.get(urlsplit(answer.ap_id).path).content.decode()


def test_the_etag_differs_by_sort_page_language_format_and_viewer(client, host_client, open_ama):
    for n in range(51):  # two pages
        ask(open_ama, f"Question {n}", n)
    base = f"/amas/{open_ama.slug}"
    etags = [client.get(base)["ETag"], client.get(base + "?sort=newest")["ETag"],
             client.get(base + "?page=2")["ETag"], client.get(base, HTTP_ACCEPT_LANGUAGE="fr")["ETag"],
             client.get(base, HTTP_ACCEPT=AS2)["ETag"], host_client.get(base)["ETag"]]
    assert len(set(etags)) == len(etags)
    other = get_user_model().objects.create_user(username="carol", password="pw-pw-pw-pw")
    carol = Client()
    carol.force_login(other)
    assert carol.get(base)["ETag"] not in etags


def test_servers_fetching_the_ama_note_get_json_an_etag_and_304(client, open_ama):
    first = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT=AS2)
    assert first["Content-Type"].startswith(AS2) and first.json()["id"] == open_ama.ap_id
    assert "accept" in vary(first)
    assert client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT=AS2).json() == first.json()  # the cached copy
    again = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT=AS2, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    html = client.get(f"/amas/{open_ama.slug}", HTTP_IF_NONE_MATCH=first["ETag"])
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")


def test_cache_control_is_public_for_anonymous_viewers_and_private_for_signed_in_ones(client, host_client,
                                                                                      open_ama, question, answer):
    for url in urls(open_ama, question, answer):
        anonymous, signed_in = client.get(url), host_client.get(url)
        assert ANONYMOUS_CACHE_CONTROL <= cache_control(anonymous), url
        assert cache_control(signed_in) == {"private", "no-cache"}, url
        assert {"accept", "accept-language", "cookie"} <= vary(anonymous) & vary(signed_in), url


def test_a_token_client_of_the_api_is_answered_fresh(client, open_ama, host):
    from rest_framework.authtoken.models import Token
    token = Token.objects.create(user=host.user)
    url = f"/api/amas/{open_ama.slug}/questions/"
    etag = client.get(url)["ETag"]
    response = client.get(url, HTTP_AUTHORIZATION=f"Token {token.key}", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "ETag" not in response
    assert "authorization" in vary(client.get(url))


def test_drafts_are_never_answered_conditionally(client, host_client, open_ama):
    Ama.objects.filter(pk=open_ama.pk).update(state=Ama.State.DRAFT)
    response = client.get(f"/amas/{open_ama.slug}", HTTP_IF_NONE_MATCH="*")
    assert response.status_code == 404
    assert "ETag" not in host_client.get(f"/amas/{open_ama.slug}")


# ---- the render cache ------------------------------------------------------------------------------

def test_a_cached_page_is_served_without_rendering_until_the_version_changes(client, open_ama, question, answer,
                                                                            django_assert_max_num_queries):
    for url in urls(open_ama, question, answer):
        assert client.get(url).status_code == 200
        with django_assert_max_num_queries(1):
            cached = Client().get(url)  # another visitor
        assert cached.status_code == 200 and cached.templates == [], url
    assert "Second question" not in Client().get(f"/amas/{open_ama.slug}").content.decode()
    ask(open_ama, "Second question", 2)
    bump(open_ama)
    fresh = Client().get(f"/amas/{open_ama.slug}")
    assert fresh.templates and "Second question" in fresh.content.decode()


def test_pages_with_other_query_names_are_rendered_every_time(client, open_ama):
    url = f"/amas/{open_ama.slug}?sort=top&utm_source=mastodon"
    assert client.get(url).templates and client.get(url).templates
    assert client.get(f"/amas/{open_ama.slug}?sort=top").templates  # rendered once,
    assert not client.get(f"/amas/{open_ama.slug}?sort=top").templates  # then served from the cache


def test_signed_in_viewers_see_their_own_render_and_never_share_it(client, host_client, open_ama, question):
    services.vote_add(question=question, actor=open_ama.host)
    bump(open_ama)
    url = f"/amas/{open_ama.slug}"
    anonymous = client.get(url).content.decode()  # cached for anonymous viewers
    assert "Remove my vote" not in anonymous and "Open the dashboard" not in anonymous
    for _ in range(2):
        host_page = host_client.get(url)
        assert host_page.templates, "a signed-in viewer is never served a cached render"
        assert "Remove my vote" in host_page.content.decode() and "Open the dashboard" in host_page.content.decode()
    after = Client().get(url)
    assert after.templates == [] and "Open the dashboard" not in after.content.decode()


def test_a_signed_in_render_is_not_cached_for_anonymous_viewers(client, host_client, open_ama):
    url = f"/amas/{open_ama.slug}"
    host_client.get(url)
    anonymous = client.get(url)
    assert anonymous.templates and "Open the dashboard" not in anonymous.content.decode()


def test_pending_messages_are_shown_not_a_304_or_a_cached_page(client, open_ama, question):
    get_user_model().objects.create_user(username="noactor", password="pw-pw-pw-pw")
    client.login(username="noactor", password="pw-pw-pw-pw")
    url = f"/amas/{open_ama.slug}/questions/{question.pk}"
    etag = client.get(url)["ETag"]
    client.post(f"{url}/vote", {"value": "up"})
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 200 and "cannot vote" in response.content.decode()


def test_renders_are_kept_only_as_long_as_garbage_collection_needs():
    from django.conf import settings
    assert settings.CACHES["pages"]["TIMEOUT"] == RENDER_TIMEOUT > 5


# ---- the shared page's forms -----------------------------------------------------------------------

def test_two_anonymous_visitors_use_the_shared_pages_forms(open_ama):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    rendered = first.get(f"/amas/{open_ama.slug}")
    served = second.get(f"/amas/{open_ama.slug}")
    assert rendered.templates and served.templates == []
    for response in (rendered, served):
        assert "csrfmiddlewaretoken" not in response.content.decode() and not response.cookies
    asked = second.post(f"/amas/{open_ama.slug}/ask", {"handle": "not a handle"})
    assert asked.status_code == 400 and "name@server" in asked.content.decode()
    switched = first.post("/i18n/setlang/", {"language": "fr", "next": f"/amas/{open_ama.slug}"})
    assert switched.status_code == 302 and switched.cookies["django_language"].value == "fr"
    assert "Poser ou voter depuis votre compte" in first.get(f"/amas/{open_ama.slug}").content.decode()
    assert "Poser ou voter depuis votre compte" not in second.get(f"/amas/{open_ama.slug}").content.decode()


def test_signed_in_pages_keep_their_csrf_tokens(host_client, open_ama, question):
    html = host_client.get(f"/amas/{open_ama.slug}").content.decode()
    assert "csrfmiddlewaretoken" in html


# ---- who the viewer is, as the page shows it --------------------------------------------------------

def test_a_team_change_moves_the_version_so_no_page_shows_the_old_team(client, host, open_ama, make_host):
    """Co-hosts and moderators are on the pages (the host card; the moderator's dashboard link): adding or
    removing one is a new version, so the cached render and a browser's 304 give way."""
    first = client.get(f"/amas/{open_ama.slug}")
    bob = get_user_model().objects.create_user("bob", password="correct-horse-battery")
    cohost = make_host("carol", "Carol")
    steps = [lambda: services.ama_moderator_add(ama=open_ama, user=bob),
             lambda: services.ama_moderator_remove(ama=open_ama, user=bob),
             lambda: services.ama_cohost_add(ama=open_ama, actor=cohost),
             lambda: services.ama_cohost_remove(ama=open_ama, actor=cohost)]
    etag = first["ETag"]
    for step in steps:
        step()
        again = client.get(f"/amas/{open_ama.slug}", HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 200, step
        assert again["ETag"] != etag
        etag = again["ETag"]


def test_site_roles_are_part_of_a_signed_in_viewers_etag(host_client, host, open_ama):
    """An admin making an account staff changes no AMA: the viewer's own ETag still changes, so their browser
    does not keep a page rendered for their old role."""
    user = get_user_model().objects.get(username="alice")
    before = host_client.get(f"/amas/{open_ama.slug}")
    user.is_staff = not user.is_staff
    user.save(update_fields=["is_staff"])
    after = host_client.get(f"/amas/{open_ama.slug}", HTTP_IF_NONE_MATCH=before["ETag"])
    assert after.status_code == 200 and after["ETag"] != before["ETag"]
