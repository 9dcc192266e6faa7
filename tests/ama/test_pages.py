"""Public pages and the host dashboard: what is shown, negotiation on every ActivityPub URL, votes,
moderation and answers from the dashboard, French, the "ask from your own account" box."""

import itertools
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ama import services
from ama.models import Ama, Answer, Question
from federation.actors import store_remote_actor

AS2 = "application/activity+json"
_seq = itertools.count(1)


def remote(name: str, domain: str = "mastodon.example"):
    ap_id = f"https://{domain}/users/{name}"
    return store_remote_actor({"id": ap_id, "type": "Person", "preferredUsername": name, "name": name.title(),
                               "inbox": f"https://{domain}.invalid/users/{name}/inbox"})


def ask(ama, text: str, *, author=None, parent=None, approve: bool = True) -> Question:
    author = author or remote(f"asker{next(_seq)}")
    question = services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{next(_seq)}",
                                         content_html=f"<p>{text}</p>", parent=parent,
                                         in_reply_to=parent.ap_id if parent else ama.ap_id)
    return services.question_approve(question=question) if approve else question


def page(client, path: str, **headers) -> str:
    response = client.get(path, **headers)
    assert response.status_code == 200, (path, response.status_code)
    return response.content.decode()


def make_ama(host, title: str, *, opens_in: float, hours: float = 2, publish: bool = True) -> Ama:
    now = timezone.now()
    return services.ama_create(host=host, title=title, opens_at=now + timedelta(hours=opens_in),
                               closes_at=now + timedelta(hours=opens_in + hours), publish=publish)


@pytest.fixture
def host_client(client, host):
    client.login(username="alice", password="correct-horse-battery")
    return client


# ---- home and the AMA page ------------------------------------------------------------------------

def test_home_lists_live_upcoming_and_past_but_not_drafts(client, host):
    make_ama(host, "Live one", opens_in=-1)
    make_ama(host, "Later one", opens_in=24)
    make_ama(host, "Old one", opens_in=-10, hours=1)
    make_ama(host, "Secret draft", opens_in=1, publish=False)
    html = page(client, "/")
    assert html.index("Live one") < html.index("Later one") < html.index("Old one")
    assert "Secret draft" not in html


def test_ama_page_shows_only_shown_questions(client, open_ama):
    ask(open_ama, "Shown question")
    ask(open_ama, "Pending question", approve=False)
    services.question_reject(question=ask(open_ama, "Rejected question", approve=False))
    services.question_hide(question=ask(open_ama, "Hidden question"))
    html = page(client, f"/amas/{open_ama.slug}")
    assert "Shown question" in html and "I train <em>open</em> models." in html
    for absent in ("Pending question", "Rejected question", "Hidden question"):
        assert absent not in html
    for sort in ("newest", "unanswered"):
        assert "Pending question" not in page(client, f"/amas/{open_ama.slug}?sort={sort}")


def test_sorts_by_votes_time_and_answers(client, open_ama):
    voters = [remote(f"voter{i}") for i in range(3)]
    first, second, third = (ask(open_ama, f"Question {name}") for name in ("one", "two", "three"))
    for voter in voters:
        services.vote_add(question=second, actor=voter)
    services.vote_add(question=third, actor=voters[0])
    services.answer_publish(question=third, author=open_ama.host, body="Answered **here**.")

    def order(sort):
        html = page(client, f"/amas/{open_ama.slug}?sort={sort}")
        return [name for _, name in sorted((html.find(f"Question {n}"), n) for n in ("one", "two", "three")
                                           if f"Question {n}" in html)]
    assert order("top") == ["two", "three", "one"]
    assert order("newest") == ["three", "two", "one"]
    assert order("oldest") == ["one", "two", "three"]
    assert order("answered") == ["three"]
    assert order("unanswered") == ["two", "one"]
    assert "3 votes" in page(client, f"/amas/{open_ama.slug}")


def test_follow_ups_nest_under_their_question(client, open_ama):
    parent = ask(open_ama, "Parent question")
    ask(open_ama, "Child question", parent=parent)
    html = page(client, f"/amas/{open_ama.slug}")
    assert html.index("Parent question") < html.index('class="follow-ups"') < html.index("Child question")


def test_permalinks_of_questions_and_answers(client, open_ama):
    question = ask(open_ama, "Permalinked question")
    answer = services.answer_publish(question=question, author=open_ama.host, body="The answer text")
    html = page(client, f"/amas/{open_ama.slug}")
    assert f'href="/amas/{open_ama.slug}/questions/{question.pk}"' in html
    assert f'href="{answer.ap_id}"' in html
    permalink = page(client, f"/amas/{open_ama.slug}/questions/{question.pk}")
    assert "Permalinked question" in permalink and "The answer text" in permalink
    assert "The answer text" in page(client, urlsplit(answer.ap_id).path)
    pending = ask(open_ama, "Not yet", approve=False)
    assert client.get(f"/amas/{open_ama.slug}/questions/{pending.pk}").status_code == 404


def test_deleted_question_keeps_its_answer(client, open_ama):
    question = ask(open_ama, "Soon deleted")
    services.answer_publish(question=question, author=open_ama.host, body="Still here")
    services.question_delete_received(question=question)
    html = page(client, f"/amas/{open_ama.slug}/questions/{question.pk}")
    assert "deleted by its author" in html and "Still here" in html and "Soon deleted" not in html


def test_host_handle_to_follow_is_shown(client, open_ama):
    html = page(client, f"/amas/{open_ama.slug}")
    assert "@alice@testserver" in html
    assert f"!{open_ama.group.username}@testserver" in html  # Lemmy, Mbin and PieFed users join the Group


# ---- negotiation ----------------------------------------------------------------------------------

@pytest.fixture
def ap_urls(open_ama):
    question = ask(open_ama, "Negotiated question")
    answer = services.answer_publish(question=question, author=open_ama.host, body="Negotiated answer")
    question.refresh_from_db()
    return {"note": (open_ama.ap_id, "Note"), "replies": (open_ama.ap_id + "/replies", "OrderedCollection"),
            "context": (open_ama.ap_id + "/context", "OrderedCollection"), "answer": (answer.ap_id, "Note"),
            "authorization": (question.authorization_ap_id, "ReplyAuthorization")}


@pytest.mark.parametrize("name", ["note", "replies", "context", "answer", "authorization"])
def test_every_ap_url_serves_as2_to_servers_and_html_to_browsers(client, ap_urls, name):
    url, kind = ap_urls[name]
    path = urlsplit(url).path
    as2 = client.get(path, HTTP_ACCEPT=AS2)
    assert as2.status_code == 200 and as2["Content-Type"].startswith(AS2)
    assert as2.json()["id"] == url and as2.json()["type"] == kind
    ld = client.get(path, HTTP_ACCEPT='application/ld+json; profile="https://www.w3.org/ns/activitystreams"')
    assert ld["Content-Type"].startswith(AS2)
    html = client.get(path, HTTP_ACCEPT="text/html,application/xhtml+xml,*/*;q=0.8")
    assert html.status_code == 200 and html["Content-Type"].startswith("text/html")
    for response in (as2, html):
        assert "Accept" in response["Vary"]


def test_ama_note_lists_approved_questions_only(client, open_ama):
    shown = ask(open_ama, "Approved")
    hidden = ask(open_ama, "Held", approve=False)
    replies = client.get(f"/amas/{open_ama.slug}/replies?page=1", HTTP_ACCEPT=AS2).json()
    assert replies["orderedItems"] == [shown.ap_id] and hidden.ap_id not in str(replies)


def test_deleted_ama_answers_410(client, open_ama):
    services.ama_delete(ama=open_ama)
    as2 = client.get(f"/amas/{open_ama.slug}", HTTP_ACCEPT=AS2)
    assert as2.status_code == 410 and as2.json()["type"] == "Tombstone" and as2.json()["id"] == open_ama.ap_id
    html = client.get(f"/amas/{open_ama.slug}")
    assert html.status_code == 410 and "deleted" in html.content.decode() and "Accept" in html["Vary"]


def test_deleted_answer_answers_410(client, open_ama):
    answer = services.answer_publish(question=ask(open_ama, "Q"), author=open_ama.host, body="A")
    services.answer_delete(answer=answer)
    response = client.get(urlsplit(answer.ap_id).path, HTTP_ACCEPT=AS2)
    assert response.status_code == 410 and response.json()["type"] == "Tombstone"
    assert client.get(urlsplit(answer.ap_id).path).status_code == 410


def test_draft_is_404_except_for_its_host(client, host):
    draft = make_ama(host, "Draft AMA", opens_in=1, publish=False)
    assert client.get(f"/amas/{draft.slug}").status_code == 404
    assert client.get(f"/amas/{draft.slug}", HTTP_ACCEPT=AS2).status_code == 404
    client.login(username="alice", password="correct-horse-battery")
    assert "Draft AMA" in page(client, f"/amas/{draft.slug}")


def test_authorization_is_404_for_a_question_not_shown(client, open_ama):
    question = ask(open_ama, "Rejected later")
    services.question_reject(question=question)
    assert client.get(f"/amas/{open_ama.slug}/authorizations/{question.pk}", HTTP_ACCEPT=AS2).status_code == 404


# ---- votes ----------------------------------------------------------------------------------------

def test_signed_in_user_votes_and_unvotes(host_client, open_ama):
    question = ask(open_ama, "Vote for me")
    url = f"/amas/{open_ama.slug}/questions/{question.pk}/vote"
    response = host_client.post(url, {"value": "up", "next": f"/amas/{open_ama.slug}?sort=top"})
    assert response.status_code == 302 and response["Location"] == f"/amas/{open_ama.slug}?sort=top"
    host_client.post(url, {"value": "up"})
    question.refresh_from_db()
    assert question.vote_count == 1
    assert "Remove my vote" in page(host_client, f"/amas/{open_ama.slug}")
    host_client.post(url, {"value": "remove", "next": "https://evil.example/"})
    question.refresh_from_db()
    assert question.vote_count == 0


def test_votes_need_a_signed_in_user_with_an_actor(client, open_ama):
    question = ask(open_ama, "Vote for me")
    url = f"/amas/{open_ama.slug}/questions/{question.pk}/vote"
    assert client.post(url, {"value": "up"})["Location"].startswith("/accounts/login/")
    get_user_model().objects.create_user(username="noactor", password="pw-pw-pw-pw")
    client.login(username="noactor", password="pw-pw-pw-pw")
    response = client.post(url, {"value": "up"}, follow=True)
    assert "cannot vote" in response.content.decode()
    question.refresh_from_db()
    assert question.vote_count == 0


def test_vote_on_a_pending_question_is_404(host_client, open_ama):
    question = ask(open_ama, "Held", approve=False)
    assert host_client.post(f"/amas/{open_ama.slug}/questions/{question.pk}/vote").status_code == 404


# ---- dashboard ------------------------------------------------------------------------------------

def test_dashboard_needs_sign_in_and_the_right_user(client, open_ama, make_host):
    assert client.get("/dashboard/")["Location"].startswith("/accounts/login/")
    make_host(username="mallory")
    client.login(username="mallory", password="correct-horse-battery")
    assert open_ama.title not in page(client, "/dashboard/")
    question = ask(open_ama, "Held", approve=False)
    assert client.get(f"/dashboard/{open_ama.slug}/").status_code == 403
    assert client.post(f"/dashboard/{open_ama.slug}/questions/{question.pk}/approve").status_code == 403
    assert client.post(f"/dashboard/{open_ama.slug}/questions/{question.pk}/answer/", {"body": "x"}).status_code == 403
    assert client.post(f"/dashboard/{open_ama.slug}/close").status_code == 403
    question.refresh_from_db()
    assert question.state == Question.State.PENDING


def test_host_approves_and_rejects_from_the_dashboard(host_client, open_ama):
    keep, drop = ask(open_ama, "Keep me", approve=False), ask(open_ama, "Drop me", approve=False)
    html = page(host_client, f"/dashboard/{open_ama.slug}/")
    assert "Keep me" in html and "Drop me" in html and "2 questions waiting for review" in html
    host_client.post(f"/dashboard/{open_ama.slug}/questions/{keep.pk}/approve")
    host_client.post(f"/dashboard/{open_ama.slug}/questions/{drop.pk}/reject", {"reason": "off-topic"})
    keep.refresh_from_db()
    drop.refresh_from_db()
    assert keep.state == Question.State.PUBLISHED
    assert (drop.state, drop.reject_reason) == (Question.State.REJECTED, "off-topic")
    public = page(host_client, f"/amas/{open_ama.slug}")
    assert "Keep me" in public and "Drop me" not in public


def test_answer_from_the_dashboard_appears_on_the_public_page(host_client, client, open_ama):
    question = ask(open_ama, "What licence?")
    response = host_client.post(f"/dashboard/{open_ama.slug}/questions/{question.pk}/answer/",
                                {"body": "**Apache-2.0**", "publish": "1"})
    assert response.status_code == 302
    answer = Answer.objects.get(question=question)
    assert "<strong>Apache-2.0</strong>" in page(client, f"/amas/{open_ama.slug}")
    assert answer.author == open_ama.host


def test_preview_renders_markdown_without_publishing(host_client, open_ama):
    question = ask(open_ama, "Preview me")
    response = host_client.post(f"/dashboard/{open_ama.slug}/questions/{question.pk}/answer/",
                                {"body": "*draft* <script>x</script>", "preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and "<em>draft</em>" in html and "<script>x" not in html
    assert not Answer.objects.exists()


def test_answer_errors_become_form_errors(host_client, open_ama):
    question = ask(open_ama, "Hidden soon")
    services.question_hide(question=question)
    response = host_client.post(f"/dashboard/{open_ama.slug}/questions/{question.pk}/answer/", {"body": "hi"})
    assert response.status_code == 400 and "only an approved question can be answered" in response.content.decode()


def test_host_edits_and_deletes_an_answer(host_client, client, open_ama):
    answer = services.answer_publish(question=ask(open_ama, "Q?"), author=open_ama.host, body="First version")
    edit_url = f"/dashboard/{open_ama.slug}/answers/{answer.pk}/edit/"
    assert "First version" in page(host_client, edit_url)
    host_client.post(edit_url, {"body": "Second version"})
    assert "Second version" in page(client, f"/amas/{open_ama.slug}")
    host_client.post(f"/dashboard/{open_ama.slug}/answers/{answer.pk}/delete")
    assert "Second version" not in page(client, f"/amas/{open_ama.slug}")


def test_create_open_and_close_an_ama_from_the_dashboard(host_client):
    response = host_client.post("/dashboard/", {
        "title": "Fresh AMA", "intro": "Hello", "language": "fr", "opens_at": "2030-01-01T10:00",
        "closes_at": "2030-01-01T12:00", "moderation_mode": "post"})
    ama = Ama.objects.get(title="Fresh AMA")
    assert response["Location"] == f"/dashboard/{ama.slug}/"
    assert (ama.state, ama.language, ama.moderation_mode) == (Ama.State.SCHEDULED, "fr", "post")
    host_client.post(f"/dashboard/{ama.slug}/open")
    ama.refresh_from_db()
    assert ama.state == Ama.State.LIVE
    host_client.post(f"/dashboard/{ama.slug}/close", {"confirm": "yes"})
    ama.refresh_from_db()
    assert ama.state == Ama.State.ENDED
    response = host_client.post(f"/dashboard/{ama.slug}/close", {"confirm": "yes"}, follow=True)
    assert "cannot be closed" in response.content.decode()


def test_create_form_rejects_bad_times(host_client):
    response = host_client.post("/dashboard/", {"title": "Backwards", "language": "en", "moderation_mode": "pre",
                                                "opens_at": "2030-01-02T10:00", "closes_at": "2030-01-01T10:00"})
    assert response.status_code == 400 and not Ama.objects.filter(title="Backwards").exists()


# ---- French ---------------------------------------------------------------------------------------

def test_pages_speak_french(client, open_ama):
    ask(open_ama, "Une question")
    html = page(client, f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="fr")
    assert 'lang="fr"' in html and "Les plus votées" in html and "Poser ou voter depuis votre compte" in html
    assert "1 question" in html and "en direct" in html
    assert "Les AMA de ce serveur" in page(client, "/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert "Top votes" in page(client, f"/amas/{open_ama.slug}", HTTP_ACCEPT_LANGUAGE="en")


# ---- ask from your own account --------------------------------------------------------------------

def ask_box(client, ama, handle):
    return client.post(f"/amas/{ama.slug}/ask", {"handle": handle})


def jrd(*links):
    return {"subject": "acct:bob@peer", "links": list(links)}


def test_ask_box_prefers_the_fep_3b86_create_intent(client, open_ama, peer):
    peer.serve("/.well-known/webfinger", jrd(
        {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": "https://peer/ostatus?uri={uri}"},
        {"rel": "https://w3id.org/fep/3b86/Create", "template": "https://peer/share?inReplyTo={inReplyTo}"}))
    response = ask_box(client, open_ama, f"@bob@{peer.domain}")
    assert response.status_code == 302
    assert parse_qs(urlsplit(response["Location"]).query) == {"inReplyTo": [open_ama.ap_id]}
    assert any(parse_qs(urlsplit(g).query).get("resource") == [f"acct:bob@{peer.domain}"] for g in peer.gets)


def test_ask_box_uses_the_ostatus_template(client, open_ama, peer):
    peer.serve("/.well-known/webfinger", jrd(
        {"rel": "http://ostatus.org/schema/1.0/subscribe", "template": "https://peer/authorize_interaction?uri={uri}"}))
    response = ask_box(client, open_ama, f"bob@{peer.domain}")
    assert response["Location"] == "https://peer/authorize_interaction?uri=" + open_ama.ap_id.replace(
        ":", "%3A").replace("/", "%2F")


def test_ask_box_falls_back_to_authorize_interaction(client, open_ama, peer):
    peer.serve("/.well-known/webfinger", jrd({"rel": "self", "href": "https://peer/users/bob"}))
    response = ask_box(client, open_ama, f"bob@{peer.domain}")
    location = urlsplit(response["Location"])
    assert (location.netloc, location.path) == (peer.domain, "/authorize_interaction")
    assert parse_qs(location.query) == {"uri": [open_ama.ap_id]}


@pytest.mark.parametrize("handle, message", [
    ("not a handle", "name@server"),
    ("bob@", "name@server"),
    ("", "This field is required"),
])
def test_ask_box_rejects_malformed_handles(client, open_ama, handle, message):
    response = ask_box(client, open_ama, handle)
    assert response.status_code == 400 and message in response.content.decode()


def test_ask_box_reports_an_unreachable_server(client, open_ama, peer):
    response = ask_box(client, open_ama, f"bob@{peer.domain}")  # the peer has no WebFinger: 404
    assert response.status_code == 400 and "could not be reached" in response.content.decode()
    port = peer.domain.split(":")[1]
    peer.close()
    response = ask_box(client, open_ama, f"bob@127.0.0.1:{port}")
    assert response.status_code == 400 and "could not be reached" in response.content.decode()


def test_ask_box_refuses_private_addresses_by_default(client, open_ama):
    response = ask_box(client, open_ama, "bob@127.0.0.1")
    assert response.status_code == 400 and "could not be reached" in response.content.decode()


def test_ask_box_does_not_say_what_a_name_resolves_to(client, open_ama, caplog):
    """Anyone can type a handle: the page must not be an oracle for our DNS; the reason is in our log."""
    with caplog.at_level("INFO", logger="ama.interaction"):
        response = ask_box(client, open_ama, "bob@localhost")
    page = response.content.decode()
    assert response.status_code == 400 and "Your server localhost could not be reached." in page
    assert "127.0.0.1" not in page and "resolve" not in page
    assert any("127.0.0.1" in r.getMessage() for r in caplog.records if r.name == "ama.interaction")


# ---- cost -----------------------------------------------------------------------------------------

def test_page_queries_do_not_grow_with_questions(client, open_ama):
    def count():
        with CaptureQueriesContext(connection) as queries:
            page(client, f"/amas/{open_ama.slug}")
        return len(queries)
    parent = ask(open_ama, "First")
    services.answer_publish(question=parent, author=open_ama.host, body="A")
    ask(open_ama, "Follow-up", parent=parent)
    small = count()
    for i in range(30):
        question = ask(open_ama, f"Question {i}")
        services.answer_publish(question=question, author=open_ama.host, body=f"Answer {i}")
        ask(open_ama, f"Follow {i}", parent=question)
    Ama.objects.filter(pk=open_ama.pk).update(version=F("version") + 1)  # else the cached render is served
    assert count() == small
