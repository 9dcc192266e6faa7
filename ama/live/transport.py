"""How a web process learns that events were committed. The LiveEvent table is the truth; these only wake
the process's hub (ama/live/stream.py), which then reads the new rows.

- In the same process: a committed event wakes the hub at once (`on_local_publish`).
- With REDIS_URL: `notify` publishes "<ama id> <seq>" on the channel `fediama:live`; each web process runs
  one subscriber (`listen`) that wakes its hub, so every process on every machine hears every event.
- Without Redis (the embedded default): nothing is sent; the hub polls the table every
  FEDIAMA_LIVE_POLL_INTERVAL seconds with one query for all the AMAs it has viewers for.
"""

import asyncio
import logging
from collections.abc import Callable

from django.conf import settings

CHANNEL = "fediama:live"
log = logging.getLogger(__name__)
_local_wakers: list[Callable[[], None]] = []
_redis = None


def on_local_publish(wake: Callable[[], None]) -> None:
    """`wake` (thread-safe) runs after each event committed in this process."""
    _local_wakers.append(wake)


def notify(ama_id: int, seq: int) -> None:
    """After commit: tell this process's hub, and every other process through Redis when there is one."""
    for wake in list(_local_wakers):
        wake()
    if not settings.REDIS_URL:
        return
    try:
        _client().publish(CHANNEL, f"{ama_id} {seq}")
    except Exception as error:  # the event is stored: viewers get it at the hub's backstop poll
        log.warning("live event %s of AMA %s not announced on Redis (%s); streams pick it up within %.0f s",
                    seq, ama_id, error, backstop_interval())


def _client():
    global _redis
    if _redis is None:
        import redis

        _redis = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2)
    return _redis


def uses_redis() -> bool:
    return bool(settings.REDIS_URL)


def backstop_interval() -> float:
    """With Redis, the hub still reads the table now and then, for messages lost while it reconnected."""
    return settings.FEDIAMA_LIVE_POLL_INTERVAL * 10


async def listen(wake: Callable[[], None]) -> None:
    """The process's one subscriber: wakes the hub on every message, reconnecting after a failure."""
    import redis.asyncio

    while True:
        client = redis.asyncio.Redis.from_url(settings.REDIS_URL)
        try:
            async with client.pubsub() as pubsub:
                await pubsub.subscribe(CHANNEL)
                wake()  # catch up on whatever was published while we were not subscribed
                async for message in pubsub.listen():
                    if message["type"] == "message":
                        wake()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            log.warning("live events: Redis subscription lost (%s); retrying in 1 s", error)
            await asyncio.sleep(1)
        finally:
            await client.aclose()
