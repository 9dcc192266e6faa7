"""Publishing: delivery rows written in the caller's transaction, enqueued after commit.
Attempting: claim a row, sign at send time, POST, classify, schedule the retry in the row."""

import json
import logging
from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from . import policy
from .activities import host_of
from .models import Actor, Delivery, Follow, OutboxActivity
from .urls_helper import local_domain

log = logging.getLogger(__name__)


def follower_inboxes(actor: Actor) -> set[str]:
    """The inboxes of an actor's accepted remote followers, collapsed by shared inbox."""
    rows = Follow.objects.filter(followed=actor, state=Follow.State.ACCEPTED, follower__is_local=False,
                                 follower__gone_at__isnull=True).values_list("follower__shared_inbox",
                                                                             "follower__inbox")
    return {shared or inbox for shared, inbox in rows if shared or inbox}


def _recipient_inboxes(recipients: Iterable) -> set[str]:
    inboxes, ap_ids = set(), []
    for recipient in recipients:
        if isinstance(recipient, Actor):
            if not recipient.is_local and not recipient.gone_at and recipient.delivery_inbox:
                inboxes.add(recipient.delivery_inbox)
        elif isinstance(recipient, str):
            ap_ids.append(recipient)
    for shared, inbox in Actor.objects.filter(ap_id__in=ap_ids, is_local=False, gone_at__isnull=True).values_list(
            "shared_inbox", "inbox"):
        if shared or inbox:
            inboxes.add(shared or inbox)
    return inboxes


def deliverable(inboxes: set[str]) -> list[str]:
    """Drop our own domain and blocked domains; keep the order stable for tests and logs."""
    ours = local_domain()
    allowed = []
    for inbox in sorted(inboxes):
        domain = host_of(inbox)
        if domain and domain != ours and not policy.is_blocked(domain):
            allowed.append(inbox)
    return allowed


def publish(activity: dict, *, sender: Actor, recipients: Iterable = (), to_followers: bool = False,
            public: bool = True) -> OutboxActivity:
    """Record `activity` from `sender` and one delivery per distinct target inbox.

    Call inside the business transaction: if it rolls back, nothing is stored and nothing is sent.
    Deliveries are enqueued on commit; the sweeper is the backstop if that message is lost."""
    with transaction.atomic():
        stored, _ = OutboxActivity.objects.get_or_create(
            ap_id=activity["id"], defaults=dict(actor=sender, activity_type=activity.get("type", ""),
                                                body=activity, public=public))
        inboxes = _recipient_inboxes(recipients)
        if to_followers:
            inboxes |= follower_inboxes(sender)
        targets = deliverable(inboxes)
        enqueue_marker = timezone.now() + requeue_after()
        Delivery.objects.bulk_create(
            [Delivery(activity=stored, inbox=inbox, domain=host_of(inbox), lease_until=enqueue_marker)
             for inbox in targets], ignore_conflicts=True)
        ids = list(Delivery.objects.filter(activity=stored, state=Delivery.State.PENDING).values_list("pk", flat=True))
        transaction.on_commit(lambda: enqueue_deliveries(ids))
    return stored


def requeue_after():
    from datetime import timedelta

    from django.conf import settings
    return timedelta(seconds=getattr(settings, "FEDIAMA_REQUEUE_AFTER", 120))


def enqueue_deliveries(ids: list[int]) -> None:
    from .tasks import deliver, enqueue

    for delivery_id in ids:
        if not enqueue(deliver, delivery_id):
            log.warning("broker unavailable: %d deliveries wait for the sweeper", len(ids))
            return


def body_bytes(delivery: Delivery) -> bytes:
    return json.dumps(delivery.activity.body, ensure_ascii=False, separators=(",", ":")).encode()


def domain_alive(domain: str) -> None:
    """Any activity received from a domain closes its breaker."""
    from .breaker import record_success
    record_success(domain, only_if_failing=True)
