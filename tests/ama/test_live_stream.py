"""The event streams over real HTTP: config/asgi.py's application under uvicorn (as gunicorn's worker runs it)
in a thread of this process, read by a plain HTTP client; events published here or by a service in another
process (which reaches the stream through the events table, or through Redis pub/sub when REDIS_URL is set).
Also the WSGI fallback (Django's test server) for the same contract."""

import http.client
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from test_moderation_support import ask, client_for, make_ama, staff

from ama import services
from ama.live import stream
from tests.workers import asgi_server, redis_only, worker_database_url

BASE_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.timeout(120)


class EventStream:
    """One open stream, read frame by frame (a frame: the fields before a blank line)."""

    def __init__(self, port: int, path: str, headers: dict | None = None):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.connection.request("GET", path, headers=headers or {})
        self.response = self.connection.getresponse()

    def frame(self) -> dict:
        fields: dict = {}
        while True:
            line = self.response.readline().decode()
            assert line, "the stream ended"
            line = line.rstrip("\n")
            if not line:
                if fields:
                    return fields
                continue
            name, _, value = line.partition(":")
            fields[name or "comment"] = value.strip()

    def event(self) -> dict:
        """The next event (skipping the retry hint and heartbeats)."""
        while "event" not in (frame := self.frame()):
            pass
        return {"id": int(frame["id"]), "event": frame["event"], "data": json.loads(frame["data"])}

    def event_of(self, kind: str) -> dict:
        while (event := self.event())["event"] != kind:
            pass
        return event

    def events_until_heartbeat(self) -> list[dict]:
        found = []
        while "comment" not in (frame := self.frame()):
            if "event" in frame:
                found.append({"id": int(frame["id"]), "event": frame["event"]})
        return found

    def close(self):
        self.connection.close()


@pytest.fixture
def server(transactional_db, settings):
    """config.asgi.application on a loopback port; its hub's database threads let go of their connections
    when it stops."""
    from config.asgi import application

    settings.FEDIAMA_LIVE_HEARTBEAT = 30
    with asgi_server(application) as port:
        yield port
    release_hub_connections()


def release_hub_connections():
    from django.db import connections

    barrier = threading.Barrier(2)
    futures = [stream._executor.submit(lambda: (barrier.wait(5), connections.close_all())) for _ in range(2)]
    for future in futures:
        future.result()


def run_elsewhere(code: str, **env) -> None:
    """Run `code` (after django.setup()) in a separate Python process on the test database."""
    environment = {**os.environ, "DATABASE_URL": worker_database_url(), **env}
    result = subprocess.run([sys.executable, "-c", "import django\ndjango.setup()\n" + code], cwd=BASE_DIR,
                            env=environment, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr[-3000:]


def approve_elsewhere(question, **env):
    run_elsewhere("from ama import services\nfrom ama.models import Question\n"
                  f"services.question_approve(question=Question.objects.get(pk={question.pk}))", **env)


def session_cookie(user) -> dict:
    return {"Cookie": f"sessionid={client_for(user).cookies['sessionid'].value}"}


def test_the_stream_answers_server_sent_events_with_a_retry_hint(server, open_ama):
    events = EventStream(server, f"/amas/{open_ama.slug}/events")
    headers = dict(events.response.getheaders())
    assert events.response.status == 200
    assert headers["content-type"] == "text/event-stream; charset=utf-8"
    assert headers["cache-control"] == "no-cache" and headers["x-accel-buffering"] == "no"
    assert events.frame() == {"retry": "3000"}
    events.close()


def test_unknown_draft_and_deleted_amas_are_404_and_a_bad_id_400(server, open_ama, host):
    draft = services.ama_create(host=host, title="Not yet", opens_at=open_ama.opens_at,
                                closes_at=open_ama.closes_at)
    gone = make_ama(host, title="Gone soon")
    services.ama_delete(ama=gone)
    for slug in ("nothing-here", draft.slug, gone.slug):
        response = EventStream(server, f"/amas/{slug}/events").response
        assert response.status == 404 and response.read() == b"no such AMA\n"
    response = EventStream(server, f"/amas/{open_ama.slug}/events", {"Last-Event-ID": "seven"}).response
    assert response.status == 400 and b"whole number" in response.read()


def test_an_event_published_in_another_process_reaches_the_stream_through_the_table(server, open_ama, settings):
    """The embedded default: no Redis; the hub's poll finds the row the other process committed."""
    settings.REDIS_URL = ""
    question = ask(open_ama, "Polled?")
    events = EventStream(server, f"/amas/{open_ama.slug}/events")
    approve_elsewhere(question, REDIS_URL="")
    event = events.event()
    assert event["event"] == "question_published" and event["data"]["question_id"] == question.pk
    assert "Polled?" in event["data"]["html"]
    events.close()


@redis_only
def test_an_event_published_in_another_process_reaches_the_stream_through_redis(server, open_ama, settings):
    """With REDIS_URL the hub sleeps (its backstop poll is ten minutes here) until pub/sub wakes it."""
    settings.FEDIAMA_LIVE_POLL_INTERVAL = 60
    question = ask(open_ama, "Pushed?")
    events = EventStream(server, f"/amas/{open_ama.slug}/events")
    assert events.frame() == {"retry": "3000"}
    approve_elsewhere(question, FEDIAMA_LIVE_POLL_INTERVAL="60")
    event = events.event()
    assert event["event"] == "question_published" and event["data"]["question_id"] == question.pk
    events.close()


def test_a_client_that_reconnects_gets_exactly_the_events_it_missed(server, open_ama, settings):
    settings.FEDIAMA_LIVE_HEARTBEAT = 0.5
    first, second, third = (ask(open_ama, f"Question {n}") for n in (1, 2, 3))
    services.question_approve(question=first)
    events = EventStream(server, f"/amas/{open_ama.slug}/events", {"Last-Event-ID": "0"})
    seen = events.events_until_heartbeat()
    assert [event["event"] for event in seen] == ["ama_opened", "question_published"]
    events.close()
    services.question_approve(question=second)
    services.question_hide(question=first)
    services.answer_publish(question=second, author=open_ama.host, body="Yes.")
    open_ama.refresh_from_db()
    again = EventStream(server, f"/amas/{open_ama.slug}/events", {"Last-Event-ID": str(seen[-1]["id"])})
    missed = again.events_until_heartbeat()
    assert [event["event"] for event in missed] == ["question_published", "question_hidden", "answer_published"]
    assert missed[-1]["id"] == open_ama.version  # the moderator event between them (question_moderated) skipped
    services.question_approve(question=third)  # then it streams what happens next
    assert again.event()["data"]["question_id"] == third.pk
    again.close()


def test_a_page_opens_its_stream_at_the_version_it_was_rendered_at(server, open_ama):
    question = ask(open_ama, "Before the stream opened")
    services.question_approve(question=question)
    open_ama.refresh_from_db()
    rendered_at = open_ama.version - 2  # the page was rendered before the approval
    events = EventStream(server, f"/amas/{open_ama.slug}/events?last_event_id={rendered_at}")
    assert events.event()["event"] == "question_published"
    events.close()


def test_each_viewer_gets_fragments_in_the_language_its_page_is_in(server, open_ama):
    """A French AMA: the English page (?locale=en, its <html lang>) gets English fragments, replayed and live;
    the French page, and a page that does not say, French ones."""
    from ama.models import Ama

    Ama.objects.filter(pk=open_ama.pk).update(language="fr")
    services.question_approve(question=ask(open_ama, "Replayed"))
    path = f"/amas/{open_ama.slug}/events?last_event_id=0&locale="
    english, french, unsaid = (EventStream(server, path + locale) for locale in ("en", "fr", "xx"))
    services.question_approve(question=ask(open_ama, "Live"))
    for stream_ in (english, french, unsaid):
        replayed, live = (stream_.event_of("question_published") for _ in range(2))
        assert "Replayed" in replayed["data"]["html"] and "Live" in live["data"]["html"]
        assert "localized" not in live["data"]
        in_english = ">0 votes<" in live["data"]["html"] and ">0 votes<" in replayed["data"]["html"]
        assert in_english == (stream_ is english), stream_.response.getheaders()
        stream_.close()


def test_an_id_older_than_the_events_kept_gets_a_reset(server, open_ama):
    from ama.models import LiveEvent

    services.question_approve(question=ask(open_ama))
    LiveEvent.objects.filter(ama=open_ama).order_by("seq").first().delete()  # purged
    open_ama.refresh_from_db()
    event = EventStream(server, f"/amas/{open_ama.slug}/events", {"Last-Event-ID": "0"}).event()
    assert event == {"id": open_ama.version, "event": "reset", "data": {"version": open_ama.version}}


def test_moderators_get_the_pending_question_and_the_public_does_not(server, open_ama):
    moderator = staff("mod", scope=open_ama)
    public = EventStream(server, f"/amas/{open_ama.slug}/events")
    console = EventStream(server, f"/dashboard/{open_ama.slug}/events", session_cookie(moderator))
    assert console.response.status == 200
    question = ask(open_ama, "Held for review")
    pending = console.event()
    assert pending["event"] == "question_pending" and "Held for review" in pending["data"]["content_html"]
    services.question_approve(question=question)
    first_public = public.event()  # the pending question's event (pending["id"]) never came before it
    assert (first_public["id"], first_public["event"]) == (pending["id"] + 1, "question_published")
    assert [console.event()["event"] for _ in range(2)] == ["question_published", "question_moderated"]
    public.close()
    console.close()


def test_the_moderators_stream_is_403_for_others_and_anonymous_visitors(server, open_ama):
    outsider = staff("outsider")
    for headers in ({}, session_cookie(outsider), {"Cookie": "sessionid=forged"}):
        response = EventStream(server, f"/dashboard/{open_ama.slug}/events", headers).response
        assert response.status == 403 and b"moderators" in response.read()
    host_stream = EventStream(server, f"/dashboard/{open_ama.slug}/events", session_cookie(open_ama.host.user))
    assert host_stream.response.status == 200
    host_stream.close()


def test_a_quiet_stream_sends_heartbeat_comments(server, open_ama, settings):
    settings.FEDIAMA_LIVE_HEARTBEAT = 0.2
    events = EventStream(server, f"/amas/{open_ama.slug}/events")
    assert events.frame() == {"retry": "3000"}
    assert events.frame() == {"comment": "keep-alive"}
    events.close()


def test_many_viewers_share_one_hub_and_each_gets_the_event(server, open_ama):
    viewers = [EventStream(server, f"/amas/{open_ama.slug}/events") for _ in range(20)]
    for viewer in viewers:
        assert viewer.frame() == {"retry": "3000"}
    question = ask(open_ama)
    services.question_approve(question=question)
    assert {viewer.event()["data"]["question_id"] for viewer in viewers} == {question.pk}
    for viewer in viewers:
        viewer.close()


# ---- the WSGI fallback (Django's test server and runserver) ---------------------------------------------

def frames(response, count: int) -> bytes:
    content = response.streaming_content
    return b"".join(next(content) for _ in range(count))


def test_under_wsgi_the_same_contract_is_served_by_a_request_thread(client, open_ama):
    question = ask(open_ama, "Via WSGI")
    services.question_approve(question=question)
    response = client.get(f"/amas/{open_ama.slug}/events", HTTP_LAST_EVENT_ID="0")
    assert response.status_code == 200 and response["Content-Type"] == "text/event-stream; charset=utf-8"
    assert response["Cache-Control"] == "no-cache" and response["X-Accel-Buffering"] == "no"
    body = frames(response, 2).decode()
    assert body.startswith("retry: 3000\n\n")
    assert [line for line in body.splitlines() if line.startswith("event:")] == [
        "event: ama_opened", "event: question_published"]  # (not closed: closing ends the test's connection)
    assert client.get("/amas/nothing/events").status_code == 404
    assert client.get(f"/dashboard/{open_ama.slug}/events").status_code == 403
    moderated = client_for(open_ama.host.user).get(f"/dashboard/{open_ama.slug}/events", HTTP_LAST_EVENT_ID="0")
    assert b"event: question_pending" in frames(moderated, 2)


def test_under_wsgi_a_viewer_gets_fragments_in_its_pages_language(client, open_ama):
    from ama.models import Ama

    Ama.objects.filter(pk=open_ama.pk).update(language="fr")
    services.question_approve(question=ask(open_ama, "Via WSGI"))
    english = frames(client.get(f"/amas/{open_ama.slug}/events?locale=en", HTTP_LAST_EVENT_ID="0"), 2).decode()
    french = frames(client.get(f"/amas/{open_ama.slug}/events", HTTP_LAST_EVENT_ID="0"), 2).decode()
    assert ">0 votes<" in english and ">0 vote<" in french and "localized" not in english + french
