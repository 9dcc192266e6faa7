"""Coalesced wake-ups: one action per window, and every request is followed by an action."""

import threading
import time

from federation.coalesce import Coalescer


def counting(window: float):
    calls, done = [], threading.Event()

    def action():
        calls.append(time.monotonic())
        done.set()
    return Coalescer(action, window=window), calls, done


def test_first_request_acts_at_once():
    coalescer, calls, _ = counting(window=60)
    coalescer.request()
    assert len(calls) == 1


def test_a_burst_within_the_window_is_one_action_now_and_one_at_its_end():
    coalescer, calls, done = counting(window=0.2)
    coalescer.request()
    done.clear()
    asked_at = []
    for _ in range(50):
        asked_at.append(time.monotonic())
        coalescer.request()
    assert len(calls) == 1
    assert done.wait(5)
    assert len(calls) == 2 and calls[1] >= asked_at[-1]  # the trailing action follows the last request
    time.sleep(0.3)
    assert len(calls) == 2  # nothing more without new requests


def test_requests_after_the_window_act_at_once_again():
    coalescer, calls, _ = counting(window=0.05)
    coalescer.request()
    time.sleep(0.1)
    coalescer.request()
    assert len(calls) == 2


def test_flush_runs_a_pending_trailing_action_once():
    coalescer, calls, _ = counting(window=60)
    coalescer.request()
    coalescer.request()
    coalescer.flush()
    coalescer.flush()
    assert len(calls) == 2


def test_concurrent_requests_are_all_covered():
    coalescer, calls, _ = counting(window=0.05)
    last_request = []

    def burst():
        for _ in range(200):
            asked_at = time.monotonic()
            coalescer.request()
        last_request.append(asked_at)
    threads = [threading.Thread(target=burst) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 5
    while calls[-1] < max(last_request) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert calls[-1] >= max(last_request)
    assert len(calls) < 200  # coalesced: far fewer actions than the 1,600 requests


def test_trailing_actions_share_one_long_lived_thread():
    threads, done = [], threading.Event()

    def action():
        threads.append(threading.get_ident())
        done.set()
    coalescer = Coalescer(action, window=0.02)
    for _ in range(3):
        coalescer.request()  # at once, on this thread
        done.clear()
        coalescer.request()  # trailing
        assert done.wait(5)
        time.sleep(0.03)
    trailing = threads[1::2]
    assert len(trailing) == 3 and len(set(trailing)) == 1 and trailing[0] != threading.get_ident()


def test_a_failing_action_does_not_stop_later_trailing_actions():
    calls, done = [], threading.Event()

    def action():
        calls.append(1)
        done.set()
        if len(calls) == 2:
            raise RuntimeError("broker gone")
    coalescer = Coalescer(action, window=0.02)
    coalescer.request()
    done.clear()
    coalescer.request()  # the trailing one raises on its thread
    assert done.wait(5)
    time.sleep(0.05)
    done.clear()
    coalescer.request()
    coalescer.request()
    assert done.wait(5) and len(calls) >= 3
