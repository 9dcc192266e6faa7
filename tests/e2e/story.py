"""The AMA story, told against fediama instance A by a remote user on any server.

`HostApi` is the host and moderator on A (REST API, token auth). A remote user (`FediamaUser` on instance B,
or the bovine server's user) implements: handle, ap_id, follow, wait_inbox, reply, like, delete, fetch_items."""

import re
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import requests

from tests.e2e.instances import Instance, wait_until

AS2 = {"Accept": "application/activity+json"}
STEP = 20  # seconds each asynchronous step may take


class HostApi:
    """A host account on A, acting through /api/ with its token."""

    def __init__(self, instance: Instance, username: str):
        out = instance.manage("createhost", username, "--token")
        self.instance, self.username = instance, username
        self.token = re.search(r"API token: (\S+)", out).group(1)
        self.ap_id = f"{instance.base}/users/{username}"

    def call(self, method: str, path: str, expect: int = 200, **payload):
        response = requests.request(method, self.instance.base + path, json=payload or None, timeout=10,
                                    headers={"Authorization": f"Token {self.token}"})
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text[:500]}"
        return response.json() if response.content else None

    def create_ama(self, title: str) -> dict:
        now = datetime.now(UTC)
        return self.call("POST", "/api/amas/", 201, title=title, intro="Ask me *anything* about this.",
                         opens_at=(now - timedelta(minutes=5)).isoformat(),
                         closes_at=(now + timedelta(hours=2)).isoformat(), publish=True)

    def questions(self, slug: str, state: str | None = None) -> list[dict]:
        query = f"?state={state}&limit=200" if state else "?limit=200"
        found = self.call("GET", f"/api/amas/{slug}/questions/{query}")
        return found["results"] if isinstance(found, dict) else found

    def wait_question(self, slug: str, ap_id: str, state: str) -> dict:
        def arrived():
            return next((q for q in self.questions(slug, state) if q["ap_id"] == ap_id), None)
        return wait_until(arrived, STEP, what=f"question {ap_id} to be {state} on {self.instance.name}")

    def approve(self, slug: str, pk: int) -> dict:
        return self.call("POST", f"/api/amas/{slug}/questions/{pk}/approve/", announce=True)

    def reject(self, slug: str, pk: int) -> dict:
        return self.call("POST", f"/api/amas/{slug}/questions/{pk}/reject/", reason="off-topic")

    def answer(self, pk: int, body: str) -> dict:
        return self.call("POST", f"/api/questions/{pk}/answers/", 201, body=body)

    def followers(self) -> int:
        response = requests.get(self.ap_id + "/followers", headers=AS2, timeout=10)
        return response.json()["totalItems"]


class FediamaUser:
    """A user of fediama instance B, acting through the operator commands (ap_follow, ap_post …)."""

    def __init__(self, instance: Instance, username: str):
        instance.manage("createhost", username)
        self.instance, self.username = instance, username
        self.ap_id = f"{instance.base}/users/{username}"
        self.handle = f"{username}@{instance.domain}"

    def follow(self, handle: str) -> None:
        self.instance.manage_json("ap_follow", self.username, handle)

    def wait_inbox(self, kind: str, object_id: str = "", actor: str = "") -> dict:
        found = self.instance.manage_json("ap_inbox", "--type", kind, "--object", object_id, "--actor", actor,
                                          "--wait", str(STEP))
        return found[-1]["body"]

    def reply(self, obj: dict, text: str) -> str:
        author = obj["attributedTo"]
        return self.instance.manage_json("ap_post", self.username, text, "--in-reply-to", obj["id"],
                                         "--mention", author)["id"]

    def like(self, object_id: str, notify: str) -> None:
        self.instance.manage_json("ap_like", self.username, object_id, "--notify", notify)

    def delete(self, note_id: str) -> None:
        self.instance.manage_json("ap_delete", self.username, note_id)

    def fetch_items(self, url: str) -> list[str]:
        return self.instance.manage_json("ap_fetch", url, "--items")


# ---- the story, step by step --------------------------------------------------------------------------

PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
QUESTION = "What made you build an AMA server?"
ANSWER = "Because moderated AMAs need a home on the fediverse."
SPAM = "Buy cheap watches at spam.example today"


def follow_host(host: HostApi, user) -> None:
    """The user finds the host by WebFinger and follows; the host's server accepts."""
    user.follow(f"{host.username}@{host.instance.domain}")
    accept = user.wait_inbox("Accept", actor=host.ap_id)
    assert accept["actor"] == host.ap_id
    wait_until(lambda: host.followers() >= 1, STEP, what="the follower to be listed")


def receive_ama(host: HostApi, user) -> tuple[dict, dict]:
    """The host publishes an AMA; the follower's server receives its Note with the reply policy."""
    ama = host.create_ama("Ask me about federation")
    note = user.wait_inbox("Create", object_id=ama["url"])["object"]
    assert note["type"] == "Note" and note["attributedTo"] == host.ap_id
    assert PUBLIC in note["interactionPolicy"]["canReply"]["manualApproval"]
    assert note["context"] == ama["url"] + "/context"
    return ama, note


def ask_and_approve(host: HostApi, user, ama: dict, note: dict) -> dict:
    note_id = user.reply(note, QUESTION)
    question = host.wait_question(ama["slug"], note_id, "pending")
    host.approve(ama["slug"], question["id"])
    accept = user.wait_inbox("Accept", object_id=note_id)
    assert accept["actor"] == host.ap_id
    assert accept["result"].endswith(f"/authorizations/{question['id']}")
    return question


def vote(host: HostApi, user, ama: dict, question: dict) -> None:
    user.like(question["ap_id"], notify=host.ap_id)

    def counted():
        shown = {q["ap_id"]: q for q in host.questions(ama["slug"])}
        return shown.get(question["ap_id"], {}).get("vote_count") == 1
    wait_until(counted, STEP, what="the Like to count as a vote")


def answer_reaches_asker(host: HostApi, user, question: dict, ama: dict) -> dict:
    answer = host.answer(question["id"], ANSWER)
    note = user.wait_inbox("Create", object_id=answer["url"])["object"]
    assert note["inReplyTo"] == question["ap_id"] and note["context"] == ama["url"] + "/context"
    assert {"type": "Mention", "href": user.ap_id} in [{k: t.get(k) for k in ("type", "href")} for t in note["tag"]]
    assert user.ap_id in note["cc"] and PUBLIC in note["to"]
    announce = user.wait_inbox("Announce", object_id=answer["url"])
    assert announce["actor"] == host.ap_id
    return answer


def ask_and_get_rejected(host: HostApi, user, ama: dict, note: dict) -> str:
    note_id = user.reply(note, SPAM)
    question = host.wait_question(ama["slug"], note_id, "pending")
    host.reject(ama["slug"], question["id"])
    return note_id


def thread_holds_exactly(host: HostApi, user, ama: dict, question: dict, answer: dict, rejected: str) -> None:
    page = requests.get(ama["url"], headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200, page.text[:500]
    assert QUESTION.replace("?", "") in page.text and ANSWER in page.text and SPAM not in page.text
    assert user.fetch_items(ama["url"] + "/replies") == [question["ap_id"]]
    assert user.fetch_items(ama["url"] + "/context") == [ama["url"], question["ap_id"], answer["url"]]
    assert [q["ap_id"] for q in host.questions(ama["slug"])] == [question["ap_id"]]
    assert rejected not in requests.get(ama["url"], headers=AS2, timeout=10).text


def delete_tombstones(host: HostApi, user, ama: dict, question: dict) -> None:
    user.delete(question["ap_id"])
    host.wait_question(ama["slug"], question["ap_id"], "deleted")
    assert question["ap_id"] not in user.fetch_items(ama["url"] + "/context")
    assert QUESTION.replace("?", "") not in requests.get(ama["url"], timeout=10).text


def run_story(host: HostApi, user) -> None:
    with timed("follow"):
        follow_host(host, user)
    with timed("AMA note"):
        ama, note = receive_ama(host, user)
    with timed("question approved"):
        question = ask_and_approve(host, user, ama, note)
    with timed("vote"):
        vote(host, user, ama, question)
    with timed("answer"):
        answer = answer_reaches_asker(host, user, question, ama)
    with timed("rejected question"):
        rejected = ask_and_get_rejected(host, user, ama, note)
    with timed("thread"):
        thread_holds_exactly(host, user, ama, question, answer, rejected)
    with timed("delete"):
        delete_tombstones(host, user, ama, question)


@contextmanager
def timed(step: str):
    """Print how long a step took (shown with the output of a failing test, or with -s)."""
    started = time.monotonic()
    yield
    print(f"story step {step!r}: {time.monotonic() - started:.1f}s")
