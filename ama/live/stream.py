"""The event hub: one per web process (per event loop), shared by every open stream of that process.

The hub keeps, for each AMA that has viewers, the last seq it has fanned out. When woken (by an event committed
in this process, by Redis pub/sub, or by its poll timer) it reads, in one query for all those AMAs, which
versions moved, then the new events of those AMAs in one more, encodes each event once and puts it on the queue
of every viewer allowed to see it. Database reads run on the hub's two threads, never on the event loop.
A viewer whose queue fills up (a client that stopped reading) is dropped; it reconnects with Last-Event-ID and
replays from the table."""

import asyncio
import logging
import weakref
from concurrent.futures import ThreadPoolExecutor

from django.conf import settings
from django.db import close_old_connections

from . import reads, transport

QUEUE_LIMIT = 1000
log = logging.getLogger(__name__)
_executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="live")
_hubs: "weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, Hub]" = weakref.WeakKeyDictionary()


async def in_thread(function, *args, **kwargs):
    """Run a database read on the hub's threads (each keeps its own connection, checked before use)."""
    def run():
        close_old_connections()
        return function(*args, **kwargs)
    return await asyncio.get_running_loop().run_in_executor(_executor, run)


class Listener:
    """One open stream: the events offered to it and not yet taken, and whether it may see moderator events.
    The hub offers; the stream's pump takes everything waiting at once (one write for several events) and
    sleeps on one future in between: no task, queue or timer per event."""

    def __init__(self, ama_id: int, moderators: bool):
        self.ama_id, self.moderators = ama_id, moderators
        self.pending: list[reads.Event] = []
        self.dropped = False
        self._waiter: asyncio.Future | None = None

    def offer(self, event: reads.Event) -> None:
        if self.dropped or not (event.public or self.moderators):
            return
        if len(self.pending) >= QUEUE_LIMIT:  # a client that stopped reading
            self.dropped = True
        else:
            self.pending.append(event)
        self.wake()

    def take(self) -> list[reads.Event]:
        taken, self.pending = self.pending, []
        return taken

    def wake(self, woken: bool = True) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_result(woken)

    async def wait(self, timeout: float) -> bool:
        """Until an event is offered or the stream is woken (True), or `timeout` quiet seconds (False)."""
        if self.pending or self.dropped:
            return True
        loop = asyncio.get_running_loop()
        self._waiter = loop.create_future()
        timer = loop.call_later(timeout, self.wake, False)
        try:
            return await self._waiter
        finally:
            timer.cancel()
            self._waiter = None


class Hub:
    def __init__(self, loop: asyncio.AbstractEventLoop):
        self.loop = loop
        self.listeners: dict[int, set[Listener]] = {}
        self.seen: dict[int, int] = {}
        self.wakeup = asyncio.Event()
        self.tasks = [loop.create_task(self.run())]
        if transport.uses_redis():
            self.tasks.append(loop.create_task(transport.listen(self.wake)))
        transport.on_local_publish(self.wake_threadsafe)

    def wake(self) -> None:
        self.wakeup.set()

    def wake_threadsafe(self) -> None:
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.wakeup.set)

    async def add(self, ama_id: int, moderators: bool) -> Listener:
        if ama_id not in self.seen:
            latest = await in_thread(reads.latest_seq, ama_id)
            self.seen.setdefault(ama_id, latest)
        listener = Listener(ama_id, moderators)
        self.listeners.setdefault(ama_id, set()).add(listener)
        return listener

    def remove(self, listener: Listener) -> None:
        group = self.listeners.get(listener.ama_id, set())
        group.discard(listener)
        if not group:
            self.listeners.pop(listener.ama_id, None)
            self.seen.pop(listener.ama_id, None)

    def interval(self) -> float:
        if transport.uses_redis():
            return transport.backstop_interval()
        return settings.FEDIAMA_LIVE_POLL_INTERVAL

    async def run(self) -> None:
        while True:
            try:
                await asyncio.wait_for(self.wakeup.wait(), timeout=self.interval())
            except TimeoutError:
                pass
            self.wakeup.clear()
            if self.seen:
                try:
                    await self.tick()
                except Exception:
                    log.exception("live events: reading new events failed; trying again at the next tick")
                    await asyncio.sleep(self.interval())

    async def tick(self) -> None:
        versions, events = await in_thread(reads.new_events, dict(self.seen))
        for event in events:
            if event.seq <= self.seen.get(event.ama_id, event.seq):
                continue
            self.seen[event.ama_id] = event.seq
            for listener in list(self.listeners.get(event.ama_id, ())):
                listener.offer(event)
                if listener.dropped:
                    self.remove(listener)
        for ama_id, version in versions.items():  # every event up to the version read was in the rows read after
            if ama_id in self.seen:
                self.seen[ama_id] = max(self.seen[ama_id], version)


def hub() -> Hub:
    """The hub of the running event loop, started on first use."""
    loop = asyncio.get_running_loop()
    if loop not in _hubs:
        _hubs[loop] = Hub(loop)
    return _hubs[loop]


def known_version(ama_id: int) -> int | None:
    """The AMA's version as the running loop's hub last read it (it re-reads on every event announced, and every
    poll), or None when this loop has no hub or nobody here watches that AMA. For ama/conditional_asgi.py."""
    hub = _hubs.get(asyncio.get_running_loop())
    return None if hub is None else hub.seen.get(ama_id)
