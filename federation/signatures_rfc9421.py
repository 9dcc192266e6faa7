"""RFC 9421 HTTP Message Signatures: the request-signing subset ActivityPub servers use.

Pure, like `federation.signatures` (which is the public entry point and re-exports `sign`
as `sign_rfc9421`); what both schemes share is in `federation.signing_primitives`. Structured
fields are parsed and serialized with http-sfv; the `@signature-params` line is the canonical
re-serialization of the Signature-Input member.
Supported: derived components @method @target-uri @authority @scheme @request-target @path
@query @query-param;name=…, plain header fields, algorithms rsa-v1_5-sha256, rsa-pss-sha512
and ed25519. Responses, `;req`/`;sf`/`;key`/`;bs` and HMAC/ECDSA are refused.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlsplit

import http_sfv
from cryptography.hazmat.primitives.asymmetric import ed25519
from http_sfv.types import BareItemType

from .signing_primitives import (
    SignatureError,
    VerifiedSignature,
    check_time,
    content_digest_header,
    has_body,
    load_private_key,
    load_public_key,
    lower_keys,
    sign_bytes,
    to_bytes,
    verify_bytes,
    without_headers,
)

ALGORITHMS = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519")
SIGN_ALGORITHM = "rsa-v1_5-sha256"
LABEL = "sig1"
_DEFAULT_PORTS = {"https": "443", "http": "80"}


@dataclass(frozen=True)
class Target:
    """The request parts derived components are computed from."""

    method: str
    scheme: str
    authority: str
    path: str
    query: str


@dataclass(frozen=True)
class Label:
    name: str
    components: http_sfv.InnerList
    signature: bytes

    @property
    def covered(self) -> tuple[str, ...]:
        return tuple(str(item.value) for item in self.components)

    @property
    def key_id(self) -> str:
        key_id = self.components.params.get("keyid")
        return key_id if isinstance(key_id, str) else ""

    def int_param(self, name: str) -> int | None:
        value = self.components.params.get(name)
        return value if type(value) is int else None


def authority(host: str, scheme: str) -> str:
    """RFC 9421 §2.2.3: lower-case host, default port omitted."""
    host = host.strip().lower()
    name, sep, port = host.rpartition(":")
    if sep and "]" not in port and port == _DEFAULT_PORTS.get(scheme):
        return name
    return host


def _parse_dictionary(value: str, field: str) -> http_sfv.Dictionary:
    parsed = http_sfv.Dictionary()
    try:
        parsed.parse(value.encode("ascii"))
    except (ValueError, TypeError, IndexError, UnicodeError) as exc:
        raise SignatureError(f"malformed {field} header") from exc
    return parsed


def parse_labels(lowered: Mapping[str, str]) -> list[Label]:
    """Signature-Input members that have a Signature of the same name, in header order."""
    inputs = _parse_dictionary(lowered["signature-input"], "signature-input")
    signatures = _parse_dictionary(lowered["signature"], "signature") if lowered.get("signature") else {}
    labels = []
    for name, components in inputs.items():
        signature = signatures.get(name)
        if not isinstance(components, http_sfv.InnerList) or signature is None:
            continue
        if not isinstance(signature, http_sfv.Item) or not isinstance(signature.value, bytes):
            raise SignatureError("malformed signature header")
        labels.append(Label(name, components, signature.value))
    if not labels:
        raise SignatureError("no signature")
    return labels


def _target_covered(covered: tuple[str, ...]) -> bool:
    path_covered = "@path" in covered or "@request-target" in covered
    return "@target-uri" in covered or ("@authority" in covered and path_covered)


def _acceptable(label: Label, needs_digest: bool) -> bool:
    covered = label.covered
    return (bool(label.key_id) and label.int_param("created") is not None and "@method" in covered
            and _target_covered(covered) and (not needs_digest or "content-digest" in covered))


def select_label(lowered: Mapping[str, str]) -> Label:
    """The first label whose coverage satisfies our rules (preferring one that signs the body digest)."""
    labels = parse_labels(lowered)
    for needs_digest in ("content-digest" in lowered, False):
        for label in labels:
            if _acceptable(label, needs_digest):
                return label
    if not labels[0].key_id:
        raise SignatureError("signature-input has no keyid")
    return labels[0]


def _query_param(params: Mapping[str, object], query: str) -> str:
    name = params.get("name")
    if not isinstance(name, str):
        raise SignatureError("@query-param needs a name")
    values = [value for key, value in parse_qsl(query, keep_blank_values=True) if key == unquote(name)]
    if len(values) != 1:
        raise SignatureError("@query-param must occur exactly once")
    return quote(values[0], safe="*").replace("~", "%7E")


def _derived(name: str, target: Target) -> str:
    if name in ("@target-uri", "@authority") and not target.authority:
        raise SignatureError("signed header missing: host")
    request_target = target.path + (f"?{target.query}" if target.query else "")
    values = {
        "@method": target.method,
        "@target-uri": f"{target.scheme}://{target.authority}{request_target}",
        "@authority": target.authority,
        "@scheme": target.scheme,
        "@request-target": request_target,
        "@path": target.path,
        "@query": f"?{target.query}",
    }
    if name not in values:
        raise SignatureError(f"unsupported component {name}"[:80])
    return values[name]


def _component_value(item: http_sfv.Item, target: Target, lowered: Mapping[str, str]) -> str:
    name, params = item.value, dict(item.params)
    if not isinstance(name, str) or isinstance(name, http_sfv.Token) or name != name.lower():
        raise SignatureError("malformed signature-input header")
    if name == "@query-param":
        return _query_param(params, target.query)
    if params:
        raise SignatureError(f"unsupported component parameters on {name}"[:80])
    if name.startswith("@"):
        return _derived(name, target)
    if name not in lowered:
        raise SignatureError(f"signed header missing: {name}"[:80])
    return lowered[name].strip()


def signature_base(components: http_sfv.InnerList, target: Target, lowered: Mapping[str, str]) -> bytes:
    """RFC 9421 §2.5; `lowered` maps lower-case header names to (combined) values."""
    lines = [f"{item}: {_component_value(item, target, lowered)}" for item in components]
    if len(set(lines)) != len(lines) or any("\n" in line or "\r" in line for line in lines):
        raise SignatureError("malformed signature-input header")
    lines.append(f'"@signature-params": {components}')
    return to_bytes("\n".join(lines))


def check_content_digest(value: str, body: bytes) -> None:
    """RFC 9530 Content-Digest: sha-256 and/or sha-512 must be present, and every one present must match."""
    members = _parse_dictionary(value, "content-digest")
    hashers = {"sha-256": hashlib.sha256, "sha-512": hashlib.sha512}
    known = {name: member for name, member in members.items() if name in hashers}
    if not known:
        raise SignatureError("content-digest has no sha-256 or sha-512")
    for name, member in known.items():
        if not isinstance(member, http_sfv.Item) or not isinstance(member.value, bytes):
            raise SignatureError("malformed content-digest header")
        if not hmac.compare_digest(member.value, hashers[name](body).digest()):
            raise SignatureError("content-digest mismatch")


def _check_label(label: Label, *, method: str, query: str, body: bytes, now: float, max_skew: int) -> None:
    covered, created, expires = label.covered, label.int_param("created"), label.int_param("expires")
    if "@method" not in covered:
        raise SignatureError("@method must be signed")
    if not _target_covered(covered):
        raise SignatureError("@target-uri must be signed")
    if query and not {"@target-uri", "@request-target", "@query"} & set(covered):
        raise SignatureError("@query must be signed")
    if has_body(method, body) and "content-digest" not in covered:
        raise SignatureError("content-digest must be signed on requests with a body")
    if created is None:
        raise SignatureError("signature-input has no created")
    check_time(created, now, max_skew, "created")
    if "expires" in label.components.params and (expires is None or expires < now):
        raise SignatureError("signature expired")


def _algorithms(label: Label, key: object) -> list[str]:
    declared = label.components.params.get("alg")
    if declared is not None and declared not in ALGORITHMS:
        raise SignatureError(f"unsupported algorithm {declared}"[:80])
    is_ed25519 = isinstance(key, ed25519.Ed25519PublicKey)
    if declared is not None and (declared == "ed25519") != is_ed25519:
        raise SignatureError(f"algorithm {declared} does not match the key")
    if declared is not None:
        return [declared]
    return ["ed25519"] if is_ed25519 else ["rsa-v1_5-sha256", "rsa-pss-sha512"]


def _targets(method: str, path: str, query: str, host: str, scheme: str) -> list[Target]:
    """@target-uri guesses: we sit behind proxies, so try both schemes (and the Host as sent)."""
    targets: list[Target] = []
    for guess in dict.fromkeys([scheme.lower(), "http" if scheme.lower() == "https" else "https"]):
        for auth in dict.fromkeys([authority(host, guess), host.strip()]):
            targets.append(Target(method.upper(), guess, auth, path or "/", query))
    return targets


def verify(*, method: str, path: str, query: str, lowered: Mapping[str, str], body: bytes,
           public_key_pem: str, now: float, max_skew: int, host: str | None, scheme: str) -> VerifiedSignature:
    """Called by `federation.signatures.verify_request` when Signature-Input is present."""
    label = select_label(lowered)
    _check_label(label, method=method, query=query, body=body, now=now, max_skew=max_skew)
    if "content-digest" in label.covered:
        check_content_digest(lowered.get("content-digest", ""), body)
    key = load_public_key(public_key_pem)
    algorithms = _algorithms(label, key)
    targets = _targets(method, path, query, host if host is not None else lowered.get("host", ""), scheme)
    bases = dict.fromkeys(signature_base(label.components, target, lowered) for target in targets)
    for algorithm in algorithms:
        if any(verify_bytes(algorithm, key, label.signature, base) for base in bases):
            return VerifiedSignature(label.key_id, "rfc9421", algorithm, label.covered)
    raise SignatureError("signature verification failed")


def sign(*, method: str, url: str, headers: Mapping[str, str], body: bytes | None, key_id: str,
         private_key_pem: str, now: float) -> dict[str, str]:
    """Components "@method" "@target-uri" (+ "content-digest" with a body); created, keyid, alg."""
    parts = urlsplit(url)
    target = Target(method.upper(), parts.scheme.lower(), authority(parts.netloc, parts.scheme.lower()),
                    parts.path or "/", parts.query)
    signed = without_headers(headers, {"signature", "signature-input", "content-digest"})
    names: list[http_sfv.Item | BareItemType] = ["@method", "@target-uri"]
    if body is not None:
        signed["Content-Digest"] = content_digest_header(body)
        names.append("content-digest")
    components = http_sfv.InnerList(names)
    components.params.update({"created": int(now), "keyid": key_id, "alg": SIGN_ALGORITHM})
    base = signature_base(components, target, lower_keys(signed))
    signature = sign_bytes(SIGN_ALGORITHM, load_private_key(private_key_pem), base)
    signed["Signature-Input"] = str(http_sfv.Dictionary({LABEL: components}))
    signed["Signature"] = str(http_sfv.Dictionary({LABEL: signature}))
    return signed

