"""Small per-process caches on the inbox's hot path: signing keys and the domain policy table; and reads taken
once per inbox batch (`once_per_batch`).

Entries live a few seconds at most, and any save or delete of the underlying rows in this process clears
them at once (the way django.contrib.sites clears its Site cache), so a new block takes effect here
immediately and in other processes within DOMAIN_POLICY_TTL."""

import threading
import time
from collections.abc import Callable, Collection, Iterable
from contextlib import contextmanager
from typing import TypeVar

from django.db.models.signals import post_delete, post_save

from .models import Actor, DomainBlock, DomainHealth, Follow

KEY_TTL = 60.0
DOMAIN_POLICY_TTL = 5.0
MAX_KEYS = 10_000

_keys: dict[str, tuple[float, Actor]] = {}
_policy: list = []  # [(loaded_at, {domain: severity})]
_failing: list = []  # [(loaded_at, frozenset of domains)]
FAILING_TTL = 5.0


def cached_key_owner(key_id: str) -> Actor | None:
    entry = _keys.get(key_id)
    if entry and time.monotonic() - entry[0] < KEY_TTL:
        return entry[1]
    return None


def remember_key_owner(key_id: str, actor: Actor) -> None:
    if len(_keys) >= MAX_KEYS:
        _keys.clear()
    _keys[key_id] = (time.monotonic(), actor)


def active_domain_policies() -> dict[str, str]:
    """{punycode domain: severity} of the active (non-draft) entries."""
    if _policy and time.monotonic() - _policy[0][0] < DOMAIN_POLICY_TTL:
        return _policy[0][1]
    table = read_domain_policies()
    _policy[:] = [(time.monotonic(), table)]
    return table


def read_domain_policies() -> dict[str, str]:
    """{punycode domain: severity} of the active entries, read now (one query)."""
    return dict(DomainBlock.objects.filter(is_draft=False).values_list("domain", "severity"))


def failing_domains() -> frozenset[str]:
    """Domains whose breaker counts failures; read at most every FAILING_TTL seconds, so the inbox does
    not write to close a breaker that is already closed."""
    if _failing and time.monotonic() - _failing[0][0] < FAILING_TTL:
        return _failing[0][1]
    names = frozenset(DomainHealth.objects.filter(consecutive_failures__gt=0).values_list("domain", flat=True))
    _failing[:] = [(time.monotonic(), names)]
    return names


T = TypeVar("T")
_batch = threading.local()


@contextmanager
def batch_reads(senders: Iterable[int] = ()):
    """Around an inbox batch (federation.routing.handle_batch enters it, inside its transaction, with the ids of
    its rows' senders): what its rows read through once_per_batch is read once for all of them, and what they
    read about their sender through once_per_batch_for_senders once for all its senders. Gone when the batch
    ends, and at once when a domain block or a follow (or a model given to forget_batch_reads_on) is saved or
    deleted in this process (a row of the batch may be a Follow)."""
    _batch.values, _batch.senders = {}, frozenset(senders)
    try:
        yield
    finally:
        _batch.values, _batch.senders = None, frozenset()


def once_per_batch(key: tuple, read: Callable[[], T]) -> T:
    """`read()`, taken once per inbox batch for `key` (outside a batch: every time). For what rows of one batch
    share and rarely changes: an AMA's settings, the domain blocks, an actor's followers."""
    values = getattr(_batch, "values", None)
    if values is None:
        return read()
    if key not in values:
        values[key] = read()
    return values[key]


def once_per_batch_for_senders(key: tuple, actor_id: int, read: Callable[[Collection[int]], dict]) -> dict:
    """`read(actor ids)`, a dict by actor id, taken once per inbox batch for `key` and all the batch's senders
    when `actor_id` is one of them (a batch of 100 rows has a few dozen senders: one query instead of one per
    row); otherwise (outside a batch, an actor that sent none of its rows) read for `actor_id` alone. Within a
    batch the same dict is returned each time: a row that changes what it holds updates it (in_batch)."""
    if actor_id not in batch_senders():  # (empty outside a batch)
        return read([actor_id])
    return once_per_batch(key, lambda: read(_batch.senders))


def batch_senders() -> frozenset[int]:
    """The ids of the senders of the batch being run (empty outside one)."""
    return getattr(_batch, "senders", frozenset())


def in_batch(key: tuple):
    """What once_per_batch or once_per_batch_for_senders holds for `key` in this batch, or None (not read yet,
    forgotten, or no batch): for a row that adds to what was read, so later rows see it."""
    values = getattr(_batch, "values", None)
    return values.get(key) if values else None


def forget_batch_reads(**_):
    if getattr(_batch, "values", None):
        _batch.values = {}


def forget_keys(**_):
    _keys.clear()


def forget_domain_policies(**_):
    _policy.clear()


def forget_failing_domains(**_):
    _failing.clear()


post_save.connect(forget_keys, sender=Actor, dispatch_uid="fediama-forget-keys-save")
post_delete.connect(forget_keys, sender=Actor, dispatch_uid="fediama-forget-keys-delete")
post_save.connect(forget_domain_policies, sender=DomainBlock, dispatch_uid="fediama-forget-policy-save")
post_delete.connect(forget_domain_policies, sender=DomainBlock, dispatch_uid="fediama-forget-policy-delete")


def forget_batch_reads_on(model) -> None:
    """A save or delete of `model` in this process forgets the batch's reads (a row of the batch wrote
    something another row's read depends on)."""
    post_save.connect(forget_batch_reads, sender=model, dispatch_uid=f"fediama-forget-batch-{model.__name__}-save")
    post_delete.connect(forget_batch_reads, sender=model, dispatch_uid=f"fediama-forget-batch-{model.__name__}-del")


forget_batch_reads_on(DomainBlock)
forget_batch_reads_on(Follow)
