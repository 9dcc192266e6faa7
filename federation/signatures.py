"""HTTP signatures (draft-cavage-12 and RFC 9421): pure, no Django, no ORM, no network.

Outgoing: `sign_cavage` (what Mastodon expects), `sign_rfc9421` (the retry after a 401). Incoming:
`signature_info` names the key, `verify_request` applies Mastodon's rules or raises `SignatureError`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519

from . import signatures_rfc9421
from .signing_primitives import (  # re-exported: callers name them as signatures.X
    PublicKey,
    SignatureError,
    VerifiedSignature,
    b64_matches,
    check_time,
    content_digest_header,
    digest_header,
    has_body,
    http_date,
    load_private_key,
    load_public_key,
    lower_keys,
    sign_bytes,
    to_bytes,
    verify_bytes,
    without_headers,
)

__all__ = ["SignatureError", "SignedRequestInfo", "VerifiedSignature", "check_digest", "content_digest_header",
           "digest_header", "http_date", "load_public_key", "lower_keys", "parse_cavage", "sign_cavage",
           "sign_rfc9421", "signature_info", "verify_bytes", "verify_request"]


@dataclass(frozen=True)
class SignedRequestInfo:
    key_id: str
    scheme: str  # "cavage" or "rfc9421"


# --- draft-cavage-http-signatures-12 -------------------------------------------------------------------

# One `name=value` pair: a quoted string (backslash escapes allowed, commas inside are data) or a bare token.
# The quoted string is matched as runs of plain characters between escapes: a character-by-character
# alternation took three times as long over a 344-character signature.
_PARAM = re.compile(r'[ \t]*([A-Za-z][A-Za-z0-9_-]*)[ \t]*=[ \t]*(?:"([^"\\]*(?:\\.[^"\\]*)*)"|([^",\s]*))[ \t]*(?:,|$)')
_ESCAPED = re.compile(r"\\(.)")
_CAVAGE_ALGORITHMS = ("rsa-sha256", "hs2019")


def parse_cavage(value: str) -> dict[str, str]:
    """Parse a Signature header into lower-cased parameter names; unknown parameters are kept."""
    return dict(_parse_cavage(value))


@functools.lru_cache(maxsize=64)  # the inbox reads the keyId first, then verifies: one parse per request
def _parse_cavage(value: str) -> dict[str, str]:
    params: dict[str, str] = {}
    value, pos = value.strip(), 0
    while pos < len(value):
        match = _PARAM.match(value, pos)
        if match is None or match[1].lower() in params:
            raise SignatureError("malformed signature header")
        name = match[1].lower()
        quoted = match[2]
        if quoted is None:
            params[name] = match[3]
        else:
            params[name] = _ESCAPED.sub(r"\1", quoted) if "\\" in quoted else quoted
        pos = match.end()
    if not params.get("keyid"):
        raise SignatureError("signature header has no keyId")
    if not params.get("signature"):
        raise SignatureError("signature header has no signature")
    return params


def _cavage_header(lowered: Mapping[str, str]) -> str | None:
    if lowered.get("signature"):
        return lowered["signature"]
    authorization = lowered.get("authorization", "")
    if authorization[:10].lower() == "signature ":
        return authorization[10:]
    return None


def _cavage_algorithm(declared: str | None, key: PublicKey) -> str:
    """Map the algorithm parameter to an RFC 9421 algorithm name for `verify_bytes`."""
    if declared is not None and declared not in _CAVAGE_ALGORITHMS:
        raise SignatureError(f"unsupported algorithm {declared}"[:80])
    if isinstance(key, ed25519.Ed25519PublicKey):
        if declared == "rsa-sha256":
            raise SignatureError("algorithm rsa-sha256 does not match an Ed25519 key")
        return "ed25519"
    return "rsa-v1_5-sha256"


def _check_cavage_coverage(covered: tuple[str, ...], method: str, body: bytes, declared: str | None) -> None:
    if "(request-target)" not in covered:
        raise SignatureError("(request-target) must be signed")
    if "date" not in covered and "(created)" not in covered:
        raise SignatureError("date or (created) must be signed")
    if has_body(method, body) and "digest" not in covered:
        raise SignatureError("digest must be signed on requests with a body")
    if method.upper() in ("GET", "HEAD") and "host" not in covered:
        raise SignatureError("host must be signed on GET requests")
    for pseudo in ("(created)", "(expires)"):
        if pseudo in covered and declared == "rsa-sha256":
            raise SignatureError(f"{pseudo} is not allowed with algorithm rsa-sha256")


def _cavage_values(covered: tuple[str, ...], params: dict[str, str], lowered: Mapping[str, str],
                   host: str | None) -> dict[str, str]:
    """Values of the covered headers except (request-target), which depends on the query-string guess."""
    values: dict[str, str] = {}
    for name in covered:
        if name in ("(created)", "(expires)"):
            value = params.get(name[1:-1])
        elif name == "host" and host is not None:
            value = host
        else:
            value = lowered.get(name)
        if value is None and name != "(request-target)":
            raise SignatureError(f"signed header missing: {name}"[:80])
        values[name] = (value or "").strip()
    return values


# The one format RFC 9110 lets senders generate ("Sun, 06 Nov 1994 08:49:37 GMT"), read without the email
# parser; anything else (obsolete forms, other zones) goes through it.
_IMF_FIXDATE = re.compile(r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
                          r"(\d{4}) (\d\d):(\d\d):(\d\d) GMT")
_MONTHS = {name: number for number, name in enumerate(
    ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), start=1)}


def _parse_http_date(value: str) -> float:
    if match := _IMF_FIXDATE.fullmatch(value):
        day, month, year, hour, minute, second = match.groups()
        try:
            return datetime(int(year), _MONTHS[month], int(day), int(hour), int(minute), int(second),
                            tzinfo=UTC).timestamp()
        except ValueError as exc:  # 30 February, 25 o'clock
            raise SignatureError("unparseable date") from exc
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError) as exc:
        raise SignatureError("unparseable date") from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


def _check_cavage_time(covered: tuple[str, ...], params: dict[str, str], values: dict[str, str],
                       now: float, max_skew: int) -> None:
    try:
        created, expires = (int(params[name]) if name in params else None for name in ("created", "expires"))
    except ValueError as exc:
        raise SignatureError("malformed (created) or (expires)") from exc
    if "date" in covered:
        check_time(_parse_http_date(values["date"]), now, max_skew, "date")
    if "(created)" in covered and created is not None:
        check_time(created, now, max_skew, "(created)")
    if expires is not None and expires < now:
        raise SignatureError("signature expired")


def check_digest(value: str, body: bytes) -> None:
    """Digest header (RFC 3230): SHA-256 is required; SHA-512 is checked too when present."""
    digests: dict[str, str] = {}
    for part in value.split(","):
        algorithm, sep, encoded = part.strip().partition("=")
        if sep:
            digests.setdefault(algorithm.strip().lower(), encoded.strip())
    if "sha-256" not in digests:
        raise SignatureError("digest has no SHA-256")
    for algorithm, hasher in (("sha-256", hashlib.sha256), ("sha-512", hashlib.sha512)):
        if algorithm in digests and not b64_matches(digests[algorithm], hasher(body).digest()):
            raise SignatureError("digest mismatch")


def _decode_signature(encoded: str) -> bytes:
    try:
        return base64.b64decode(encoded.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureError("signature is not valid base64") from exc


def _signing_string(covered: tuple[str, ...], values: Mapping[str, str], request_target: str) -> bytes:
    lines = [f"{name}: {request_target if name == '(request-target)' else values[name]}" for name in covered]
    return to_bytes("\n".join(lines))


def _request_targets(method: str, path: str, query: str) -> list[str]:
    """With the query string first; some servers sign the path alone."""
    base = f"{method.lower()} {path or '/'}"
    return [f"{base}?{query}", base] if query else [base]


def _verify_cavage(*, method: str, path: str, query: str, lowered: Mapping[str, str], body: bytes,
                   public_key_pem: str, now: float, max_skew: int, host: str | None) -> VerifiedSignature:
    params = parse_cavage(_cavage_header(lowered) or "")
    declared = params["algorithm"].strip().lower() if "algorithm" in params else None
    key = load_public_key(public_key_pem)
    algorithm = _cavage_algorithm(declared, key)
    signature = _decode_signature(params["signature"])
    covered = tuple(params.get("headers", "date").lower().split())
    _check_cavage_coverage(covered, method, body, declared)
    values = _cavage_values(covered, params, lowered, host)
    _check_cavage_time(covered, params, values, now, max_skew)
    if "digest" in covered:
        check_digest(values["digest"], body)
    for request_target in _request_targets(method, path, query):
        if verify_bytes(algorithm, key, signature, _signing_string(covered, values, request_target)):
            reported = declared or ("ed25519" if algorithm == "ed25519" else "rsa-sha256")
            return VerifiedSignature(params["keyid"], "cavage", reported, covered)
    raise SignatureError("signature verification failed")


def sign_cavage(*, method: str, url: str, headers: dict[str, str], body: bytes | None, key_id: str,
                private_key_pem: str, now: float | None = None) -> dict[str, str]:
    """Return a new dict: `headers` plus Host, a fresh Date, Digest (when body is not None) and Signature."""
    parts = urlsplit(url)
    signed = without_headers(headers, {"host", "date", "digest", "signature"})
    signed["Host"] = parts.netloc
    signed["Date"] = http_date(now)
    covered = ["(request-target)", "host", "date"]
    if body is not None:
        signed["Digest"] = digest_header(body)
        covered.append("digest")
    if "content-type" in lower_keys(signed):
        covered.append("content-type")
    request_target = _request_targets(method, parts.path, parts.query)[0]
    string = _signing_string(tuple(covered), lower_keys(signed), request_target)
    signature = base64.b64encode(sign_bytes("rsa-v1_5-sha256", load_private_key(private_key_pem), string))
    quoted_key_id = key_id.replace("\\", "\\\\").replace('"', '\\"')
    signed["Signature"] = (
        f'keyId="{quoted_key_id}",algorithm="rsa-sha256",headers="{" ".join(covered)}",'
        f'signature="{signature.decode("ascii")}"'
    )
    return signed


def sign_rfc9421(*, method: str, url: str, headers: dict[str, str], body: bytes | None, key_id: str,
                 private_key_pem: str, now: float | None = None) -> dict[str, str]:
    """Return a new dict: `headers` plus Content-Digest (body not None), Signature-Input and Signature."""
    return signatures_rfc9421.sign(
        method=method, url=url, headers=headers, body=body, key_id=key_id,
        private_key_pem=private_key_pem, now=time.time() if now is None else now,
    )


def signature_info(headers: Mapping[str, str]) -> SignedRequestInfo:
    """Which key the request claims; RFC 9421 is preferred when Signature-Input is present."""
    lowered = lower_keys(headers)
    if "signature-input" in lowered:
            return SignedRequestInfo(signatures_rfc9421.select_label(lowered).key_id, "rfc9421")
    value = _cavage_header(lowered)
    if value is None:
        raise SignatureError("no signature")
    return SignedRequestInfo(parse_cavage(value)["keyid"], "cavage")


def verify_request(*, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes,
                   public_key_pem: str, now: float | None = None, max_skew: int = 3600,
                   host: str | None = None, scheme: str = "https") -> VerifiedSignature:
    """`path`/`query` are raw ("" if no query); `host` overrides the Host header; `scheme` is the first
    guess for RFC 9421 @target-uri (the other scheme is tried too)."""
    lowered = lower_keys(headers)
    now = time.time() if now is None else now
    if "signature-input" in lowered:
            return signatures_rfc9421.verify(
            method=method, path=path, query=query, lowered=lowered, body=body,
            public_key_pem=public_key_pem, now=now, max_skew=max_skew, host=host, scheme=scheme,
        )
    if _cavage_header(lowered) is None:
        raise SignatureError("no signature")
    return _verify_cavage(method=method, path=path, query=query, lowered=lowered, body=body,
                          public_key_pem=public_key_pem, now=now, max_skew=max_skew, host=host)
