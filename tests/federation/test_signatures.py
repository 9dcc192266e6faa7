"""HTTP signatures: round trips, Mastodon's rejection rules, published vectors, third-party cross-checks."""

import base64
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from http_message_signatures import (
    HTTPMessageSigner,
    HTTPMessageVerifier,
    InvalidSignature,
    MappingKeyResolver,
)
from http_message_signatures.algorithms import RSA_V1_5_SHA256

from federation.signatures import (
    SignedRequestInfo,
    sign_cavage,
    sign_rfc9421,
    signature_info,
    verify_request,
)
from federation.signatures_rfc9421 import Target, parse_labels, signature_base
from federation.signing_primitives import (
    SignatureError,
    VerifiedSignature,
    content_digest_header,
    digest_header,
    http_date,
    load_public_key,
    lower_keys,
    verify_bytes,
)

NOW = 1_700_000_000.0
KEY_ID = "https://remote.example/users/bob#main-key"
INBOX = "https://example.com/users/alice/inbox"
BODY = b'{"type":"Create","actor":"https://remote.example/users/bob"}'
JSON = {"Content-Type": "application/activity+json"}


@dataclass(frozen=True)
class Keys:
    private_key: rsa.RSAPrivateKey | ed25519.Ed25519PrivateKey
    private_pem: str
    public_pem: str

    @classmethod
    def of(cls, key):
        private_pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        public_pem = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        ).decode()
        return cls(key, private_pem, public_pem)


@pytest.fixture(scope="module")
def keys() -> Keys:
    return Keys.of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


@pytest.fixture(scope="module")
def attacker() -> Keys:
    return Keys.of(rsa.generate_private_key(public_exponent=65537, key_size=2048))


def check(headers, keys, *, method="POST", url=INBOX, body=BODY, now=NOW, **kwargs) -> VerifiedSignature:
    parts = urlsplit(url)
    return verify_request(method=method, path=parts.path, query=parts.query, headers=headers, body=body,
                          public_key_pem=keys.public_pem, now=now, **kwargs)


def rejected(headers, keys, **kwargs) -> str:
    with pytest.raises(SignatureError) as info:
        check(headers, keys, **kwargs)
    return str(info.value)


def signed_post(keys, *, url=INBOX, body=BODY, now=NOW) -> dict[str, str]:
    return sign_cavage(method="POST", url=url, headers=dict(JSON), body=body, key_id=KEY_ID,
                       private_key_pem=keys.private_pem, now=now)


def cavage(keys, headers, covered, *, method="POST", target="/users/alice/inbox", algorithm="rsa-sha256",
           params=None, key_id=KEY_ID) -> dict[str, str]:
    """An independent draft-cavage signer, so tests can build requests our signer never would."""
    params = params or {}
    values = {**lower_keys(headers), "(request-target)": f"{method.lower()} {target}"}
    values.update({f"({name})": str(value) for name, value in params.items()})
    string = "\n".join(f"{name}: {values[name]}" for name in covered.split()).encode()
    if isinstance(keys.private_key, ed25519.Ed25519PrivateKey):
        raw = keys.private_key.sign(string)
    else:
        raw = keys.private_key.sign(string, padding.PKCS1v15(), hashes.SHA256())
    fields = [f'keyId="{key_id}"'] + ([f'algorithm="{algorithm}"'] if algorithm else [])
    fields += [f"{name}={value}" for name, value in params.items()]
    fields += [f'headers="{covered}"', f'signature="{base64.b64encode(raw).decode()}"']
    return {**headers, "Signature": ",".join(fields)}


def post_headers(now=NOW, body=BODY, **extra) -> dict[str, str]:
    return {"Host": "example.com", "Date": http_date(now), "Digest": digest_header(body), **JSON, **extra}


# --- primitives -------------------------------------------------------------------------------------


def test_digest_headers_match_published_values():
    # RFC 9530 and draft-cavage both use {"hello": "world"} in their examples.
    assert digest_header(b'{"hello": "world"}') == "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
    assert content_digest_header(b'{"hello": "world"}') == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"


def test_http_date_is_imf_fixdate():
    assert http_date(1388957500) == "Sun, 05 Jan 2014 21:31:40 GMT"


# --- draft-cavage: signing and round trips ------------------------------------------------------------


def test_sign_cavage_returns_new_dict_with_signed_headers(keys):
    given = dict(JSON)
    signed = signed_post(keys)
    assert given == JSON and signed is not given
    assert signed["Host"] == "example.com"
    assert signed["Date"] == http_date(NOW)
    assert signed["Digest"] == digest_header(BODY)
    assert signed["Signature"].startswith(f'keyId="{KEY_ID}",algorithm="rsa-sha256",')
    assert 'headers="(request-target) host date digest content-type"' in signed["Signature"]


@pytest.mark.parametrize("url", [INBOX, INBOX + "?page=2&only=true"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_cavage_round_trip(keys, method, url):
    body = BODY if method == "POST" else None
    signed = sign_cavage(method=method, url=url, headers={"Accept": "application/activity+json"}, body=body,
                         key_id=KEY_ID, private_key_pem=keys.private_pem, now=NOW)
    verified = check(signed, keys, method=method, url=url, body=body or b"")
    expected = ("(request-target)", "host", "date") + (("digest",) if body else ())
    assert verified == VerifiedSignature(KEY_ID, "cavage", "rsa-sha256", expected)


def test_cavage_signed_without_query_string_is_accepted(keys):
    signed = sign_cavage(method="GET", url=INBOX, headers={}, body=None, key_id=KEY_ID,
                         private_key_pem=keys.private_pem, now=NOW)
    assert check(signed, keys, method="GET", url=INBOX + "?page=2", body=b"").key_id == KEY_ID


def test_cavage_changed_query_string_is_rejected(keys):
    signed = sign_cavage(method="GET", url=INBOX + "?page=1", headers={}, body=None, key_id=KEY_ID,
                         private_key_pem=keys.private_pem, now=NOW)
    assert rejected(signed, keys, method="GET", url=INBOX + "?page=2", body=b"") == "signature verification failed"


def test_hs2019_with_created_on_rsa_key(keys):
    headers = cavage(keys, {"Host": "example.com"}, "(request-target) host (created)", method="GET",
                     algorithm="hs2019", params={"created": int(NOW) - 10})
    verified = check(headers, keys, method="GET", body=b"")
    assert (verified.algorithm, verified.covered) == ("hs2019", ("(request-target)", "host", "(created)"))


@pytest.mark.parametrize("algorithm", ["hs2019", None])
def test_ed25519_key_with_hs2019_or_no_algorithm(algorithm):
    ed_keys = Keys.of(ed25519.Ed25519PrivateKey.generate())
    headers = cavage(ed_keys, post_headers(), "(request-target) host date digest", algorithm=algorithm)
    assert check(headers, ed_keys).algorithm == (algorithm or "ed25519")


def test_missing_algorithm_is_inferred_from_rsa_key(keys):
    headers = cavage(keys, post_headers(), "(request-target) host date digest", algorithm=None)
    assert check(headers, keys).algorithm == "rsa-sha256"


def test_rsa_sha256_with_ed25519_key_is_rejected():
    ed_keys = Keys.of(ed25519.Ed25519PrivateKey.generate())
    headers = cavage(ed_keys, post_headers(), "(request-target) host date digest")
    assert rejected(headers, ed_keys) == "algorithm rsa-sha256 does not match an Ed25519 key"


@pytest.mark.parametrize("algorithm", ["hmac-sha256", "rsa-sha1", "rsa-sha512", "ecdsa-sha256"])
def test_unsupported_algorithm_is_rejected(keys, algorithm):
    headers = cavage(keys, post_headers(), "(request-target) host date digest", algorithm=algorithm)
    assert rejected(headers, keys) == f"unsupported algorithm {algorithm}"


def test_authorization_signature_header_round_trip(keys):
    signed = signed_post(keys)
    signed["Authorization"] = "Signature " + signed.pop("Signature")
    assert check(signed, keys).key_id == KEY_ID


def test_header_names_are_case_insensitive(keys):
    signed = {name.upper(): value for name, value in signed_post(keys).items()}
    assert check(signed, keys).scheme == "cavage"


def test_host_override_for_requests_behind_a_proxy(keys):
    signed = {**signed_post(keys), "Host": "backend:8000"}
    assert rejected(signed, keys) == "signature verification failed"
    assert check(signed, keys, host="example.com").key_id == KEY_ID


def test_key_id_with_comma_and_quote_survives_sign_and_parse(keys):
    key_id = 'https://remote.example/a,b#k"1'
    signed = sign_cavage(method="POST", url=INBOX, headers={}, body=BODY, key_id=key_id,
                         private_key_pem=keys.private_pem, now=NOW)
    assert signature_info(signed) == SignedRequestInfo(key_id, "cavage")
    assert check(signed, keys).key_id == key_id


def test_parser_tolerates_whitespace_and_unknown_params():
    header = ' keyId = "https://x/a,b#k" , foo="bar,baz", algorithm=hs2019 ,headers="date", signature="AAAA" '
    assert signature_info({"Signature": header}).key_id == "https://x/a,b#k"


# --- draft-cavage: rejections ---------------------------------------------------------------------------


def test_tampered_body_is_rejected(keys):
    assert rejected(signed_post(keys), keys, body=BODY.replace(b"Create", b"Delete")) == "digest mismatch"


def test_tampered_digest_header_is_rejected(keys):
    forged = BODY.replace(b"Create", b"Delete")
    signed = {**signed_post(keys), "Digest": digest_header(forged)}
    assert rejected(signed, keys, body=forged) == "signature verification failed"


def test_post_without_signed_digest_is_rejected(keys):
    headers = cavage(keys, post_headers(), "(request-target) host date content-type")
    assert rejected(headers, keys) == "digest must be signed on requests with a body"


def test_get_without_signed_host_is_rejected(keys):
    headers = cavage(keys, {"Host": "example.com", "Date": http_date(NOW)}, "(request-target) date", method="GET")
    assert rejected(headers, keys, method="GET", body=b"") == "host must be signed on GET requests"


def test_missing_date_and_created_is_rejected(keys):
    headers = cavage(keys, post_headers(), "(request-target) host digest")
    assert rejected(headers, keys) == "date or (created) must be signed"


@pytest.mark.parametrize("covered", ["host date digest", None])
def test_request_target_must_be_signed(keys, covered):
    headers = cavage(keys, post_headers(), covered or "date")
    if covered is None:  # no headers= parameter: the spec default is "date"
        headers["Signature"] = headers["Signature"].replace(',headers="date"', "")
    assert rejected(headers, keys) == "(request-target) must be signed"


@pytest.mark.parametrize(("offset", "message"), [(-7200, "date is too old"), (7200, "date is in the future")])
def test_date_outside_window_is_rejected(keys, offset, message):
    assert rejected(signed_post(keys, now=NOW + offset), keys) == message


@pytest.mark.parametrize("offset", [-3000, 3000])
def test_date_inside_window_is_accepted(keys, offset):
    assert check(signed_post(keys, now=NOW + offset), keys).key_id == KEY_ID


@pytest.mark.parametrize("date", [
    "Sunday, 05-Jan-14 21:31:40 GMT",  # RFC 850, obsolete but still readable
    "Sun Jan  5 21:31:40 2014",  # asctime
    "Sun, 05 Jan 2014 22:31:40 +0100",  # a numeric zone, as some email-minded clients write
])
def test_other_date_forms_are_read_as_the_same_instant(keys, date):
    now = 1388957500  # http_date(now) == "Sun, 05 Jan 2014 21:31:40 GMT"
    headers = cavage(keys, post_headers(now=now, Date=date), "(request-target) host date digest")
    check(headers, keys, now=now)
    assert rejected(headers, keys, now=now + 7200) == "date is too old"


@pytest.mark.parametrize("date", ["Sun, 30 Feb 2014 21:31:40 GMT", "Sun, 05 Jan 2014 24:31:40 GMT",
                                  "yesterday", ""])
def test_an_impossible_or_unreadable_date_is_rejected(keys, date):
    headers = cavage(keys, post_headers(Date=date), "(request-target) host date digest")
    assert rejected(headers, keys) == "unparseable date"


@pytest.mark.parametrize(("offset", "message"), [(-7200, "(created) is too old"), (7200, "(created) is in the future")])
def test_created_outside_window_is_rejected(keys, offset, message):
    headers = cavage(keys, post_headers(), "(request-target) host (created) digest", algorithm="hs2019",
                     params={"created": int(NOW) + offset})
    assert rejected(headers, keys) == message


def test_created_with_rsa_sha256_is_rejected(keys):
    headers = cavage(keys, post_headers(), "(request-target) host (created) digest", params={"created": int(NOW)})
    assert rejected(headers, keys) == "(created) is not allowed with algorithm rsa-sha256"


def test_expired_signature_is_rejected(keys):
    headers = cavage(keys, post_headers(), "(request-target) host date digest (expires)", algorithm="hs2019",
                     params={"expires": int(NOW) - 1})
    assert rejected(headers, keys) == "signature expired"


def test_unparseable_date_is_rejected(keys):
    headers = cavage(keys, post_headers(Date="yesterday-ish"), "(request-target) host date digest")
    assert rejected(headers, keys) == "unparseable date"


def test_signature_from_another_key_is_rejected(keys, attacker):
    assert rejected(signed_post(keys), attacker) == "signature verification failed"
    assert rejected(signed_post(attacker), keys) == "signature verification failed"


@pytest.mark.parametrize(("header", "message"), [
    ("garbage", "malformed signature header"),
    ('keyId="k",signature="AAAA",keyId="j"', "malformed signature header"),
    ('keyId="unterminated,signature="AAAA"', "malformed signature header"),
    ('keyId="k",algorithm="rsa-sha256",headers="date"', "signature header has no signature"),
    ('algorithm="rsa-sha256",signature="AAAA"', "signature header has no keyId"),
    ('keyId="k",algorithm="rsa-sha256",signature="not base64!!"', "signature is not valid base64"),
])
def test_malformed_signature_header_is_rejected(keys, header, message):
    assert rejected({**post_headers(), "Signature": header}, keys) == message


def test_signed_header_missing_from_request_is_rejected(keys):
    headers = cavage(keys, post_headers(**{"X-Custom": "1"}), "(request-target) host date digest x-custom")
    del headers["X-Custom"]
    assert rejected(headers, keys) == "signed header missing: x-custom"


def test_no_signature_is_rejected(keys):
    assert rejected(post_headers(), keys) == "no signature"


@pytest.mark.parametrize("digest", [
    "sha-256={sha256}",
    "SHA-256={sha256},SHA-512={sha512}",
    "SHA-512={sha512}, sha-256={sha256}",
])
def test_digest_forms_accepted(keys, digest):
    encoded = {name: base64.b64encode(getattr(hashlib, name)(BODY).digest()).decode() for name in ("sha256", "sha512")}
    headers = cavage(keys, post_headers(Digest=digest.format(**encoded)), "(request-target) host date digest")
    assert check(headers, keys).covered[-1] == "digest"


@pytest.mark.parametrize(("digest", "message"), [
    ("SHA-512={sha512}", "digest has no SHA-256"),
    ("SHA-256={sha256},SHA-512={wrong}", "digest mismatch"),
    ("SHA-256=not-base64", "digest mismatch"),
])
def test_digest_forms_rejected(keys, digest, message):
    encoded = {name: base64.b64encode(getattr(hashlib, name)(BODY).digest()).decode() for name in ("sha256", "sha512")}
    encoded["wrong"] = base64.b64encode(hashlib.sha512(b"other").digest()).decode()
    headers = cavage(keys, post_headers(Digest=digest.format(**encoded)), "(request-target) host date digest")
    assert rejected(headers, keys) == message


# --- draft-cavage-12 Appendix C (its RSA-1024 "Test" key) ----------------------------------------------

CAVAGE_TEST_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
CAVAGE_REQUEST = {
    "Host": "example.com",
    "Date": "Sun, 05 Jan 2014 21:31:40 GMT",
    "Content-Type": "application/json",
    "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "Content-Length": "18",
}
CAVAGE_C2 = ("(request-target) host date", "qdx+H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7nd"
             "mw2iicw3HMbe8VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0=")
CAVAGE_C3 = ("(request-target) host date content-type digest content-length",
             "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+"
             "TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE=")


def cavage_vector(vector) -> dict[str, str]:
    covered, signature = vector
    header = f'keyId="Test",algorithm="rsa-sha256",headers="{covered}",signature="{signature}"'
    return {**CAVAGE_REQUEST, "Signature": header}


def verify_cavage_vector(headers):
    return verify_request(method="POST", path="/foo", query="param=value&pet=dog", headers=headers,
                          body=b'{"hello": "world"}', public_key_pem=CAVAGE_TEST_PUBLIC_KEY, now=1388957500)


def test_draft_cavage_all_headers_vector_verifies():
    verified = verify_cavage_vector(cavage_vector(CAVAGE_C3))
    assert (verified.key_id, verified.covered[-1]) == ("Test", "content-length")
    tampered = {**cavage_vector(CAVAGE_C3), "Content-Length": "19"}
    with pytest.raises(SignatureError, match="signature verification failed"):
        verify_cavage_vector(tampered)


def test_draft_cavage_basic_vector_is_too_weak_for_a_post():
    with pytest.raises(SignatureError, match="digest must be signed on requests with a body"):
        verify_cavage_vector(cavage_vector(CAVAGE_C2))


# --- RFC 9421: round trips and rejections ---------------------------------------------------------------


def rfc_signed(keys, *, method="POST", url=INBOX, body=BODY, now=NOW) -> dict[str, str]:
    signed = sign_rfc9421(method=method, url=url, headers=dict(JSON), body=body, key_id=KEY_ID,
                          private_key_pem=keys.private_pem, now=now)
    return {**signed, "Host": urlsplit(url).netloc}


def test_sign_rfc9421_headers(keys):
    signed = sign_rfc9421(method="POST", url=INBOX, headers=dict(JSON), body=BODY, key_id=KEY_ID,
                          private_key_pem=keys.private_pem, now=NOW)
    assert signed["Content-Digest"] == content_digest_header(BODY)
    assert signed["Signature-Input"] == (
        f'sig1=("@method" "@target-uri" "content-digest");created={int(NOW)};keyid="{KEY_ID}";alg="rsa-v1_5-sha256"'
    )
    assert signed["Signature"].startswith("sig1=:") and signed["Signature"].endswith(":")
    assert signature_info(signed) == SignedRequestInfo(KEY_ID, "rfc9421")


@pytest.mark.parametrize("url", [INBOX, INBOX + "?page=2&only=true"])
@pytest.mark.parametrize("method", ["GET", "POST"])
def test_rfc9421_round_trip(keys, method, url):
    body = BODY if method == "POST" else None
    verified = check(rfc_signed(keys, method=method, url=url, body=body), keys, method=method, url=url,
                     body=body or b"")
    expected = ("@method", "@target-uri") + (("content-digest",) if body else ())
    assert verified == VerifiedSignature(KEY_ID, "rfc9421", "rsa-v1_5-sha256", expected)


@pytest.mark.parametrize(("signed_scheme", "verify_scheme"), [("http", "https"), ("https", "http")])
def test_rfc9421_tries_both_schemes_behind_a_proxy(keys, signed_scheme, verify_scheme):
    url = f"{signed_scheme}://example.com/users/alice/inbox"
    assert check(rfc_signed(keys, url=url), keys, url=url, scheme=verify_scheme).scheme == "rfc9421"


def test_rfc9421_tampered_body_is_rejected(keys):
    assert rejected(rfc_signed(keys), keys, body=BODY + b" ") == "content-digest mismatch"


def test_rfc9421_other_path_is_rejected(keys):
    assert rejected(rfc_signed(keys), keys, url=INBOX.replace("alice", "carol")) == "signature verification failed"


def test_rfc9421_signature_from_another_key_is_rejected(keys, attacker):
    assert rejected(rfc_signed(attacker), keys) == "signature verification failed"


@pytest.mark.parametrize(("offset", "message"), [(-7200, "created is too old"), (7200, "created is in the future")])
def test_rfc9421_created_outside_window_is_rejected(keys, offset, message):
    assert rejected(rfc_signed(keys, now=NOW + offset), keys) == message


def test_rfc9421_unsupported_alg_is_rejected(keys):
    signed = rfc_signed(keys)
    signed["Signature-Input"] = signed["Signature-Input"].replace("rsa-v1_5-sha256", "hmac-sha256")
    assert rejected(signed, keys) == "unsupported algorithm hmac-sha256"


def test_rfc9421_malformed_signature_input_is_rejected(keys):
    signed = {**rfc_signed(keys), "Signature-Input": "sig1=(unterminated"}
    assert rejected(signed, keys) == "malformed signature-input header"


def test_rfc9421_first_acceptable_label_is_used(keys):
    signed = rfc_signed(keys)
    signed["Signature-Input"] = 'weak=("date");created=1;keyid="https://other/key", ' + signed["Signature-Input"]
    signed["Signature"] = "weak=:AAAA:, " + signed["Signature"]
    assert signature_info(signed).key_id == KEY_ID
    assert check(signed, keys).covered == ("@method", "@target-uri", "content-digest")


def library_signed(keys, *, components, sign_body=True, expires=None, extra=None) -> dict[str, str]:
    """A request signed by http-message-signatures, which lets us choose any covered components."""
    request = requests.Request("POST", INBOX, data=BODY, headers={**JSON, **(extra or {})}).prepare()
    resolver = MappingKeyResolver(public_keys={}, private_keys={KEY_ID: keys.private_key})
    HTTPMessageSigner(signature_algorithm=RSA_V1_5_SHA256, key_resolver=resolver).sign(
        request, key_id=KEY_ID, created=datetime.fromtimestamp(NOW, UTC), covered_component_ids=components,
        body=BODY if sign_body else None, expires=expires and datetime.fromtimestamp(expires, UTC),
    )
    return {**request.headers, "Host": "example.com"}


@pytest.mark.parametrize(("components", "sign_body", "message"), [
    (("@target-uri",), True, "@method must be signed"),
    (("@method", "@path"), True, "@target-uri must be signed"),
    (("@method", "@target-uri"), False, "content-digest must be signed on requests with a body"),
])
def test_rfc9421_weak_coverage_is_rejected(keys, components, sign_body, message):
    assert rejected(library_signed(keys, components=components, sign_body=sign_body), keys) == message


def test_rfc9421_signed_header_missing_from_request_is_rejected(keys):
    headers = library_signed(keys, components=("@method", "@target-uri", "x-custom"), extra={"X-Custom": "1"})
    del headers["X-Custom"]
    assert rejected(headers, keys) == "signed header missing: x-custom"


def test_rfc9421_expired_signature_is_rejected(keys):
    headers = library_signed(keys, components=("@method", "@target-uri"), expires=NOW - 1)
    assert rejected(headers, keys) == "signature expired"


# --- RFC 9421 Appendix B ---------------------------------------------------------------------------------

RFC_RSA_PSS_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""
RFC_ED25519_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""
RFC_ED25519_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""
RFC_CONTENT_DIGEST = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
RFC_REQUEST = {  # Appendix B.2: POST /foo?param=Value&Pet=dog with body {"hello": "world"}
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": RFC_CONTENT_DIGEST,
    "Content-Length": "18",
}
RFC_TARGET = Target("POST", "https", "example.com", "/foo", "param=Value&Pet=dog")
RFC_CREATED = 1618884473
RFC_VECTORS = {
    "B.2.1": ('sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"',
              "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wgGxbtRxf8Udx"
              "7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFWhzx2VjBqJzsPLMIQKhO4D"
              "GezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/S"
              "ITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:"),
    "B.2.2": ('sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473'
              ';keyid="test-key-rsa-pss";tag="header-example"',
              "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtjvuJyE5qH7KT"
              "8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17SARYhpTlaqwZVtR8NV7+"
              "4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQos"
              "MTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:"),
    "B.2.3": ('sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest" '
              '"content-length");created=1618884473;keyid="test-key-rsa-pss"',
              "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt683+qRpRRU5p2"
              "voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXm"
              "IkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJ"
              "pvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:"),
    "B.2.6": ('sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473'
              ';keyid="test-key-ed25519"',
              "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"),
}
B26_SIGNATURE_BASE = (
    b'"date": Tue, 20 Apr 2021 02:07:55 GMT\n"@method": POST\n"@path": /foo\n"@authority": example.com\n'
    b'"content-type": application/json\n"content-length": 18\n"@signature-params": ("date" "@method" "@path" '
    b'"@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"'
)


def rfc_vector(section) -> dict[str, str]:
    signature_input, signature = RFC_VECTORS[section]
    return {**RFC_REQUEST, "Signature-Input": signature_input, "Signature": signature}


@pytest.mark.parametrize("section", sorted(RFC_VECTORS))
def test_rfc9421_appendix_b_published_signatures_verify(section):
    algorithm, pem = ("ed25519", RFC_ED25519_PUBLIC_KEY) if section == "B.2.6" else ("rsa-pss-sha512", RFC_RSA_PSS_PUBLIC_KEY)
    label = parse_labels(lower_keys(rfc_vector(section)))[0]
    base = signature_base(label.components, RFC_TARGET, lower_keys(rfc_vector(section)))
    assert verify_bytes(algorithm, load_public_key(pem), label.signature, base)
    assert not verify_bytes(algorithm, load_public_key(pem), label.signature, base + b" ")


def test_rfc9421_b26_signature_base_and_signature_reproduced_byte_for_byte():
    label = parse_labels(lower_keys(rfc_vector("B.2.6")))[0]
    base = signature_base(label.components, RFC_TARGET, lower_keys(rfc_vector("B.2.6")))
    assert base == B26_SIGNATURE_BASE
    private_key = serialization.load_pem_private_key(RFC_ED25519_PRIVATE_KEY.encode(), password=None)
    assert private_key.sign(base) == label.signature  # Ed25519 is deterministic


def test_rfc9421_b23_full_coverage_passes_verify_request():
    verified = verify_request(method="POST", path="/foo", query="param=Value&Pet=dog", headers=rfc_vector("B.2.3"),
                              body=b'{"hello": "world"}', public_key_pem=RFC_RSA_PSS_PUBLIC_KEY, now=RFC_CREATED)
    assert (verified.key_id, verified.algorithm) == ("test-key-rsa-pss", "rsa-pss-sha512")
    with pytest.raises(SignatureError, match="content-digest mismatch"):
        verify_request(method="POST", path="/foo", query="param=Value&Pet=dog", headers=rfc_vector("B.2.3"),
                       body=b'{"hello": "World"}', public_key_pem=RFC_RSA_PSS_PUBLIC_KEY, now=RFC_CREATED)


@pytest.mark.parametrize(("section", "query", "message"), [
    ("B.2.1", "param=Value&Pet=dog", "@method must be signed"),
    ("B.2.2", "param=Value&Pet=dog", "@method must be signed"),
    ("B.2.6", "param=Value&Pet=dog", "@query must be signed"),
    ("B.2.6", "", "content-digest must be signed on requests with a body"),
])
def test_rfc9421_appendix_b_vectors_too_weak_for_an_inbox(section, query, message):
    pem = RFC_ED25519_PUBLIC_KEY if section == "B.2.6" else RFC_RSA_PSS_PUBLIC_KEY
    with pytest.raises(SignatureError) as info:
        verify_request(method="POST", path="/foo", query=query, headers=rfc_vector(section),
                       body=b'{"hello": "world"}', public_key_pem=pem, now=RFC_CREATED)
    assert str(info.value) == message


# --- third-party cross-checks ---------------------------------------------------------------------------


def test_our_rfc9421_signature_verifies_with_http_message_signatures(keys):
    signed = sign_rfc9421(method="POST", url=INBOX, headers=dict(JSON), body=BODY, key_id=KEY_ID,
                          private_key_pem=keys.private_pem)
    resolver = MappingKeyResolver(public_keys={KEY_ID: keys.private_key.public_key()}, private_keys={})
    verifier = HTTPMessageVerifier(signature_algorithm=RSA_V1_5_SHA256, key_resolver=resolver)
    request = requests.Request("POST", INBOX, data=BODY, headers=signed).prepare()
    [result] = verifier.verify(request, require_components=("@method", "@target-uri", "content-digest"), body=BODY)
    assert result.parameters["keyid"] == KEY_ID and result.body == BODY
    with pytest.raises(InvalidSignature):
        verifier.verify(requests.Request("POST", INBOX + "x", data=BODY, headers=signed).prepare(), body=BODY)


def test_http_message_signatures_signature_verifies_with_ours(keys):
    request = requests.Request("POST", INBOX + "?a=1", data=BODY, headers=dict(JSON)).prepare()
    resolver = MappingKeyResolver(public_keys={}, private_keys={KEY_ID: keys.private_key})
    HTTPMessageSigner(signature_algorithm=RSA_V1_5_SHA256, key_resolver=resolver).sign(
        request, key_id=KEY_ID, covered_component_ids=("@method", "@target-uri"), body=BODY, label="lib")
    headers = {**request.headers, "Host": "example.com"}
    verified = check(headers, keys, url=INBOX + "?a=1", now=None)
    assert verified == VerifiedSignature(KEY_ID, "rfc9421", "rsa-v1_5-sha256", ("@method", "@target-uri", "content-digest"))
    assert rejected(headers, keys, url=INBOX + "?a=2", now=None) == "signature verification failed"


def test_our_cavage_signature_verifies_with_apsig(keys):
    verify = pytest.importorskip("apsig.draft.verify")
    signed = sign_cavage(method="POST", url=INBOX, headers=dict(JSON), body=BODY, key_id=KEY_ID,
                         private_key_pem=keys.private_pem)
    assert verify.Verifier(keys.public_pem, "POST", INBOX, signed, BODY).verify(raise_on_fail=True) == KEY_ID
    tampered = {**signed, "Content-Type": "text/plain"}
    with pytest.raises(Exception, match="Invalid signature"):
        verify.Verifier(keys.public_pem, "POST", INBOX, tampered, BODY).verify(raise_on_fail=True)


def test_apsig_cavage_signature_verifies_with_ours(keys):
    sign = pytest.importorskip("apsig.draft.sign")
    headers = sign.Signer(headers=dict(JSON), private_key=keys.private_key, method="POST", url=INBOX,
                          key_id=KEY_ID, body=BODY).sign()
    verified = check(headers, keys, now=None)
    assert (verified.key_id, verified.covered) == (KEY_ID, ("(request-target)", "date", "host", "digest"))
    assert rejected(headers, keys, body=BODY + b"\n", now=None) == "digest mismatch"
