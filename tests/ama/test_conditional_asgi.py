"""Anonymous revalidations answered on the event loop before Django runs (ama/conditional_asgi.py): the same 304
as Django's, with the same validators and caching headers, and everything else handed to Django untouched."""

import asyncio
import http.client
import time

import pytest
from django.test import Client
from test_page_cache import ask, bump, urls

from ama import services
from ama.conditional_asgi import Revalidations
from ama.models import Ama
from tests.workers import asgi_server

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.timeout(120)]
SAME = ("ETag", "Cache-Control", "Vary", "Last-Modified", "Content-Language")


@pytest.fixture
def question(open_ama):
    return ask(open_ama, "What licence do you use?", 1)


@pytest.fixture
def answer(question, open_ama):
    return services.answer_publish(question=question, author=open_ama.host, body="Apache 2.0.")


class Django:
    """What the layer hands requests on to: records that it did (Django would answer them)."""

    def __init__(self):
        self.called = 0

    async def __call__(self, scope, receive, send):
        self.called += 1
        await send({"type": "http.response.start", "status": 299, "headers": []})
        await send({"type": "http.response.body", "body": b""})


def through_layer(path: str, headers: dict) -> tuple[int, dict, bool]:
    """(status, headers, whether it passed through to Django) of one GET through the layer."""
    django, sent = Django(), []
    path, _, query = path.partition("?")
    scope = {"type": "http", "method": "GET", "path": path, "root_path": "", "query_string": query.encode(),
             "server": ("testserver", 80),
             "headers": [(name.lower().encode(), value.encode()) for name, value in
                         {"Host": "testserver", **headers}.items()]}

    async def receive():
        return {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(Revalidations(django)(scope, receive, send))
    start = sent[0]
    found = {name.decode(): value.decode() for name, value in start["headers"]}
    return start["status"], found, django.called == 1


def test_an_anonymous_revalidation_gets_djangos_304_without_reaching_django(client, open_ama, question, answer):
    for url in urls(open_ama, question, answer) + [f"/amas/{open_ama.slug}/stage",
                                                   f"/amas/{open_ama.slug}?sort=newest&page=1",
                                                   f"/amas/{open_ama.slug}/questions/{question.pk}/card?sort=top"]:
        etag = client.get(url)["ETag"]
        djangos = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert djangos.status_code == 304, url
        status, headers, passed = through_layer(url, {"If-None-Match": etag})
        assert (status, passed) == (304, False), url
        assert {name: headers[name.lower()] for name in SAME} == {name: djangos[name] for name in SAME}, url


def test_a_server_revalidating_the_ama_note_gets_the_same_304(client, open_ama):
    url, accept = f"/amas/{open_ama.slug}", "application/activity+json"
    etag = client.get(url, HTTP_ACCEPT=accept)["ETag"]
    assert etag != client.get(url)["ETag"]
    assert through_layer(url, {"If-None-Match": etag, "Accept": accept})[0] == 304
    assert through_layer(url, {"If-None-Match": etag})[2]  # the HTML page's validator is another


def test_if_modified_since_alone_is_answered_too(client, open_ama):
    url = f"/amas/{open_ama.slug}"
    last_modified = client.get(url)["Last-Modified"]
    assert through_layer(url, {"If-Modified-Since": last_modified})[0] == 304


def test_after_a_change_the_request_passes_through_and_django_answers_200(client, open_ama, question, answer):
    for url in urls(open_ama, question, answer):
        etag = client.get(url)["ETag"]
        bump(open_ama)
        assert through_layer(url, {"If-None-Match": etag})[2], url
        assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200


def test_signed_in_token_and_message_holding_requests_always_pass_through(client, host, open_ama):
    url = f"/amas/{open_ama.slug}"
    etag = client.get(url)["ETag"]
    signed_in = Client()
    signed_in.login(username="alice", password="correct-horse-battery")
    session = signed_in.cookies["sessionid"].value
    for extra in ({"Cookie": f"sessionid={session}"}, {"Authorization": "Bearer some-token"},
                  {"Cookie": "messages=waiting"}):
        assert through_layer(url, {"If-None-Match": etag, **extra})[2], extra
    assert through_layer(url, {"If-None-Match": etag, "Cookie": "django_language=en"})[0] == 304


def test_another_language_is_another_etag(client, open_ama):
    url = f"/amas/{open_ama.slug}"
    english = client.get(url, HTTP_ACCEPT_LANGUAGE="en")["ETag"]
    french = client.get(url, HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")["ETag"]
    assert english != french
    assert through_layer(url, {"If-None-Match": english, "Accept-Language": "fr-FR,fr;q=0.9"})[2]
    assert through_layer(url, {"If-None-Match": french, "Accept-Language": "fr-FR,fr;q=0.9"})[0] == 304
    assert through_layer(url, {"If-None-Match": french, "Cookie": "django_language=fr"})[0] == 304  # the cookie rules


def test_drafts_deleted_and_unknown_amas_pass_through_to_djangos_404_and_410(client, host, open_ama):
    url = f"/amas/{open_ama.slug}"
    etag = client.get(url)["ETag"]
    services.ama_delete(ama=open_ama)
    assert through_layer(url, {"If-None-Match": etag})[2] and client.get(url).status_code == 410
    Ama.objects.filter(pk=open_ama.pk).update(deleted_at=None, state=Ama.State.DRAFT)
    assert through_layer(url, {"If-None-Match": etag})[2] and client.get(url).status_code == 404
    assert through_layer("/amas/nothing-here", {"If-None-Match": etag})[2]


def test_other_urls_unconditional_requests_and_unknown_hosts_pass_through(client, open_ama, question):
    url = f"/amas/{open_ama.slug}"
    etag = client.get(url)["ETag"]
    assert through_layer(url, {})[2]
    assert through_layer(f"/amas/{open_ama.slug}/events", {"If-None-Match": etag})[2]
    assert through_layer(f"/amas/{open_ama.slug}/questions/{question.pk}/vote", {"If-None-Match": etag})[2]
    assert through_layer(url, {"If-None-Match": etag, "Host": "evil.example"})[2]  # Django answers 400


@pytest.fixture
def server(settings):
    """config.asgi.application under uvicorn on a loopback port; no Redis, and a hub that does not poll: it
    learns of changes only from the events published in this process."""
    from config.asgi import application

    settings.REDIS_URL, settings.FEDIAMA_LIVE_POLL_INTERVAL = "", 600
    with asgi_server(application) as port:
        yield port


def get(port: int, path: str, headers: dict | None = None) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    connection.request("GET", path, headers=headers or {})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response


def test_the_production_application_answers_the_304_itself(server, open_ama):
    """config.asgi under uvicorn: the 304 carries none of the headers Django's middleware adds."""
    first = get(server, f"/amas/{open_ama.slug}")
    again = get(server, f"/amas/{open_ama.slug}", {"If-None-Match": first.getheader("ETag")})
    assert first.status == 200 and first.getheader("X-Frame-Options") == "DENY"
    assert again.status == 304 and again.getheader("ETag") == first.getheader("ETag")
    assert again.getheader("X-Frame-Options") is None  # not through Django's middleware


def test_while_the_ama_has_viewers_the_live_hub_says_which_version_is_current(server, open_ama):
    """With a stream open, the version comes from what the hub last read, not from a query: a version written
    behind the hub's back (no event) is not seen; a change published as an event is, at once."""
    stream = http.client.HTTPConnection("127.0.0.1", server, timeout=30)
    stream.request("GET", f"/amas/{open_ama.slug}/events")
    assert stream.getresponse().status == 200
    path = f"/amas/{open_ama.slug}"
    first = get(server, path)
    assert first.status == 200, first.status
    etag = first.getheader("ETag")
    assert get(server, path, {"If-None-Match": etag}).status == 304
    bump(open_ama)  # not published: nothing tells the hub
    assert get(server, path, {"If-None-Match": etag}).status == 304
    services.question_approve(question=ask_pending(open_ama))
    deadline = time.monotonic() + 20
    while (answer := get(server, path, {"If-None-Match": etag})).status == 304 and time.monotonic() < deadline:
        time.sleep(0.05)  # the hub reads the new version on its loop
    assert answer.status == 200 and answer.getheader("ETag") != etag
    stream.close()


def ask_pending(ama):
    from test_moderation_support import ask as ask_here

    return ask_here(ama, "Seen by the hub?")
