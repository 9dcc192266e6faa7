"""The hub's per-stream listener: what a stream's pump is handed, and when a stream that stopped reading is
dropped (it then reconnects and replays from the table)."""

import asyncio

from ama.live import reads, stream


def event(seq: int, public: bool = True) -> reads.Event:
    return reads.Event(ama_id=1, seq=seq, public=public, wire=f"id: {seq}\n\n".encode())


def test_events_offered_while_the_pump_writes_are_taken_together_in_order():
    listener = stream.Listener(1, moderators=False)
    for seq in (3, 4, 5):
        listener.offer(event(seq))
    assert [e.seq for e in listener.take()] == [3, 4, 5]
    assert listener.take() == []


def test_a_public_stream_is_not_offered_moderator_events():
    listener = stream.Listener(1, moderators=False)
    listener.offer(event(1, public=False))
    assert listener.take() == []
    moderators = stream.Listener(1, moderators=True)
    moderators.offer(event(1, public=False))
    assert [e.seq for e in moderators.take()] == [1]


def test_a_stream_that_stopped_reading_is_dropped_keeping_what_it_was_given():
    listener = stream.Listener(1, moderators=False)
    for seq in range(stream.QUEUE_LIMIT + 5):
        listener.offer(event(seq + 1))
    assert listener.dropped
    assert len(listener.take()) == stream.QUEUE_LIMIT


def test_the_pump_wakes_on_an_offer_and_otherwise_after_the_quiet_time():
    async def scenario():
        listener = stream.Listener(1, moderators=False)
        quiet = await listener.wait(0.01)
        waiting = asyncio.ensure_future(listener.wait(30))
        await asyncio.sleep(0)
        listener.offer(event(7))
        return quiet, await asyncio.wait_for(waiting, 5), [e.seq for e in listener.take()]

    assert asyncio.run(scenario()) == (False, True, [7])
