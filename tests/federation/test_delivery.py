"""Publishing and delivery attempts in-process, against real HTTP servers on loopback.

The same paths through a real Celery worker, and the fault drills, are in test_delivery_drills.py."""

from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from federation import breaker, delivery, delivery_batch, domain_policy, outbox, tasks
from federation.models import Actor, Delivery, DomainBlock, DomainHealth, Follow, InboxMessage, OutboxActivity
from tests.federation.inboxes import InboxServer, add_followers, note_activity

pytestmark = pytest.mark.django_db


@pytest.fixture
def fast(loopback):
    loopback.FEDIAMA_DELIVERY_TIMEOUT = 2
    return loopback


@pytest.fixture
def inbox_server(fast, keypair):
    server = InboxServer(public_pem=keypair[1])
    yield server
    server.close()


@pytest.fixture
def plain_server(fast):
    """An inbox that does not check signatures (for the RFC 9421 retry)."""
    server = InboxServer("127.0.0.9")
    yield server
    server.close()


def publish_to(host, server, count=1, **kwargs) -> Delivery:
    followers = add_followers(host, server, count, **kwargs)
    stored = outbox.publish(note_activity(host), sender=host, recipients=followers)
    return Delivery.objects.get(activity=stored)


def due_now(row: Delivery) -> None:
    Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())


# ---- publish -------------------------------------------------------------------------------------

def test_publish_one_row_per_inbox_never_own_or_blocked_domain(host, fast, django_capture_on_commit_callbacks):
    shared, personal = InboxServer("127.0.0.2"), InboxServer("127.0.0.3")
    blocked = InboxServer("127.0.0.4")
    try:
        add_followers(host, shared, 3)
        lone = add_followers(host, personal, 2, shared=False)
        add_followers(host, blocked, 2)
        DomainBlock.objects.create(domain="127.0.0.4")
        Actor.objects.create(ap_id="http://testserver/users/carol", username="carol", domain="testserver",
                             inbox="http://testserver/users/carol/inbox")
        with django_capture_on_commit_callbacks() as callbacks:
            stored = outbox.publish(note_activity(host), sender=host, recipients=[lone[0], "http://testserver/x"],
                                    to_followers=True)
        inboxes = set(Delivery.objects.filter(activity=stored).values_list("inbox", flat=True))
        assert inboxes == {shared.inbox, lone[0].inbox, lone[1].inbox}
        assert len(callbacks) == 1
    finally:
        for server in (shared, personal, blocked):
            server.close()


def test_blocked_subdomain_gets_no_rows(host):
    DomainBlock.objects.create(domain="blocked.example")
    for n, domain in enumerate(["a.blocked.example", "blocked.example:8443", "notblocked.example"]):
        actor = Actor.objects.create(ap_id=f"https://{domain}/users/u{n}", username=f"u{n}", domain=domain,
                                     inbox=f"https://{domain}/users/u{n}/inbox")
        Follow.objects.create(follower=actor, followed=host, state=Follow.State.ACCEPTED)
    stored = outbox.publish(note_activity(host), sender=host, to_followers=True)
    assert list(Delivery.objects.filter(activity=stored).values_list("domain", flat=True)) == ["notblocked.example"]


def test_publishing_and_the_inbox_read_the_block_list_by_one_rule(host):
    """The most specific entry decides, at publish time as in the inbox: a limited subdomain of a suspended
    domain is still delivered to, a draft blocks nothing, and a block made in another process (no cache to
    forget here) holds at once."""
    from federation import domain_policy

    DomainBlock.objects.create(domain="suspended.example")
    DomainBlock.objects.create(domain="ok.suspended.example", severity=DomainBlock.Severity.LIMIT)
    DomainBlock.objects.create(domain="drafted.example", is_draft=True)
    domains = ["a.suspended.example", "ok.suspended.example", "drafted.example", "later.example"]
    for n, domain in enumerate(domains):
        actor = Actor.objects.create(ap_id=f"https://{domain}/users/u{n}", username=f"u{n}", domain=domain,
                                     inbox=f"https://{domain}/users/u{n}/inbox")
        Follow.objects.create(follower=actor, followed=host, state=Follow.State.ACCEPTED)
    assert not domain_policy.is_blocked("later.example")  # now cached in this process
    DomainBlock.objects.bulk_create([DomainBlock(domain="later.example")])  # no signal: as another process
    stored = outbox.publish(note_activity(host), sender=host, to_followers=True)
    delivered = set(Delivery.objects.filter(activity=stored).values_list("domain", flat=True))
    assert delivered == {"ok.suspended.example", "drafted.example"}
    assert [domain_policy.is_blocked(domain) for domain in domains[:3]] == [True, False, False]


def test_rolled_back_publish_leaves_nothing(host, inbox_server, django_capture_on_commit_callbacks):
    add_followers(host, inbox_server, 2)
    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        with transaction.atomic():
            outbox.publish(note_activity(host), sender=host, to_followers=True)
            raise RuntimeError("the answer failed")
    assert (Delivery.objects.count(), OutboxActivity.objects.count(), len(callbacks)) == (0, 0, 0)


# ---- one attempt ---------------------------------------------------------------------------------

def test_delivered_signed_for_a_third_party_verifier(host, inbox_server):
    row = publish_to(host, inbox_server)
    assert delivery_batch.attempt(row.pk) == Delivery.State.DELIVERED
    [post] = inbox_server.posts
    assert post.verified_key_id == host.key_id  # apsig accepted our draft-cavage rsa-sha256 signature
    assert post.headers["Content-Type"] == "application/activity+json"
    assert post.headers["User-Agent"].startswith("fediama/0.1.0") and "testserver" in post.headers["User-Agent"]
    assert post.json["id"] == row.activity.ap_id
    row.refresh_from_db()
    assert (row.state, row.attempts, row.last_status, row.lease_until) == ("delivered", 1, 202, None)


def test_bad_signature_is_refused_by_the_third_party_verifier(host, inbox_server, keypair):
    from federation.keys import generate_keypair

    other_private, _ = generate_keypair()
    Actor.objects.filter(pk=host.pk).update(private_key_pem=other_private)
    row = publish_to(host, inbox_server)
    assert delivery_batch.attempt(row.pk) == Delivery.State.RETRYING  # 401 twice: a retry later, not a drop
    assert [p.verified_key_id for p in inbox_server.posts] == [None, None]


@pytest.mark.parametrize("status,state", [(400, "failed"), (403, "failed"), (404, "failed"), (410, "failed"),
                                          (422, "failed"), (501, "failed"), (408, "retrying"), (429, "retrying"),
                                          (500, "retrying"), (502, "retrying"), (503, "retrying")])
def test_status_classification(host, inbox_server, status, state):
    inbox_server.statuses = [status]
    row = publish_to(host, inbox_server)
    assert delivery_batch.attempt(row.pk) == state
    row.refresh_from_db()
    assert (row.state, row.last_status, len(inbox_server.posts)) == (state, status, 1)


def test_410_and_403_are_never_retried_and_410_marks_the_actor_gone(host, inbox_server):
    inbox_server.statuses = [410]
    gone = publish_to(host, inbox_server, shared=False)
    assert delivery_batch.attempt(gone.pk) == "failed"
    assert Actor.objects.get(inbox=gone.inbox).gone_at is not None
    other = InboxServer("127.0.0.5")
    try:
        other.statuses = [403]
        refused = publish_to(host, other)
        assert delivery_batch.attempt(refused.pk) == "failed"
        Delivery.objects.update(next_attempt_at=timezone.now() - timedelta(days=9), lease_until=None)
        assert tasks._due_delivery_ids(timezone.now()) == []
        assert delivery_batch.attempt(gone.pk) is None and delivery_batch.attempt(refused.pk) is None
        assert (len(inbox_server.posts), len(other.posts)) == (1, 1)
        assert Actor.objects.filter(domain=other.domain, gone_at__isnull=False).count() == 0
    finally:
        other.close()


def test_401_retries_once_with_rfc9421_and_remembers_the_scheme(host, plain_server):
    plain_server.statuses = [401]
    row = publish_to(host, plain_server)
    assert delivery_batch.attempt(row.pk) == "delivered"
    first, second = plain_server.posts
    assert "Signature-Input" not in first.headers and 'keyId="' in first.headers["Signature"]
    assert "Signature-Input" in second.headers and "Content-Digest" in second.headers
    assert breaker.scheme_for(plain_server.domain) == DomainHealth.Scheme.RFC9421
    later = outbox.publish(note_activity(host), sender=host, to_followers=True)
    assert delivery_batch.attempt(Delivery.objects.get(activity=later).pk) == "delivered"
    assert "Signature-Input" in plain_server.posts[2].headers and len(plain_server.posts) == 3


def test_retry_after_is_honoured_and_capped(host, inbox_server):
    inbox_server.statuses = [(429, {"Retry-After": "120"}), (503, {"Retry-After": "99999999"})]
    row = publish_to(host, inbox_server)
    delivery_batch.attempt(row.pk)
    row.refresh_from_db()
    assert timedelta(seconds=115) < row.next_attempt_at - timezone.now() <= timedelta(seconds=120)
    due_now(row)
    delivery_batch.attempt(row.pk)
    row.refresh_from_db()
    assert timedelta(hours=5, minutes=59) < row.next_attempt_at - timezone.now() <= delivery.MAX_RETRY_AFTER


def test_dead_after_the_backoff_schedule_then_an_operator_requeues(host, inbox_server):
    total = sum(delivery.BACKOFF, timedelta())
    assert timedelta(days=2.5) < total < timedelta(days=3.5)
    inbox_server.statuses = [500] * (len(delivery.BACKOFF) + 1)
    row = publish_to(host, inbox_server)
    outcomes = []
    for _ in range(len(delivery.BACKOFF) + 1):
        breaker.reset([row.domain])
        due_now(row)
        outcomes.append(delivery_batch.attempt(row.pk))
    assert outcomes == ["retrying"] * len(delivery.BACKOFF) + ["dead"]
    assert outbox.requeue_deliveries([row.pk]) == 1
    row.refresh_from_db()
    assert (row.state, row.attempts) == ("pending", 0)
    breaker.reset([row.domain])
    assert delivery_batch.attempt(row.pk) == "delivered"


def test_running_the_same_delivery_twice_changes_state_once(host, inbox_server):
    row = publish_to(host, inbox_server)
    assert delivery_batch.attempt(row.pk) == "delivered"
    assert delivery_batch.attempt(row.pk) is None
    row.refresh_from_db()
    assert (row.attempts, len(inbox_server.posts)) == (1, 1)
    assert not delivery.finish(row, state=Delivery.State.RETRYING)  # a stale worker cannot overwrite it


# ---- breaker, concurrency cap, sweeper, retention -----------------------------------------------

def test_breaker_opens_after_repeated_failures_and_any_sign_of_life_closes_it(host, inbox_server):
    inbox_server.statuses = [500] * breaker.OPEN_AFTER_FAILURES
    rows = [publish_to(host, inbox_server, shared=False) for _ in range(breaker.OPEN_AFTER_FAILURES + 1)]
    assert [delivery_batch.attempt(r.pk) for r in rows[:-1]] == ["retrying"] * breaker.OPEN_AFTER_FAILURES
    paused = breaker.paused_until(inbox_server.domain)
    assert paused is not None and paused > timezone.now()
    assert delivery_batch.attempt(rows[-1].pk) == "deferred"  # waits, not dropped, and nothing is sent
    rows[-1].refresh_from_db()
    assert (rows[-1].state, rows[-1].next_attempt_at, len(inbox_server.posts)) == ("pending", paused, 5)
    breaker.domain_alive(inbox_server.domain)  # an activity received from it
    assert breaker.paused_until(inbox_server.domain) is None
    due_now(rows[-1])
    assert delivery_batch.attempt(rows[-1].pk) == "delivered"


def test_a_domain_failing_for_days_is_marked_unavailable(db):
    breaker.record_failure("down.example")
    DomainHealth.objects.filter(domain="down.example").update(failing_since=timezone.now() - timedelta(days=3))
    breaker.record_failure("down.example")
    assert DomainHealth.objects.get(domain="down.example").unavailable
    breaker.record_success("down.example")
    health = DomainHealth.objects.get(domain="down.example")
    assert (health.unavailable, health.consecutive_failures, health.paused_until) == (False, 0, None)


def test_per_domain_concurrency_cap(host, inbox_server, settings, monkeypatch):
    settings.FEDIAMA_DOMAIN_CONCURRENCY = 2
    monkeypatch.setattr(delivery_batch, "SLOT_WAIT", 0)  # the slots are held by "another worker": do not wait
    rows = [publish_to(host, inbox_server, shared=False) for _ in range(3)]
    Delivery.objects.filter(pk__in=[rows[0].pk, rows[1].pk]).update(
        state=Delivery.State.IN_FLIGHT, lease_until=timezone.now() + timedelta(minutes=1))
    assert delivery_batch.attempt(rows[2].pk) == "busy"
    assert inbox_server.posts == []
    Delivery.objects.filter(pk=rows[0].pk).update(lease_until=timezone.now() - timedelta(seconds=1))
    assert delivery_batch.attempt(rows[2].pk) == "delivered"  # an expired lease does not count


def test_many_inboxes_on_one_slow_domain_go_in_one_batch_with_the_cap_in_flight(host, fast, monkeypatch):
    """Issue 18 G: rows beyond the domain's cap wait in the batch for a free slot instead of going back to
    the queue for a 2 s countdown; the peer never sees more than FEDIAMA_DOMAIN_CONCURRENCY at once."""
    slow = InboxServer("127.0.0.12", delay=0.2)
    requeued = []
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **options: requeued.append((args, options)) or True)
    try:
        followers = add_followers(host, slow, 13, shared=False)
        stored = outbox.publish(note_activity(host), sender=host, recipients=followers)
        ids = list(Delivery.objects.filter(activity=stored).values_list("pk", flat=True))
        assert tasks.deliver_many(ids) == {"delivered": 13}
        assert requeued == []  # nothing handed back to wait for a later message
        assert sorted(post.path for post in slow.posts) == sorted(urlsplit(f.inbox).path for f in followers)
        assert slow.max_active == fast.FEDIAMA_DOMAIN_CONCURRENCY == 4
    finally:
        slow.close()


def test_a_domain_that_fails_gets_no_more_sends_from_the_batch(host, fast, monkeypatch):
    failing = InboxServer("127.0.0.13", delay=0.1)
    failing.statuses = [503] * 20
    monkeypatch.setattr(tasks, "enqueue", lambda task, *args, **options: True)
    try:
        followers = add_followers(host, failing, 6, shared=False)
        stored = outbox.publish(note_activity(host), sender=host, recipients=followers)
        ids = list(Delivery.objects.filter(activity=stored).values_list("pk", flat=True))
        assert tasks.deliver_many(ids) == {"retrying": 4, "busy": 2}  # the first round only; the rest wait
        assert len(failing.posts) == 4
    finally:
        failing.close()


def test_a_burst_of_concurrent_failures_is_one_step_of_the_breaker(host, fast):
    """Eight sends that fail together are one failure; the pause grows with failure rounds, not with them."""
    fast.FEDIAMA_DOMAIN_CONCURRENCY = 8
    down = InboxServer("127.0.0.14", delay=0.2)
    down.statuses = [500] * 8 * breaker.OPEN_AFTER_FAILURES
    try:
        followers = add_followers(host, down, 8, shared=False)
        stored = outbox.publish(note_activity(host), sender=host, recipients=followers)
        rows = Delivery.objects.filter(activity=stored)
        ids = list(rows.values_list("pk", flat=True))
        for round_number in range(1, breaker.OPEN_AFTER_FAILURES + 1):
            assert delivery_batch.attempt_many(ids) == dict.fromkeys(ids, "retrying")
            assert DomainHealth.objects.get(domain=down.domain).consecutive_failures == round_number
            rows.update(next_attempt_at=timezone.now())
        assert down.max_active == 8 and len(down.posts) == 8 * breaker.OPEN_AFTER_FAILURES
        pause = breaker.paused_until(down.domain) - timezone.now()
        assert timedelta(seconds=50) < pause <= timedelta(minutes=1)  # the first step, not 2 ** 7 minutes
    finally:
        down.close()


def test_a_failure_that_started_before_the_last_counted_one_was_recorded_is_not_counted_again(db):
    started = timezone.now()
    breaker.record_failure("burst.example", started_at=started)
    breaker.record_failure("burst.example", started_at=started)  # in flight together with the first
    assert DomainHealth.objects.get(domain="burst.example").consecutive_failures == 1
    breaker.record_failure("burst.example", started_at=timezone.now())  # sent after the first was counted
    assert DomainHealth.objects.get(domain="burst.example").consecutive_failures == 2
    breaker.record_success("burst.example")
    breaker.record_failure("burst.example", started_at=started)  # a success in between: a new sequence
    assert DomainHealth.objects.get(domain="burst.example").consecutive_failures == 1


def test_sweeper_takes_due_and_abandoned_rows_only(host, inbox_server):
    now = timezone.now()
    past, future = now - timedelta(seconds=5), now + timedelta(minutes=5)
    cases = {"fresh": ("pending", now, future), "lost message": ("pending", past, past),
             "retry due": ("retrying", past, None), "retry later": ("retrying", future, None),
             "dead worker": ("in_flight", past, past), "working": ("in_flight", past, future),
             "done": ("delivered", past, None), "dead": ("dead", past, None)}
    ids = {}
    for name, (state, next_at, lease) in cases.items():
        row = publish_to(host, inbox_server, shared=False)
        Delivery.objects.filter(pk=row.pk).update(state=state, next_attempt_at=next_at, lease_until=lease)
        ids[row.pk] = name
    swept = tasks._due_delivery_ids(now)
    assert sorted(ids[pk] for pk in swept) == ["dead worker", "lost message", "retry due"]
    assert tasks._due_delivery_ids(now) == [pk for pk in swept if ids[pk] == "dead worker"]  # leased meanwhile


def test_purge_keeps_recent_and_undelivered_rows(host, inbox_server, settings):
    settings.FEDIAMA_DELIVERY_RETENTION_DAYS = 7
    old, recent, dead = (publish_to(host, inbox_server, shared=False) for _ in range(3))
    long_ago = timezone.now() - timedelta(days=8)
    Delivery.objects.filter(pk=old.pk).update(state="delivered", delivered_at=long_ago)
    Delivery.objects.filter(pk=recent.pk).update(state="delivered", delivered_at=timezone.now())
    Delivery.objects.filter(pk=dead.pk).update(state="dead", created_at=long_ago)
    assert tasks.purge_delivered() == 1
    assert set(Delivery.objects.values_list("pk", flat=True)) == {recent.pk, dead.pk}


# ---- operators: admin and federation_status ------------------------------------------------------

@pytest.fixture
def operator(client, django_user_model):
    user = django_user_model.objects.create_superuser("root", "root@example.com", "pw-for-tests")
    client.force_login(user)
    return client


def test_admin_lists_filters_and_shows_raw_json(host, inbox_server, operator):
    inbox_server.statuses = [500]
    row = publish_to(host, inbox_server)
    delivery_batch.attempt(row.pk)
    listing = operator.get("/admin/federation/delivery/", {"state__exact": "retrying", "domain": row.domain})
    assert listing.status_code == 200 and row.domain.encode() in listing.content
    assert b"HTTP 500" in listing.content
    assert operator.get("/admin/federation/delivery/", {"state__exact": "dead"}).context["cl"].result_count == 0
    detail = operator.get(f"/admin/federation/delivery/{row.pk}/change/")
    assert detail.status_code == 200 and b"<pre" in detail.content and b'&quot;type&quot;: &quot;Create' in detail.content
    assert operator.get("/admin/federation/delivery/add/").status_code == 403
    for page in ("inboxmessage", "domainhealth", "actor", "follow"):
        assert operator.get(f"/admin/federation/{page}/").status_code == 200


def test_admin_actions_call_the_outbox(host, inbox_server, operator):
    waiting, dead = publish_to(host, inbox_server, shared=False), publish_to(host, inbox_server, shared=False)
    later = timezone.now() + timedelta(hours=3)
    Delivery.objects.filter(pk=waiting.pk).update(state="retrying", next_attempt_at=later)
    Delivery.objects.filter(pk=dead.pk).update(state="dead", attempts=10)
    url = "/admin/federation/delivery/"
    operator.post(url, {"action": "retry_now", "_selected_action": [waiting.pk, dead.pk]})
    operator.post(url, {"action": "requeue_dead", "_selected_action": [waiting.pk, dead.pk]})
    waiting.refresh_from_db()
    dead.refresh_from_db()
    assert waiting.state == "pending" and waiting.next_attempt_at <= timezone.now()
    assert (dead.state, dead.attempts) == ("pending", 0)


def test_admin_reprocess_and_resume(operator, db):
    message = InboxMessage.objects.create(ap_id="https://x.example/a/1", activity_type="Like", domain="x.example",
                                          actor_ap_id="https://x.example/u", body={"type": "Like"}, state="failed")
    operator.post("/admin/federation/inboxmessage/", {"action": "reprocess", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.state == "queued"
    DomainHealth.objects.create(domain="x.example", consecutive_failures=9,
                                paused_until=timezone.now() + timedelta(hours=1))
    operator.post("/admin/federation/domainhealth/", {"action": "resume", "_selected_action": ["x.example"]})
    assert breaker.paused_until("x.example") is None


def test_domain_block_admin_is_left_to_the_moderation_panel():
    from django.contrib import admin

    import federation.admin

    registered = admin.site._registry.get(DomainBlock)
    assert registered is None or type(registered).__module__ != federation.admin.__name__


def test_federation_status_prints_the_queue_by_domain(host, inbox_server, capsys):
    rows = [publish_to(host, inbox_server, shared=False) for _ in range(3)]
    Delivery.objects.filter(pk=rows[1].pk).update(state="retrying")
    Delivery.objects.filter(pk=rows[2].pk).update(state="dead")
    breaker.record_failure(inbox_server.domain)
    call_command("federation_status")
    out = capsys.readouterr().out
    line = next(line for line in out.splitlines() if line.startswith(inbox_server.domain))
    assert line.split()[1:] == ["1", "0", "1", "1"]
    assert f"breaker {inbox_server.domain}: 1 failures, failing" in out
    assert "inbox: empty" in out


def test_rows_queued_before_a_block_are_not_sent(host, inbox_server):
    row = publish_to(host, inbox_server)
    retrying = publish_to(host, inbox_server)
    Delivery.objects.filter(pk=retrying.pk).update(state="retrying", attempts=2)
    domain_policy.domain_policy_set(domain=inbox_server.domain)
    assert delivery_batch.attempt_many([row.pk, retrying.pk]) == {row.pk: "failed", retrying.pk: "failed"}
    assert inbox_server.posts == []
    for queued in (row, retrying):
        queued.refresh_from_db()
        assert queued.state == "failed" and "blocks the domain" in queued.last_error
    domain_policy.domain_policy_remove(domain=inbox_server.domain)
    assert outbox.requeue_deliveries([row.pk]) == 1  # lifting the block: an operator re-queues
    assert delivery_batch.attempt_many([row.pk]) == {row.pk: "delivered"} and len(inbox_server.posts) == 1
