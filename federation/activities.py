"""The AS2 subset we speak: tolerant readers (str | list | object) and small builders."""

import functools
import uuid
from urllib.parse import urlsplit

from .languages import declared_language
from .urls_helper import absolute

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"
PUBLIC = "https://www.w3.org/ns/activitystreams#Public"
PUBLIC_FORMS = {PUBLIC, "as:Public", "Public"}


class InvalidActivity(ValueError):
    """The activity's shape is wrong; the reason is safe to show to the sender."""


def as_list(value) -> list:
    """AS2 properties may be a single value, a list, or absent."""
    if value is None:
        return []
    if isinstance(value, list):
        return value
    return [value]


def id_of(value) -> str | None:
    """The id of a link or an embedded object; None when there is none."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, dict):
        found = value.get("id") or value.get("href")
        return found if isinstance(found, str) and found else None
    if isinstance(value, list) and len(value) == 1:
        return id_of(value[0])
    return None


def ids_of(value) -> list[str]:
    return [found for item in as_list(value) if (found := id_of(item))]


def type_of(value) -> str:
    """The first type name of an object ("" for links and unknown shapes)."""
    if isinstance(value, dict):
        kind = value.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if isinstance(k, str)), "")
        return kind if isinstance(kind, str) else ""
    return ""


def host_of(url: str | None) -> str:
    """Lower-case host[:port] of a URL; "" if it has none."""
    if not url or not isinstance(url, str):
        return ""
    return _host_of(url)


@functools.lru_cache(maxsize=4096)  # an inbox request asks it of the same actor's URLs several times
def _host_of(url: str) -> str:
    try:
        return (urlsplit(url).netloc.rsplit("@", 1)[-1]).lower()
    except ValueError:
        return ""


def is_public(activity_or_object: dict) -> bool:
    audience = ids_of(activity_or_object.get("to")) + ids_of(activity_or_object.get("cc"))
    return any(a in PUBLIC_FORMS for a in audience)


def actor_of(activity: dict) -> str:
    actor = id_of(activity.get("actor"))
    if not actor:
        raise InvalidActivity("activity has no actor")
    return actor


def text_of(obj: dict, *names: str) -> str:
    for name in names:
        value = obj.get(name)
        if isinstance(value, str):
            return value
    return ""


def content_and_language(obj: dict) -> tuple[str, str]:
    """HTML content and its language: `content`, else the first `contentMap` entry; Misskey's MFM as fallback.
    The language is an ISO 639-1 code from Lemmy's `language` or the contentMap key ("" when unknown or "und")."""
    content = text_of(obj, "content")
    content_map = obj.get("contentMap")
    if not content and isinstance(content_map, dict) and content_map:
        mapped = next(iter(content_map.values()))
        content = mapped if isinstance(mapped, str) else ""
    if not content:
        content = text_of(obj, "_misskey_content", "source") if isinstance(obj.get("source"), str) else text_of(
            obj, "_misskey_content")
    return content, declared_language(obj)


def new_id(kind: str = "activities") -> str:
    return absolute(f"/{kind}/{uuid.uuid4()}")


def activity(kind: str, *, actor: str, obj, to=None, cc=None, ap_id: str | None = None, **extra) -> dict:
    body = {
        "@context": AS_CONTEXT,
        "id": ap_id or new_id(),
        "type": kind,
        "actor": actor,
        "object": obj,
    }
    if to is not None:
        body["to"] = as_list(to)
    if cc is not None:
        body["cc"] = as_list(cc)
    body.update(extra)
    return body
