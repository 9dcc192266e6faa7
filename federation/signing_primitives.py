"""What both HTTP signature schemes share: pure, no Django, no ORM, no network.

Digests, dates, header maps, key loading, signing and verifying bytes by RFC 9421 algorithm name, the time
window. `federation.signatures` (draft-cavage and the public entry points) and
`federation.signatures_rfc9421` import this; neither imports the other's internals."""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import formatdate

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa


class SignatureError(Exception):
    """Reason is a short human-readable string, safe to return to the remote server in a 401 JSON body."""


@dataclass(frozen=True)
class VerifiedSignature:
    key_id: str
    scheme: str  # "cavage" or "rfc9421"
    algorithm: str
    covered: tuple[str, ...]  # lower-case header/component names that were signed


PublicKey = rsa.RSAPublicKey | ed25519.Ed25519PublicKey
_PSS_SHA512 = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def content_digest_header(body: bytes) -> str:
    return "sha-256=:" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii") + ":"


def http_date(now: float | None = None) -> str:
    return formatdate(time.time() if now is None else now, usegmt=True)


def lower_keys(headers: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def without_headers(headers: Mapping[str, str], names: set[str]) -> dict[str, str]:
    return {name: value for name, value in headers.items() if name.lower() not in names}


def to_bytes(text: str) -> bytes:
    """Header values arrive as latin-1 decoded text (WSGI, http.client); encode them back the same way."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8")


def has_body(method: str, body: bytes | None) -> bool:
    return method.upper() == "POST" or bool(body)


@functools.lru_cache(maxsize=4096)
def load_public_key(pem: str) -> PublicKey:
    """Cached: an inbox sees the same few thousand keys again and again."""
    try:
        key = serialization.load_pem_public_key(pem.encode("ascii"))
    except (ValueError, TypeError, UnicodeError, UnsupportedAlgorithm) as exc:
        raise SignatureError("invalid public key") from exc
    if not isinstance(key, (rsa.RSAPublicKey, ed25519.Ed25519PublicKey)):
        raise SignatureError("unsupported key type")
    return key


@functools.lru_cache(maxsize=64)
def load_private_key(pem: str) -> rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey:
    """Cached: parsing and checking an RSA PEM costs ~40 ms, signing with the loaded key ~0.3 ms."""
    key = serialization.load_pem_private_key(pem.encode("ascii"), password=None)
    if not isinstance(key, (rsa.RSAPrivateKey, ed25519.Ed25519PrivateKey)):
        raise ValueError(f"cannot sign with a {type(key).__name__}")
    return key


def sign_bytes(algorithm: str, key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey, data: bytes) -> bytes:
    """`algorithm` is an RFC 9421 name: rsa-v1_5-sha256, rsa-pss-sha512 or ed25519."""
    if algorithm == "ed25519" and isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(data)
    if algorithm == "rsa-v1_5-sha256" and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hashes.SHA256())
    if algorithm == "rsa-pss-sha512" and isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, _PSS_SHA512, hashes.SHA512())
    raise ValueError(f"cannot sign {algorithm} with {type(key).__name__}")


def verify_bytes(algorithm: str, key: PublicKey, signature: bytes, data: bytes) -> bool:
    """`algorithm` is an RFC 9421 name; False on a bad signature or a key of the wrong type."""
    try:
        if algorithm == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, data)
        elif algorithm == "rsa-v1_5-sha256" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        elif algorithm == "rsa-pss-sha512" and isinstance(key, rsa.RSAPublicKey):
            key.verify(signature, data, _PSS_SHA512, hashes.SHA512())
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def check_time(timestamp: float, now: float, max_skew: int, what: str) -> None:
    if timestamp < now - max_skew:
        raise SignatureError(f"{what} is too old")
    if timestamp > now + max_skew:
        raise SignatureError(f"{what} is in the future")


def b64_matches(encoded: str, expected: bytes) -> bool:
    try:
        return hmac.compare_digest(base64.b64decode(encoded, validate=True), expected)
    except (binascii.Error, ValueError):
        return False
