"""Receiving: verify, persist first, enqueue after commit (and the operator's re-queue of stored rows).
Processing lives in federation/routing.py.

Order (DESIGN.md §4): size → JSON → shape → domain policy → signer's key → signature → store → 202.
"""

import functools
import logging
import threading
from dataclasses import dataclass

import psycopg
from django.conf import settings
from django.db import connections, models, router, transaction
from django.http.request import HttpHeaders

from . import actors, caches, domain_policy, routing, signatures, sqlite_turns, strictjson
from .activities import InvalidActivity, actor_of, host_of, id_of, type_of
from .breaker import domain_alive
from .models import Actor, InboxMessage
from .tasks import wake_inbox_workers

log = logging.getLogger(__name__)
KEY_NOT_FETCHED = "the signer's key could not be fetched"
MAX_BODY = settings.FEDIAMA_MAX_BODY_BYTES
BUSY_RETRY_AFTER = 30  # seconds, in the Retry-After of a 503 while the key fetch slots are taken


@dataclass
class Refusal(Exception):
    status: int
    reason: str


@dataclass
class Receipt:
    status: int
    reason: str
    message_id: int | None = None


def declared_size(content_length: str) -> int | None:
    """The size a Content-Length header declares, or None unless it is one plain decimal number (int() would
    take "-5", " 5" and "٥"; repeated headers arrive joined by commas)."""
    return int(content_length) if content_length.isascii() and content_length.isdigit() else None


def read_body(request) -> bytes:
    length = request.META.get("CONTENT_LENGTH")
    if not length:
        if "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower():
            raise Refusal(411, "a Content-Length is required")
        length = "0"
    size = declared_size(length)
    if size is None:
        raise Refusal(400, "invalid Content-Length")
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
    headers = lowered_headers(request.META)
    try:
        info = signatures.signature_info(headers)
    except signatures.SignatureError as error:
        raise Refusal(401, f"signature: {error}") from error
    if host_of(info.key_id) != host_of(actor_id):
        raise Refusal(401, "signature key is not on the actor's host")
    signer = _key_owner(info.key_id, refresh=False)
    try:
        _verify(request, headers, body, signer)
    except signatures.SignatureError as error:
        if not actors.key_is_stale(signer):
            raise Refusal(401, f"signature: {error}") from error
        signer = _key_owner(info.key_id, refresh=True)
        try:
            _verify(request, headers, body, signer)
        except signatures.SignatureError as error2:
            raise Refusal(401, f"signature: {error2}") from error2
    if signer.ap_id != actor_id:
        raise Refusal(401, "signer is not the activity's actor")
    return signer, info.key_id


def lowered_headers(meta) -> dict[str, str]:
    """What request.headers holds, by lower-case name: Django's header-name rule (HttpHeaders: the HTTP_
    variables and the two unprefixed ones), without building its case-insensitive mapping."""
    headers = {key[5:].replace("_", "-").lower(): value for key, value in meta.items()
               if key.startswith("HTTP_") and len(key) > 5}
    for key in HttpHeaders.UNPREFIXED_HEADERS:
        if key in meta:
            headers[key.replace("_", "-").lower()] = meta[key]
    return headers


def _key_owner(key_id: str, *, refresh: bool) -> Actor:
    """The signer's actor. A key not known yet is fetched on the request path, at most
    FEDIAMA_INBOX_KEY_FETCHES at once per process: the other threads keep serving known signers while a
    slow server takes its time, and a sender told 503 retries later (every server's delivery does)."""
    if not refresh and (known := actors.known_key_owner(key_id)):
        return known
    if not _key_fetch_slots().acquire(blocking=False):
        raise Refusal(503, "busy fetching other signers' keys; retry later")
    try:
        return actors.fetch_key_owner(key_id)
    except (actors.ActorError, actors.http.FetchError) as error:
        # the cause stays in our log: told to the sender, it would answer what any host it names resolves to
        log.warning("inbox: the key %s could not be fetched: %s", key_id[:300], error)
        raise Refusal(401, KEY_NOT_FETCHED) from error
    finally:
        _key_fetch_slots().release()


@functools.cache
def _key_fetch_slots() -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(settings.FEDIAMA_INBOX_KEY_FETCHES)


def _verify(request, headers: dict[str, str], body: bytes, signer: Actor):
    if not signer.public_key_pem:
        raise signatures.SignatureError("signer has no public key")
    return signatures.verify_request(
        method=request.method, path=request.path, query=request.META.get("QUERY_STRING", ""),
        headers=headers, body=body, public_key_pem=signer.public_key_pem)


def store(raw: str, *, ap_id: str, kind: str, actor_id: str, key_id: str, via: str) -> int | None:
    """Persist the activity as its sender wrote it (`raw`: the body, already parsed and found to be one JSON
    object that the database can store) and return its row id; None when it was already stored (through
    another inbox, or a replay). The workers are woken once the row is committed."""
    domain = host_of(actor_id)
    values = {"ap_id": ap_id, "activity_type": kind[:40], "actor_ap_id": actor_id, "domain": domain[:255],
              "key_id": key_id[:500], "received_via": via[:200], "body": raw}
    alias = router.db_for_write(InboxMessage)
    connection = connections[alias]
    sender_failing = domain in caches.failing_domains()  # read before the turn, which is for writing only
    with sqlite_turns.writer_turn(connection):  # SQLite: inbox writers queue rather than sleep on its lock
        if not sender_failing:
            message_id = _insert(connection, values)  # one autocommitted statement
        else:
            with transaction.atomic(using=alias):  # the row, and the sender's breaker closed, in one transaction
                message_id = _insert(connection, values)
                domain_alive(domain)
    if message_id is not None:
        connection.on_commit(wake_workers)  # at once when no transaction is open
    return message_id


def _insert(connection, values: dict) -> int | None:
    """INSERT … ON CONFLICT (ap_id) DO NOTHING RETURNING id, built once per process from the model: the
    ORM's create() costs several times the statement, and a duplicate would raise and roll back a savepoint.
    `values` must hold every field of _PER_ROW (the body as JSON text); the others take their defaults.
    On PostgreSQL the parameters are bound by the server, not quoted into the SQL by the client (Django's
    default), so psycopg prepares the statement after a few uses (its `prepare_threshold`, which the
    database OPTIONS can set to None behind a transaction-pooling PgBouncer) and a body is not escaped."""
    sql, columns = _insert_statement(connection.alias)
    params = [column(values, connection) for column in columns]
    connection.close_if_health_check_failed()  # the raw cursor skips Django's check (CONN_HEALTH_CHECKS): a
    connection.ensure_connection()  # connection the database dropped since the last request is replaced, not a 500
    if connection.vendor == "postgresql":
        with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        return row[0] if row else None
    # SQLite: sqlite3's own cursor (Django's wrappers cost a third of the INSERT), read to the end, as SQLite
    # finishes a RETURNING statement only then
    with connection.wrap_database_errors:
        rows = connection.connection.execute(sql, params).fetchall()
    return rows[0][0] if rows else None


_PER_ROW = {"ap_id", "activity_type", "actor_ap_id", "domain", "key_id", "received_via", "body"}


@functools.cache
def _insert_statement(alias: str) -> tuple[str, list]:
    """The SQL, and for each column a function (values, connection) → its parameter: a per-row string as
    it is, other per-row values and callable defaults prepared by their field, constant defaults prepared
    here once."""
    connection = connections[alias]
    quote, meta = connection.ops.quote_name, InboxMessage._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = []
    for field in fields:
        if field.name in _PER_ROW and isinstance(field, models.CharField | models.JSONField):
            columns.append(lambda values, connection, name=field.name: values[name])  # text goes as it is
        elif field.name in _PER_ROW:
            columns.append(lambda values, connection, field=field: field.get_db_prep_save(values[field.name],
                                                                                          connection))
        elif field.has_default() and callable(field.default):  # NOT_PROVIDED, a class, is callable too
            columns.append(lambda values, connection, field=field: field.get_db_prep_save(field.get_default(),
                                                                                          connection))
        else:
            constant = field.get_db_prep_save(field.get_default(), connection)
            columns.append(lambda values, connection, constant=constant: constant)
    placeholder = "?" if connection.vendor == "sqlite" else "%s"  # each database driver's own parameter style
    sql = (f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)}) "
           f"VALUES ({', '.join([placeholder] * len(fields))}) ON CONFLICT ({quote(meta.get_field('ap_id').column)}) "
           f"DO NOTHING RETURNING {quote(meta.pk.column)}")
    return sql, columns


def wake_workers() -> None:
    """Wake the inbox workers, which drain every stored row; a broker that is down must not turn a stored
    activity into a 500 (enqueue logs it and the sweeper finds the row)."""
    wake_inbox_workers()


def requeue_messages(ids) -> int:
    """Operator: process these inbox messages again (failed or ignored ones included); the workers are
    woken on commit. Returns how many rows were queued."""
    count = routing.requeue(list(ids))
    transaction.on_commit(wake_workers)
    return count


def receive(request, *, via: str) -> Receipt:
    """Everything an inbox POST goes through; returns the status to answer and why."""
    try:
        body = read_body(request)
        try:
            activity = strictjson.parse_object(body)
        except strictjson.BadJSON as error:
            raise Refusal(400, str(error)) from error
        ap_id, kind, actor_id = check_shape(activity)
        if domain_policy.is_blocked(host_of(actor_id)):
            raise Refusal(403, "domain blocked")
        if is_self_delete_of_unknown(activity, actor_id):
            return Receipt(202, "unknown actor deleted")
        signer, key_id = authenticate(request, body, actor_id)
        message_id = store(body.decode(), ap_id=ap_id, kind=type_of(activity) or kind, actor_id=actor_id,
                           key_id=key_id, via=via)
        return Receipt(202, "accepted" if message_id else "duplicate", message_id)
    except Refusal as refusal:
        log.info("inbox %s refused %s: %s", via, refusal.status, refusal.reason)
        return Receipt(refusal.status, refusal.reason)
