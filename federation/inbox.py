"""Receiving: verify, persist first, enqueue after commit. Processing lives in federation/routing.py.

Order (DESIGN.md §4): size → JSON → shape → domain policy → signer's key → signature → store → 202.
"""

import logging
from dataclasses import dataclass

from django.db import IntegrityError, transaction

from . import actors, policy, signatures, strictjson
from .activities import InvalidActivity, actor_of, host_of, id_of, type_of
from .models import Actor, InboxMessage

log = logging.getLogger(__name__)
MAX_BODY = 1024 * 1024


@dataclass
class Refusal(Exception):
    status: int
    reason: str


@dataclass
class Receipt:
    status: int
    reason: str
    message: InboxMessage | None = None


def read_body(request) -> bytes:
    length = request.META.get("CONTENT_LENGTH")
    if not length:
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            raise Refusal(411, "a Content-Length is required")
        length = "0"
    try:
        size = int(length)
    except ValueError as error:
        raise Refusal(400, "invalid Content-Length") from error
    if size > MAX_BODY:
        raise Refusal(413, f"body larger than {MAX_BODY} bytes")
    body = request.read(MAX_BODY + 1)
    if len(body) > MAX_BODY:
        raise Refusal(413, f"body larger than {MAX_BODY} bytes")
    return body


def check_shape(activity: dict) -> tuple[str, str, str]:
    """(id, type, actor) of a well-formed activity; the id must live on the actor's host."""
    ap_id, kind = activity.get("id"), activity.get("type")
    if not isinstance(ap_id, str) or not ap_id.startswith(("https://", "http://")):
        raise Refusal(400, "activity id must be an http(s) URL")
    if not isinstance(kind, str) or not kind:
        raise Refusal(400, "activity type must be a string")
    try:
        actor = actor_of(activity)
    except InvalidActivity as error:
        raise Refusal(400, str(error)) from error
    if not actor.startswith(("https://", "http://")) or not host_of(actor):
        raise Refusal(400, "actor must be an http(s) URL")
    if host_of(ap_id) != host_of(actor):
        raise Refusal(400, "activity id is on another host than its actor")
    if len(ap_id) > 500 or len(actor) > 500:
        raise Refusal(400, "id too long")
    return ap_id, kind, actor


def is_self_delete_of_unknown(activity: dict, actor_id: str) -> bool:
    return (activity.get("type") == "Delete" and id_of(activity.get("object")) == actor_id
            and not Actor.objects.filter(ap_id=actor_id).exists())


def authenticate(request, body: bytes, actor_id: str) -> tuple[Actor, str]:
    """The verified signer, which must be the activity's actor; refetches the key once if stale."""
    try:
        info = signatures.signature_info(request.headers)
    except signatures.SignatureError as error:
        raise Refusal(401, f"signature: {error}") from error
    if host_of(info.key_id) != host_of(actor_id):
        raise Refusal(401, "signature key is not on the actor's host")
    signer = _key_owner(info.key_id, refresh=False)
    try:
        _verify(request, body, signer)
    except signatures.SignatureError as error:
        if not actors.key_is_stale(signer):
            raise Refusal(401, f"signature: {error}") from error
        signer = _key_owner(info.key_id, refresh=True)
        try:
            _verify(request, body, signer)
        except signatures.SignatureError as error2:
            raise Refusal(401, f"signature: {error2}") from error2
    if signer.ap_id != actor_id:
        raise Refusal(401, "signer is not the activity's actor")
    return signer, info.key_id


def _key_owner(key_id: str, *, refresh: bool) -> Actor:
    try:
        return actors.actor_for_key(key_id, refresh=refresh)
    except (actors.ActorError, actors.http.FetchError) as error:
        raise Refusal(401, f"could not resolve signing key: {error}") from error


def _verify(request, body: bytes, signer: Actor):
    if not signer.public_key_pem:
        raise signatures.SignatureError("signer has no public key")
    return signatures.verify_request(
        method=request.method, path=request.path, query=request.META.get("QUERY_STRING", ""),
        headers=request.headers, body=body, public_key_pem=signer.public_key_pem)


def store(activity: dict, *, ap_id: str, kind: str, actor_id: str, key_id: str, via: str) -> InboxMessage | None:
    """Persist the raw activity; None when it was already stored (through another inbox, or a replay)."""
    from .outbox import domain_alive
    from .tasks import enqueue, process_inbox_message

    try:
        with transaction.atomic():  # one write transaction: the row, and the sender's breaker closed
            message = InboxMessage.objects.create(
                ap_id=ap_id, activity_type=kind[:40], actor_ap_id=actor_id, domain=host_of(actor_id)[:255],
                key_id=key_id[:500], received_via=via[:200], body=activity)
            domain_alive(host_of(actor_id))
    except IntegrityError:
        return None
    # a broker that is down must not turn a stored activity into a 500: the sweeper finds the row
    transaction.on_commit(lambda: enqueue(process_inbox_message, message.pk))
    return message


def receive(request, *, via: str) -> Receipt:
    """Everything an inbox POST goes through; returns the status to answer and why."""
    try:
        body = read_body(request)
        try:
            activity = strictjson.parse_object(body)
        except strictjson.BadJSON as error:
            raise Refusal(400, str(error)) from error
        ap_id, kind, actor_id = check_shape(activity)
        if policy.is_blocked(host_of(actor_id)):
            raise Refusal(403, "domain blocked")
        if is_self_delete_of_unknown(activity, actor_id):
            return Receipt(202, "unknown actor deleted")
        signer, key_id = authenticate(request, body, actor_id)
        message = store(activity, ap_id=ap_id, kind=type_of(activity) or kind, actor_id=actor_id,
                        key_id=key_id, via=via)
        return Receipt(202, "accepted" if message else "duplicate", message)
    except Refusal as refusal:
        log.info("inbox %s refused %s: %s", via, refusal.status, refusal.reason)
        return Receipt(refusal.status, refusal.reason)
