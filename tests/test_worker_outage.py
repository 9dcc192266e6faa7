"""Fault drill: Redis goes away under a real worker, busy or idle, and comes back on the same port.

The worker (thread pool and prefork) must stay up, reconnect by itself and take new work; what was accepted
before the outage is still delivered (the database rows are the truth: the sweeper re-enqueues what Redis lost)."""

import time

import pytest

from federation import outbox
from tests import workers
from tests.federation.inboxes import add_followers, note_activity, servers
from tests.federation.test_delivery_drills import all_delivered, close_all, expire_and_sweep, states
from tests.workers import Worker, broker_of_this_process, redis_only, wait_for

private_redis = workers.private_redis  # the fixture, used by name

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.worker]

OUTAGE_SECONDS = 6


@pytest.fixture
def drill_settings(loopback):
    loopback.FEDIAMA_REQUEUE_AFTER = 1
    loopback.FEDIAMA_DELIVERY_TIMEOUT = 3
    return loopback


def outage(redis, worker: Worker) -> None:
    """kill -9 of redis-server, several seconds without it, then a new one on the same port."""
    redis.kill()
    time.sleep(OUTAGE_SECONDS)
    assert worker.process.poll() is None, worker.log.read_text()[-3000:]
    redis.start()


def reconnected(worker: Worker, offset: int):
    return lambda: "Connected to redis://" in worker.log.read_text()[offset:]


@redis_only
@pytest.mark.parametrize("pool", ["threads", "prefork"])
def test_a_busy_worker_rides_out_a_redis_outage_and_takes_new_work(host, drill_settings, private_redis, pool):
    slow = servers(3, first=150, delay=2)  # each POST takes 2 s: deliveries are in flight when Redis dies
    worker = Worker(f"outage-{pool}", broker_url=private_redis.url, concurrency=4, pool=pool,
                    FEDIAMA_DELIVERY_TIMEOUT="10").start()
    try:
        for inbox in slow:
            add_followers(host, inbox, 1)
        with broker_of_this_process(private_redis.url):
            before = [outbox.publish(note_activity(host, f"sent before the outage {n}"), sender=host,
                                     to_followers=True) for n in range(2)]  # running, and polling for more
            assert wait_for(lambda: sum(inbox.active for inbox in slow) >= 2), [states(a) for a in before]
            logged = len(worker.log.read_text())
            outage(private_redis, worker)
            assert wait_for(reconnected(worker, logged), timeout=30), worker.log.read_text()[-3000:]
            after = outbox.publish(note_activity(host, "sent after the outage"), sender=host, to_followers=True)
            assert wait_for(all_delivered(after, 3), timeout=40), (states(after), worker.log.read_text()[-3000:])
            expire_and_sweep()  # what Redis lost with its queues, the sweeper sends again
            for activity in before:
                assert wait_for(all_delivered(activity, 3), timeout=40), states(activity)
        assert worker.process.poll() is None
        log = worker.log.read_text()[logged:]
        assert "Restoring" in log  # it was busy: messages were held when the connection went
        assert "Unrecoverable error" not in log and "CRITICAL" not in log, log[-3000:]
    finally:
        worker.stop()
        close_all(slow)


@redis_only
def test_an_idle_worker_rides_out_a_redis_outage(host, drill_settings, private_redis):
    inboxes = servers(2, first=160)
    worker = Worker("outage-idle", broker_url=private_redis.url, concurrency=2).start()
    try:
        for inbox in inboxes:
            add_followers(host, inbox, 1)
        logged = len(worker.log.read_text())
        outage(private_redis, worker)
        assert wait_for(reconnected(worker, logged), timeout=30), worker.log.read_text()[-3000:]
        with broker_of_this_process(private_redis.url):
            after = outbox.publish(note_activity(host, "sent after the outage"), sender=host, to_followers=True)
            assert wait_for(all_delivered(after, 2), timeout=30), (states(after), worker.log.read_text()[-3000:])
        assert worker.process.poll() is None
    finally:
        worker.stop()
        close_all(inboxes)


@redis_only
def test_the_worker_starts_on_the_redis_it_was_given(private_redis):
    worker = Worker("start-redis", broker_url=private_redis.url, concurrency=1).start()
    try:
        log = worker.log.read_text()
        assert f"Connected to redis://:**@127.0.0.1:{private_redis.port}/0" in log, log
        assert "No hostname was supplied" not in log and "WARNING" not in log, log
    finally:
        worker.stop()


def test_the_worker_starts_on_folders_without_a_warning(tmp_path):
    worker = Worker("start-folders", concurrency=1, REDIS_URL="", FEDIAMA_VAR_DIR=str(tmp_path)).start()
    try:
        log = worker.log.read_text()
        assert "Connected to fediamafs://" in log, log
        assert "No hostname was supplied" not in log and "WARNING" not in log, log
    finally:
        worker.stop()
