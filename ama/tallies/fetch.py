"""One refetch of one remote question, on a pool thread: HTTP only, no database.

The object is fetched conditionally (its ETag / Last-Modified from last time); its `likes` are read, and when
`likes` is a URL on the same origin, that collection is fetched too (one more request, through the same gate).
"""

from dataclasses import dataclass

from federation import http
from federation.activities import content_and_language, host_of, type_of

from .gate import OriginGate
from .likes import Likes, likes_field, read_collection


@dataclass(frozen=True)
class Job:
    """What a pool thread needs to refetch one question (read from the database before the pool starts)."""
    question_id: int
    ap_id: str
    origin: str
    etag: str = ""
    last_modified: str = ""


@dataclass(frozen=True)
class Outcome:
    """kind: "fetched" (document read), "unchanged" (304), "gone" (410 or a Tombstone), "failed"."""
    job: Job
    kind: str
    likes: Likes | None = None
    content: str = ""
    language: str = ""
    etag: str = ""
    last_modified: str = ""
    error: str = ""
    # a server error or no answer (keep the count, back off); else the object is unreadable as it is
    transient: bool = True


def refetch(job: Job, gate: OriginGate, signer: http.Signer) -> Outcome:
    """Never raises for what the origin answers; an exhausted budget is "failed" with error "budget"."""
    try:
        with gate.slot(job.origin):
            refetched = http.fetch_json_if_changed(job.ap_id, signer=signer, etag=job.etag,
                                                   last_modified=job.last_modified)
        if refetched.document is None:
            return Outcome(job, "unchanged", etag=refetched.etag, last_modified=refetched.last_modified)
        return _read(job, refetched, gate, signer)
    except http.FetchError as error:
        if error.status == 410:
            return Outcome(job, "gone")
        transient = error.status is None or error.status >= 500 or error.status in (408, 429)
        return Outcome(job, "failed", error=error.reason[:200], transient=transient)
    except OriginGate.Exhausted:
        return Outcome(job, "failed", error="budget")


def _read(job: Job, refetched: http.Refetched, gate: OriginGate, signer: http.Signer) -> Outcome:
    document = refetched.document or {}
    if type_of(document) == "Tombstone":
        return Outcome(job, "gone")
    content, language = content_and_language(document)
    return Outcome(job, "fetched", likes=_likes(document, job, gate, signer), content=content, language=language,
                   etag=refetched.etag, last_modified=refetched.last_modified)


def _likes(document: dict, job: Job, gate: OriginGate, signer: http.Signer) -> Likes | None:
    field = likes_field(document)
    if isinstance(field, dict):
        return read_collection(field)
    if field is None or host_of(field) != job.origin:
        return None  # no likes, or a collection another server would vouch for
    with gate.slot(job.origin):
        return read_collection(http.fetch_json(field, signer=signer))
