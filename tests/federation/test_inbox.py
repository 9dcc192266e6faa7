# ruff: noqa: F811  (pytest fixtures imported from tests/federation/fixtures_inbox.py are parameters here)
"""The inbox: what a valid POST stores, and processing (claim, route by type, record the outcome, sweep)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from federation import inbox, routing, signatures, tasks
from federation.keys import generate_keypair
from federation.models import InboxMessage
from tests.federation.fixtures_inbox import (  # noqa: F401  (fixtures)
    AS2,
    Snapshot,
    assert_refused,
    bob,
    create_note,
    instance_actor,
    post,
    post_as,
    post_signed,
)


@pytest.fixture
def table(monkeypatch):
    """A private handler table for the test (the app's handlers are put back afterwards)."""
    handlers: dict = {}
    monkeypatch.setattr(routing, "_handlers", handlers)
    return handlers


def _stored(bob, **body) -> InboxMessage:
    activity = {"id": bob.ap_id + "/activities/" + str(InboxMessage.objects.count() + 1), "type": "Ping",
                "actor": bob.ap_id, **body}
    return InboxMessage.objects.create(ap_id=activity["id"], activity_type=activity["type"], actor_ap_id=bob.ap_id,
                                       domain=bob.peer.domain, body=activity)


# ---- receiving ----------------------------------------------------------------------------------------

def test_valid_post_is_stored_raw_and_answered_202(client, bob, django_capture_on_commit_callbacks, monkeypatch):
    enqueued = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: enqueued.append((task.name, args)) or True)
    activity = create_note(bob.ap_id)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_as(client, bob, activity)
    assert response.status_code == 202 and response.json() == {"status": "accepted"}
    message = InboxMessage.objects.get()
    assert (message.ap_id, message.activity_type, message.actor_ap_id, message.domain, message.key_id,
            message.received_via, message.state) == (activity["id"], "Create", bob.ap_id, bob.peer.domain,
                                                     bob.key_id, "/inbox", InboxMessage.State.QUEUED)
    assert message.body == activity
    assert enqueued == [("federation.tasks.drain_inbox", ())]  # workers are woken; the row is the truth


def test_broker_down_still_answers_202_and_leaves_the_row_for_the_sweeper(client, bob,
                                                                          django_capture_on_commit_callbacks,
                                                                          monkeypatch):
    from kombu.exceptions import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("broker down")
    monkeypatch.setattr(tasks.drain_inbox, "apply_async", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = post_as(client, bob, create_note(bob.ap_id))
    assert response.status_code == 202
    message = InboxMessage.objects.get()
    InboxMessage.objects.filter(pk=message.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    assert routing.due_for_processing() == [message.pk]


def test_personal_inbox_records_its_path(client, bob, host):
    assert post_as(client, bob, create_note(bob.ap_id), path="/users/alice/inbox").status_code == 202
    assert InboxMessage.objects.get().received_via == "/users/alice/inbox"


def test_inbox_of_an_unknown_user_is_404(client, bob):
    snapshot = Snapshot()
    assert post_as(client, bob, create_note(bob.ap_id), path="/users/nobody/inbox").status_code == 404
    snapshot.assert_unchanged()


@pytest.mark.parametrize("path", ["/inbox", "/users/alice/inbox", "/actor/inbox", "/c/ama-{slug}/inbox"])
def test_inboxes_accept_post_only(client, open_ama, path):
    response = client.get(path.format(slug=open_ama.slug))
    assert response.status_code == 405 and response["Allow"] == "POST"
    assert response.json() == {"error": "inboxes accept POST only"}


def test_hs2019_and_authorization_header_forms_are_accepted(client, bob):
    def hs2019_in_authorization(body, headers):
        signature = headers.pop("Signature").replace('algorithm="rsa-sha256"', 'algorithm="hs2019"')
        return body, {**headers, "Authorization": "Signature " + signature}
    response = post_as(client, bob, create_note(bob.ap_id), mutate=hs2019_in_authorization)
    assert response.status_code == 202


def test_rfc9421_signed_post_is_accepted(client, bob):
    activity = create_note(bob.ap_id)
    body = json.dumps(activity).encode()
    headers = signatures.sign_rfc9421(method="POST", url="http://testserver/inbox", headers={"Content-Type": AS2},
                                      body=body, key_id=bob.key_id, private_key_pem=bob.peer.private_pem)
    response = post(client, body, {**headers, "Host": "testserver"})
    assert response.status_code == 202, response.content
    assert InboxMessage.objects.get().ap_id == activity["id"]


def test_rotated_key_is_refetched_once_when_the_cached_one_is_stale(client, bob):
    from federation.models import Actor

    new_private, new_public = generate_keypair()
    bob.extra = {"publicKey": {"id": bob.key_id, "owner": bob.ap_id, "publicKeyPem": new_public}}
    Actor.objects.filter(ap_id=bob.ap_id).update(fetched_at=timezone.now() - timedelta(hours=1))
    response = post_signed(client, create_note(bob.ap_id), key_id=bob.key_id, private_pem=new_private)
    assert response.status_code == 202
    assert bob.peer.gets == ["/users/bob"]
    assert Actor.objects.get(ap_id=bob.ap_id).public_key_pem == new_public


def test_key_id_without_fragment_resolves_through_its_owner(client, peer, db):
    """GoToSocial: keyId .../main-key serves a key document whose owner is the actor."""
    gts = peer.actor("gts")
    key_url = gts.ap_id + "/main-key"
    gts.extra = {"publicKey": {"id": key_url, "owner": gts.ap_id, "publicKeyPem": peer.public_pem}}
    peer.serve("/users/gts/main-key", {"id": key_url, "type": "CryptographicKey", "owner": gts.ap_id,
                                       "publicKeyPem": peer.public_pem})
    response = post_signed(client, create_note(gts.ap_id), key_id=key_url, private_pem=peer.private_pem)
    assert response.status_code == 202, response.content
    assert peer.gets == ["/users/gts/main-key", "/users/gts"]


# ---- processing ---------------------------------------------------------------------------------------

def test_claim_is_a_conditional_update(bob):
    message = _stored(bob)
    claimed = routing.claim(message.pk)
    assert claimed.state == InboxMessage.State.PROCESSING and claimed.attempts == 1
    assert routing.claim(message.pk) is None  # a second worker gets nothing
    InboxMessage.objects.filter(pk=message.pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert routing.claim(message.pk).attempts == 2  # an abandoned lease is taken over


def test_routed_by_type_to_the_registered_handler(bob, table):
    seen = []
    routing.register("Ping")(lambda incoming: seen.append(incoming.activity["id"]) or "pong")
    message = _stored(bob)
    assert routing.process(message.pk) == InboxMessage.State.PROCESSED
    message.refresh_from_db()
    assert (message.state, message.result, message.lease_until) == (InboxMessage.State.PROCESSED, "pong", None)
    assert message.processed_at is not None and seen == [message.ap_id]


def test_processing_twice_changes_nothing_the_second_time(bob, table):
    calls = []
    routing.register("Ping")(lambda incoming: calls.append(1) or "pong")
    message = _stored(bob)
    routing.process(message.pk)
    before = InboxMessage.objects.filter(pk=message.pk).values().get()
    assert routing.process(message.pk) is None
    assert InboxMessage.objects.filter(pk=message.pk).values().get() == before and calls == [1]


def test_object_type_handler_runs_before_the_general_one_and_none_passes_on(bob, table):
    order = []
    routing.register("Ping")(lambda incoming: order.append("general") or "general")
    routing.register("Ping", "Note")(lambda incoming: order.append("note") or None)
    message = _stored(bob, object={"type": "Note", "id": bob.ap_id + "/n"})
    routing.process(message.pk)
    message.refresh_from_db()
    assert order == ["note", "general"] and message.result == "general"


def test_unknown_type_is_ignored(bob, table):
    message = _stored(bob)
    assert routing.process(message.pk) == InboxMessage.State.IGNORED
    message.refresh_from_db()
    assert message.state == InboxMessage.State.IGNORED and "no handler" in message.result


def test_ignore_is_recorded_with_its_reason(bob, table):
    def handler(incoming):
        raise routing.Ignore("not for us")
    routing.register("Ping")(handler)
    message = _stored(bob)
    assert routing.process(message.pk) == InboxMessage.State.IGNORED
    message.refresh_from_db()
    assert message.result == "not for us"


def test_handler_exception_marks_failed_keeps_the_row_and_rolls_back(bob, table):
    from federation.models import Actor

    def handler(incoming):
        Actor.objects.filter(pk=incoming.actor.pk).update(display_name="half-done")
        raise KeyError("boom")
    routing.register("Ping")(handler)
    message = _stored(bob)
    assert routing.process(message.pk) == InboxMessage.State.FAILED
    message.refresh_from_db()
    assert message.state == InboxMessage.State.FAILED and message.result == "KeyError"
    assert "boom" in message.error and "Traceback" in message.error
    assert Actor.objects.get(ap_id=bob.ap_id).display_name == "Bob"


def test_message_from_an_actor_no_longer_known_is_ignored(bob, table):
    from federation.models import Actor

    routing.register("Ping")(lambda incoming: "pong")
    message = _stored(bob)
    Actor.objects.filter(ap_id=bob.ap_id).delete()
    assert routing.process(message.pk) == InboxMessage.State.IGNORED


def test_sweeper_finds_rows_left_behind(bob):
    old = timezone.now() - timedelta(minutes=5)
    lost = _stored(bob)
    fresh = _stored(bob)
    dead_worker = _stored(bob)
    busy = _stored(bob)
    done = _stored(bob)
    InboxMessage.objects.filter(pk__in=[lost.pk, dead_worker.pk, busy.pk, done.pk]).update(received_at=old)
    InboxMessage.objects.filter(pk=dead_worker.pk).update(state=InboxMessage.State.PROCESSING, lease_until=old)
    InboxMessage.objects.filter(pk=busy.pk).update(state=InboxMessage.State.PROCESSING,
                                                   lease_until=timezone.now() + timedelta(minutes=5))
    InboxMessage.objects.filter(pk=done.pk).update(state=InboxMessage.State.PROCESSED)
    assert sorted(routing.due_for_processing()) == sorted([lost.pk, dead_worker.pk])
    assert fresh.pk not in routing.due_for_processing()


def test_sweep_task_sends_one_drain_for_what_it_finds(bob, monkeypatch):
    sent = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: sent.append(task.name) or True)
    assert tasks.sweep_inbox() == 0 and sent == []
    for _ in range(3):
        message = _stored(bob)
        InboxMessage.objects.filter(pk=message.pk).update(received_at=timezone.now() - timedelta(minutes=5))
    assert tasks.sweep_inbox() == 3 and sent == ["federation.tasks.drain_inbox"]


def test_purge_deletes_old_handled_rows_and_keeps_failed_and_recent_ones(bob, settings):
    settings.FEDIAMA_INBOX_RETENTION_DAYS = 30
    rows = {name: _stored(bob) for name in ("old processed", "old ignored", "old failed", "old queued", "recent")}
    long_ago = timezone.now() - timedelta(days=31)
    for name, state in (("old processed", "processed"), ("old ignored", "ignored"), ("old failed", "failed"),
                        ("old queued", "queued")):
        InboxMessage.objects.filter(pk=rows[name].pk).update(state=state, received_at=long_ago)
    InboxMessage.objects.filter(pk=rows["recent"].pk).update(state="processed")
    assert tasks.purge_inbox() == 2
    kept = {row.pk: name for name, row in rows.items()}
    assert sorted(kept[pk] for pk in InboxMessage.objects.values_list("pk", flat=True)) == [
        "old failed", "old queued", "recent"]


def test_requeue_puts_failed_rows_back(bob, table):
    routing.register("Ping")(lambda incoming: 1 / 0)
    message = _stored(bob)
    routing.process(message.pk)
    assert routing.requeue([message.pk]) == 1
    message.refresh_from_db()
    assert message.state == InboxMessage.State.QUEUED and message.error == ""


def test_task_entry_point_processes_by_id(bob, table):
    routing.register("Ping")(lambda incoming: "pong")
    message = _stored(bob)
    assert tasks.process_inbox_message.apply(args=(message.pk,)).get() == InboxMessage.State.PROCESSED


def test_drain_processes_every_waiting_row_oldest_first(bob, table):
    seen = []
    routing.register("Ping")(lambda incoming: seen.append(incoming.message.pk) or "pong")
    rows = [_stored(bob) for _ in range(5)]
    abandoned, busy, done = rows[1], rows[2], rows[3]
    past, future = timezone.now() - timedelta(minutes=1), timezone.now() + timedelta(minutes=5)
    InboxMessage.objects.filter(pk=abandoned.pk).update(state=InboxMessage.State.PROCESSING, lease_until=past)
    InboxMessage.objects.filter(pk=busy.pk).update(state=InboxMessage.State.PROCESSING, lease_until=future)
    InboxMessage.objects.filter(pk=done.pk).update(state=InboxMessage.State.PROCESSED)
    assert routing.drain(budget=60, batch=2) == (3, False)
    assert seen == [rows[0].pk, abandoned.pk, rows[4].pk]  # a worker's live lease is left alone
    assert InboxMessage.objects.get(pk=busy.pk).state == InboxMessage.State.PROCESSING
    assert routing.drain(budget=60) == (0, False)


def test_drain_stops_at_its_budget_and_the_task_hands_on_the_rest(bob, table, monkeypatch):
    routing.register("Ping")(lambda incoming: "pong")
    for _ in range(3):
        _stored(bob)
    assert routing.drain(budget=0, batch=1) == (1, True)  # one batch (of one row), then the budget is spent
    sent = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: sent.append(task.name) or True)
    monkeypatch.setattr(routing, "CLAIM_BATCH", 1)
    monkeypatch.setattr(tasks, "DRAIN_BUDGET", 0)
    assert tasks.drain_inbox.apply().get() == 1 and sent == ["federation.tasks.drain_inbox"]
    monkeypatch.setattr(tasks, "DRAIN_BUDGET", 60)
    assert tasks.drain_inbox.apply().get() == 1 and sent == ["federation.tasks.drain_inbox"]
    assert set(InboxMessage.objects.values_list("state", flat=True)) == {InboxMessage.State.PROCESSED}


def test_failing_handler_does_not_stop_the_drain(bob, table):
    routing.register("Ping")(lambda incoming: 1 / 0 if incoming.activity.get("poison") else "pong")
    bad, good = _stored(bob, poison=True), _stored(bob)
    assert routing.drain(budget=60) == (2, False)
    assert InboxMessage.objects.get(pk=bad.pk).state == InboxMessage.State.FAILED
    assert InboxMessage.objects.get(pk=good.pk).state == InboxMessage.State.PROCESSED


def test_operator_requeue_wakes_the_workers_once(bob, table, monkeypatch, django_capture_on_commit_callbacks):
    routing.register("Ping")(lambda incoming: 1 / 0)
    rows = [_stored(bob) for _ in range(3)]
    for row in rows:
        routing.process(row.pk)
    sent = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: sent.append(task.name) or True)
    with django_capture_on_commit_callbacks(execute=True):
        assert inbox.requeue_messages([row.pk for row in rows]) == 3
    assert sent == ["federation.tasks.drain_inbox"]


def test_a_burst_of_accepted_posts_sends_one_wakeup_now_and_one_after(client, bob, monkeypatch,
                                                                       django_capture_on_commit_callbacks):
    sent = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **kw: sent.append(task.name) or True)
    monkeypatch.setattr(tasks.inbox_wakeup, "window", 60)  # the whole burst falls in one window
    for _ in range(5):
        with django_capture_on_commit_callbacks(execute=True):
            assert post_as(client, bob, create_note(bob.ap_id)).status_code == 202
    assert InboxMessage.objects.count() == 5 and sent == ["federation.tasks.drain_inbox"]
    tasks.inbox_wakeup.flush()  # what the window's end does
    assert sent == ["federation.tasks.drain_inbox"] * 2


def test_a_row_whose_worker_keeps_dying_is_failed_after_a_few_attempts(bob, table):
    routing.register("Ping")(lambda incoming: "pong")
    message = _stored(bob)
    expired = timezone.now() - timedelta(minutes=1)
    InboxMessage.objects.filter(pk=message.pk).update(state=InboxMessage.State.PROCESSING, lease_until=expired,
                                                      attempts=routing.MAX_ATTEMPTS - 1)
    assert routing.claimable_ids(10) == [message.pk] and routing.give_up_abandoned() == 0
    InboxMessage.objects.filter(pk=message.pk).update(attempts=routing.MAX_ATTEMPTS)
    assert routing.claimable_ids(10) == [] and routing.drain(budget=60) == (0, False)
    assert routing.give_up_abandoned() == 1
    message.refresh_from_db()
    assert message.state == InboxMessage.State.FAILED and "re-process it from the admin" in message.error
    assert routing.requeue([message.pk]) == 1 and routing.process(message.pk) == InboxMessage.State.PROCESSED


def test_a_task_out_of_time_puts_its_row_back_in_line(bob, table):
    from billiard.exceptions import SoftTimeLimitExceeded

    def slow(incoming):
        raise SoftTimeLimitExceeded()
    routing.register("Ping")(slow)
    message = _stored(bob)
    with pytest.raises(SoftTimeLimitExceeded):
        routing.process(message.pk)
    message.refresh_from_db()
    assert message.state == InboxMessage.State.QUEUED and message.attempts == 1
    InboxMessage.objects.filter(pk=message.pk).update(attempts=routing.MAX_ATTEMPTS - 1)
    with pytest.raises(SoftTimeLimitExceeded):
        routing.process(message.pk)  # the last allowed attempt
    message.refresh_from_db()
    assert message.state == InboxMessage.State.FAILED and message.result == "timed out"


# ---- unknown signers: key fetches are bounded --------------------------------------------------------

def test_while_the_key_fetch_slot_is_taken_an_unknown_signer_is_told_to_retry_and_known_ones_are_served(
        client, bob, peer):
    carol = peer.actor("carol")  # not cached: her key must be fetched
    snapshot = Snapshot()
    slots = inbox._key_fetch_slots()
    assert slots.acquire(blocking=False)  # another thread is fetching a slow server's key
    try:
        busy = post_as(client, carol, create_note(carol.ap_id))
        assert_refused(busy, 503, snapshot, reason="retry later")
        assert busy["Retry-After"] == str(inbox.BUSY_RETRY_AFTER)
        assert peer.gets == []  # nothing was fetched
        assert post_as(client, bob, create_note(bob.ap_id)).status_code == 202  # a known signer is served
    finally:
        slots.release()
    assert post_as(client, carol, create_note(carol.ap_id)).status_code == 202  # the retry gets in
    assert peer.gets == ["/users/carol"]


def test_a_slow_key_server_holds_one_thread_while_others_are_answered(client, bob, peer, transactional_db):
    """Real threads: one POST waits on a key host that answers slowly; while it still waits, a second
    unknown signer is told to retry and a known signer is accepted."""
    import threading
    import time

    from django.db import connection
    from django.test import Client


    slow, dave = peer.actor("slow"), peer.actor("dave")
    peer.get_delay = 5
    results = {}

    def post_slowly():
        try:
            results["slow"] = post_as(Client(), slow, create_note(slow.ap_id))
        finally:
            connection.close()
    worker = threading.Thread(target=post_slowly)
    worker.start()
    deadline = time.monotonic() + 5
    while "/users/slow" not in peer.gets and time.monotonic() < deadline:  # the slow fetch holds the slot
        time.sleep(0.01)
    assert post_as(client, dave, create_note(dave.ap_id)).status_code == 503
    assert post_as(client, bob, create_note(bob.ap_id)).status_code == 202
    assert worker.is_alive()  # both were answered while the slow fetch still held its thread
    worker.join(15)
    assert results["slow"].status_code == 202
    assert "/users/dave" not in peer.gets


def test_the_inbox_reads_headers_by_djangos_own_rule():
    """lowered_headers is request.headers by lower-case name, for the WSGI and the ASGI request alike."""
    from io import BytesIO

    from django.core.handlers.asgi import ASGIRequest
    from django.core.handlers.wsgi import WSGIRequest

    from federation.inbox import lowered_headers

    wsgi = WSGIRequest({"REQUEST_METHOD": "POST", "PATH_INFO": "/inbox", "wsgi.input": BytesIO(b""),
                        "CONTENT_TYPE": "application/activity+json", "CONTENT_LENGTH": "0",
                        "HTTP_SIGNATURE": 'keyId="k"', "HTTP_X_FORWARDED_FOR": "10.0.0.1",
                        "HTTP_DIGEST": "SHA-256=x", "SERVER_NAME": "example.com", "SERVER_PORT": "443",
                        "REMOTE_ADDR": "10.0.0.2", "HTTP_": "no name"})
    asgi = ASGIRequest({"type": "http", "method": "POST", "path": "/inbox", "query_string": b"",
                        "headers": [(b"content-type", b"application/activity+json"), (b"content-length", b"0"),
                                    (b"signature", b'keyId="k"'), (b"x_spoofed", b"dropped"),
                                    (b"accept", b"a"), (b"accept", b"b")]}, BytesIO(b""))
    for request in (wsgi, asgi):
        assert lowered_headers(request.META) == {name.lower(): value for name, value in request.headers.items()}
    assert lowered_headers(asgi.META)["accept"] == "a,b" and "x-spoofed" not in lowered_headers(asgi.META)
    assert lowered_headers(wsgi.META)["content-type"] == "application/activity+json"
