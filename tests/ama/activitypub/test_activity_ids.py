"""Every public id we mint answers: a whole AMA story is played, then every id in every document we serve
or have sent is fetched (JSON for servers, HTML for browsers); deleted things answer 410."""

import uuid
from collections import deque
from urllib.parse import urldefrag

import pytest

from ama import services
from ama.models import Question
from federation.models import Actor, Delivery, Follow, OutboxActivity
from tests.ama.test_placements import community  # noqa: F401 (a fixture: a Group on the peer)

AS2 = "application/activity+json"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
BASE = "http://testserver"
NOT_FETCHED = {"inbox", "sharedInbox", "endpoints"}  # POST-only endpoints
PAGES = {"url"}  # links to pages for people, not ids: checked with a browser's Accept only


@pytest.fixture
def story(open_ama, remote_actor, make_host, community, peer):  # noqa: F811
    """An AMA story: followers on both the host and the community, a question approved and announced, an
    answer edited, another answer deleted, a local vote, a follow-up question rejected; the AMA posted in a
    community elsewhere, and in another from which the host withdrew it."""
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    for followed in (open_ama.host, open_ama.group):
        Follow.objects.create(follower=bob, followed=followed, state=Follow.State.ACCEPTED)
    question = services.question_receive(ama=open_ama, author=bob, ap_id=f"{remote_actor.peer.base}/notes/q1",
                                         content_html="<p>Which licence?</p>", in_reply_to=open_ama.ap_id)
    services.question_approve(question=question, announce=True)
    answer = services.answer_publish(question=question, author=open_ama.host, body="Apache-2.0.")
    services.answer_edit(answer=answer, body="Apache-2.0, mostly.")
    services.answer_delete(answer=services.answer_publish(question=question, author=open_ama.host, body="oops"))
    services.vote_add(question=question, actor=make_host("carol"))
    spam = services.question_receive(ama=open_ama, author=bob, ap_id=f"{remote_actor.peer.base}/notes/q2",
                                     content_html="<p>spam</p>", in_reply_to=open_ama.ap_id)
    services.question_reject(question=spam)
    services.placement_add(ama=open_ama, target=f"!technologie@{peer.domain}")
    elsewhere = peer.actor("cuisine", actor_type="Group")
    services.placement_withdraw(placement=services.placement_add(ama=open_ama, target=elsewhere.ap_id))
    return open_ama


def start_urls(ama) -> list[str]:
    host, group = ama.host.ap_id, ama.group.ap_id
    return [host, host + "/outbox", host + "/outbox?page=1", host + "/featured", host + "/followers",
            ama.ap_id, ama.ap_id + "/replies", ama.ap_id + "/replies?page=1", ama.ap_id + "/context",
            ama.ap_id + "/context?page=1", group, group + "/outbox", group + "/featured", group + "/followers",
            group + "/moderators", ama.page_ap_id]


def local_ids(document, key=None, skip=NOT_FETCHED | PAGES) -> set[str]:
    """Every URL on this server in the document (fragments dropped), except under the keys in `skip`."""
    if key in skip:
        return set()
    if isinstance(document, str):
        return {urldefrag(document)[0]} if document.startswith(BASE + "/") else set()
    if isinstance(document, list):
        return set().union(*(local_ids(item, key, skip) for item in document)) if document else set()
    if isinstance(document, dict):
        return set().union(*(local_ids(value, name, skip) for name, value in document.items())) if document else set()
    return set()


def sent_ids() -> set[str]:
    """Our ids in every activity we delivered, but for the ids of activities addressed to one person
    (an Accept, a Reject: not served)."""
    rows = list(OutboxActivity.objects.filter(deliveries__isnull=False).distinct())
    private = {row.ap_id for row in rows if not row.public}
    return set().union(*(local_ids(row.body) for row in rows)) - private


def walk(client, urls, pages=None) -> tuple[dict, list[str]]:
    """Fetch every URL reachable from `urls` as a server; returns {url: status} and the problems found.
    The page links found on the way are added to `pages`."""
    seen, queue, problems, pages = {}, deque(urls), [], pages if pages is not None else set()
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        response = client.get(url.removeprefix(BASE), HTTP_ACCEPT=AS2)
        seen[url] = response.status_code
        if response.status_code not in (200, 410):
            problems.append(f"{url}: {response.status_code}")
            continue
        if not response["Content-Type"].startswith(AS2) or "Accept" not in response.get("Vary", ""):
            problems.append(f"{url}: {response['Content-Type']}, Vary {response.get('Vary')}")
            continue
        document = response.json()
        if document.get("id") != url:
            problems.append(f"{url}: serves id {document.get('id')}")
        queue.extend(local_ids(document) - seen.keys())
        pages |= local_ids(document, skip=NOT_FETCHED) - local_ids(document)
    return seen, problems


def test_every_id_we_serve_or_sent_dereferences(client, story):
    assert Delivery.objects.exists()
    sent = sent_ids()
    seen, problems = walk(client, start_urls(story) + [BASE + "/actor"] + sorted(sent))
    assert problems == []
    assert sent <= seen.keys()
    for url in (story.ap_id + "/activity", story.host.ap_id + "/outbox"):
        assert seen[url] == 200, url
    answers = story.questions.get(state=Question.State.PUBLISHED).answers.order_by("pk")
    live, deleted = answers
    assert seen[live.ap_id + "/activity"] == seen[live.announce_ap_id] == 200
    assert seen[deleted.ap_id] == seen[deleted.ap_id + "/activity"] == seen[deleted.announce_ap_id] == 410
    embedded = [url for url in seen if "/activities/" in url and not url.endswith("/announce")]
    assert embedded and all(seen[url] in (200, 410) for url in embedded)
    posted, withdrawn = story.placements.order_by("pk")
    assert seen[posted.post_ap_id] == seen[posted.post_ap_id + "/activity"] == 200
    assert seen[withdrawn.post_ap_id] == seen[withdrawn.post_ap_id + "/activity"] == 410


def test_browsers_get_html_at_every_id(client, story):
    sent, pages = sent_ids(), set()
    seen, _ = walk(client, start_urls(story) + [BASE + "/actor"] + sorted(sent), pages)
    assert BASE + "/about" in pages
    wrong = []
    for url, status in [*seen.items(), *((page, 200) for page in pages - seen.keys())]:
        response = client.get(url.removeprefix(BASE), HTTP_ACCEPT=BROWSER, follow=True)
        if response.status_code != status or not response["Content-Type"].startswith("text/html"):
            wrong.append(f"{url}: {response.status_code} {response['Content-Type']}")
    assert wrong == []


def test_activity_ids_serve_what_was_sent(client, story):
    create = OutboxActivity.objects.get(ap_id=story.ap_id + "/activity")
    served = client.get(f"/amas/{story.slug}/activity", HTTP_ACCEPT=AS2).json()
    assert served["type"] == "Create" and served["actor"] == story.host.ap_id
    assert served["object"]["id"] == create.body["object"]["id"] == story.ap_id
    assert served["to"] == create.body["to"] and served["cc"] == create.body["cc"]


def test_a_moderators_activity_inside_the_groups_announce_is_served(client, story):
    carrier = next(row for row in OutboxActivity.objects.filter(actor=story.group, activity_type="Announce")
                   if row.ap_id.endswith("/announce"))
    inner = carrier.body["object"]
    served = client.get(inner["id"].removeprefix(BASE), HTTP_ACCEPT=AS2)
    assert served.status_code == 200 and served.json()["id"] == inner["id"]
    assert carrier.ap_id == inner["id"] + "/announce"


def test_private_activities_and_unknown_ids_are_not_served(client, story):
    accept = OutboxActivity.objects.filter(public=False).first()
    if accept is not None and accept.ap_id.startswith(BASE):
        assert client.get(accept.ap_id.removeprefix(BASE), HTTP_ACCEPT=AS2).status_code == 404
    assert client.get(f"/activities/{uuid.uuid4()}", HTTP_ACCEPT=AS2).status_code == 404
    assert client.get(f"/amas/{story.slug}/answers/nope/activity", HTTP_ACCEPT=AS2).status_code == 404


def test_a_deleted_amas_create_is_gone(client, story):
    services.ama_delete(ama=story)
    response = client.get(f"/amas/{story.slug}/activity", HTTP_ACCEPT=AS2)
    assert response.status_code == 410 and response.json()["type"] == "Tombstone"
    page_create = next(row.body["object"]["id"] for row in OutboxActivity.objects.filter(
        actor=story.group, activity_type="Announce") if row.body["object"]["type"] == "Create"
        and row.body["object"]["object"]["id"] == story.page_ap_id)
    assert client.get(page_create.removeprefix(BASE), HTTP_ACCEPT=AS2).status_code == 410
