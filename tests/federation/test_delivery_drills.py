"""Delivery through real Celery worker processes, and the "nothing lost" drills.

Fan-out, retries, rollback and duplicate messages run on both tiers with the session worker; the drills
that kill workers, stop Redis or tarpit a domain start their own redis-server and workers (Redis tier only)."""

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from federation import delivery, outbox, tasks
from federation.models import Delivery, DomainHealth, OutboxActivity
from tests import workers
from tests.federation.inboxes import InboxServer, add_followers, note_activity, servers
from tests.workers import Worker, broker_of_this_process, redis_only, wait_for

celery_worker, private_redis = workers.celery_worker, workers.private_redis  # the fixtures, used by name

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]


@pytest.fixture
def drill_settings(loopback):
    loopback.FEDIAMA_REQUEUE_AFTER = 1
    loopback.FEDIAMA_DELIVERY_TIMEOUT = 1
    return loopback


def states(activity) -> dict:
    rows = Delivery.objects.filter(activity=activity).values_list("state", flat=True)
    return {state: list(rows).count(state) for state in set(rows)}


def all_delivered(activity, count: int):
    return lambda: states(activity) == {"delivered": count}


def close_all(inboxes):
    for inbox in inboxes:
        inbox.close()


def expire_and_sweep() -> int:
    """What the beat sweeper does a few minutes later, without waiting: leases run out, due rows go."""
    past = timezone.now() - timedelta(seconds=1)
    Delivery.objects.exclude(state__in=delivery.FINAL).update(lease_until=past, next_attempt_at=past)
    return tasks.sweep_deliveries()


def test_fan_out_500_followers_on_50_domains_is_50_verified_posts(host, keypair, drill_settings, celery_worker):
    inboxes = servers(50, public_pem=keypair[1])
    try:
        for inbox in inboxes:
            add_followers(host, inbox, 10)
        with transaction.atomic():
            stored = outbox.publish(note_activity(host), sender=host, to_followers=True)
        assert Delivery.objects.filter(activity=stored).count() == 50
        assert wait_for(all_delivered(stored, 50), timeout=40), states(stored)
        assert [len(inbox.posts) for inbox in inboxes] == [1] * 50
        assert {inbox.posts[0].verified_key_id for inbox in inboxes} == {host.key_id}  # apsig verified each
    finally:
        close_all(inboxes)


def test_500_500_202_is_delivered_on_the_third_try_with_backoff_recorded(host, drill_settings, celery_worker):
    inbox = InboxServer("127.0.0.60")
    inbox.statuses = [500, 500]
    try:
        add_followers(host, inbox, 1)
        stored = outbox.publish(note_activity(host), sender=host, to_followers=True)
        row = Delivery.objects.get(activity=stored)
        for attempts, backoff in ((1, 60), (2, 300)):
            assert wait_for(lambda n=attempts: Delivery.objects.filter(pk=row.pk, state="retrying", attempts=n).exists())
            row.refresh_from_db()
            wait = (row.next_attempt_at - timezone.now()).total_seconds()
            assert backoff * 0.85 < wait <= backoff * 1.1 and row.last_status == 500
            Delivery.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())  # time passes
            assert tasks.sweep_deliveries() == 1
        assert wait_for(lambda: Delivery.objects.filter(pk=row.pk, state="delivered").exists())
        row.refresh_from_db()
        assert (row.attempts, row.last_status, len(inbox.posts)) == (3, 202, 3)
    finally:
        inbox.close()


def test_rolled_back_answer_sends_nothing(host, drill_settings, celery_worker):
    inbox = InboxServer("127.0.0.61")
    try:
        add_followers(host, inbox, 3)
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.publish(note_activity(host), sender=host, to_followers=True)
            raise RuntimeError("answer_publish failed after publishing")
        assert (Delivery.objects.count(), OutboxActivity.objects.count()) == (0, 0)
        assert expire_and_sweep() == 0
        time.sleep(1.5)
        assert inbox.posts == []
    finally:
        inbox.close()


def test_the_same_task_enqueued_many_times_changes_state_once(host, drill_settings, celery_worker):
    inbox = InboxServer("127.0.0.62", delay=0.3)
    try:
        add_followers(host, inbox, 1)
        with transaction.atomic():
            stored = outbox.publish(note_activity(host), sender=host, to_followers=True)
            row = Delivery.objects.get(activity=stored)
            # four separate messages for the same row (publish has enqueued a fifth), two of each task
            transaction.on_commit(lambda: [tasks.enqueue(task, arg) for task, arg in
                                           [(tasks.deliver_many, [row.pk]), (tasks.deliver, row.pk)] * 2])
        assert wait_for(all_delivered(stored, 1))
        time.sleep(1.5)  # let the duplicates run
        row.refresh_from_db()
        assert (row.attempts, len(inbox.posts)) == (1, 1)
    finally:
        inbox.close()


# ---- drills on a private Redis ------------------------------------------------------------------

@redis_only
def test_kill_9_mid_fan_out_then_a_new_worker_delivers_everything(host, drill_settings, private_redis):
    inboxes = servers(30, first=70, delay=0.4)
    first = Worker("doomed", broker_url=private_redis.url, concurrency=4).start()
    try:
        for inbox in inboxes:
            add_followers(host, inbox, 2)
        with broker_of_this_process(private_redis.url):
            stored = outbox.publish(note_activity(host), sender=host, to_followers=True)
            assert wait_for(lambda: sum(len(i.posts) for i in inboxes) >= 6)
            first.kill()
            left = states(stored)
            assert left.get("delivered", 0) < 30, left  # killed in the middle
            second = Worker("heir", broker_url=private_redis.url, concurrency=8).start()
            expire_and_sweep()
            assert wait_for(all_delivered(stored, 30), timeout=30), states(stored)
        assert all(len(inbox.posts) >= 1 for inbox in inboxes)  # at least once: a killed POST may repeat
    finally:
        first.stop()
        locals().get("second") and second.stop()
        close_all(inboxes)


@redis_only
def test_redis_stopped_after_publish_then_the_sweeper_delivers_everything(host, drill_settings, private_redis):
    inboxes = servers(10, first=110)
    try:
        for inbox in inboxes:
            add_followers(host, inbox, 1)
        with broker_of_this_process(private_redis.url):
            before = outbox.publish(note_activity(host, "sent before the crash"), sender=host, to_followers=True)
            private_redis.stop()  # no persistence: the queued messages are gone
            started = time.monotonic()
            during = outbox.publish(note_activity(host, "sent while down"), sender=host, to_followers=True)
            assert time.monotonic() - started < 5  # publishing does not hang on a dead broker
            private_redis.start()
            worker = Worker("after-restart", broker_url=private_redis.url).start()
            assert expire_and_sweep() == 20
            assert wait_for(all_delivered(before, 10), timeout=30), states(before)
            assert wait_for(all_delivered(during, 10), timeout=30), states(during)
        assert [len(inbox.posts) for inbox in inboxes] == [2] * 10
    finally:
        locals().get("worker") and worker.stop()
        close_all(inboxes)


@redis_only
def test_a_tarpit_is_cut_by_the_deadline_breaks_its_breaker_and_spares_live_servers(host, drill_settings,
                                                                                      private_redis):
    tarpit, live = InboxServer("127.0.0.130", hang=True), servers(6, first=131)
    worker = Worker("tarpit", broker_url=private_redis.url, concurrency=3, FEDIAMA_DELIVERY_TIMEOUT="1",
                    FEDIAMA_DOMAIN_CONCURRENCY="2").start()
    try:
        add_followers(host, tarpit, 12, shared=False)  # six rounds of two: failures count once per round
        for inbox in live:
            add_followers(host, inbox, 1)
        with broker_of_this_process(private_redis.url):
            started = time.monotonic()
            stored = outbox.publish(note_activity(host), sender=host, to_followers=True)
            assert wait_for(lambda: all(inbox.posts for inbox in live), timeout=10)
            live_done = time.monotonic() - started
            assert wait_for(lambda: DomainHealth.objects.filter(domain=tarpit.domain, paused_until__gt=timezone.now())
                            .exists(), timeout=40)
        rows = Delivery.objects.filter(activity=stored, domain=tarpit.domain)
        assert live_done < 4 and tarpit.max_active <= 2
        assert set(rows.values_list("state", flat=True)) <= {"pending", "retrying", "in_flight"}  # waiting, not lost
        assert all("timeout" in e for e in rows.filter(state="retrying").values_list("last_error", flat=True))
    finally:
        worker.stop()
        tarpit.close()
        close_all(live)
