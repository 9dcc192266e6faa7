"""The languages posts are written in, as the fediverse tags them: ISO 639-1 codes. Lemmy, Mbin and PieFed send
`language: {identifier, name}` (schema.org Language; "und" when undetermined); Mastodon, Akkoma, Mbin and
GoToSocial key `contentMap` by a BCP 47 tag. Everything is brought down to a known two-letter code, or ""."""

from django.conf.locale import LANG_INFO
from django.utils.translation import gettext

# Django's table names the languages it knows; Chinese is there only as its scripts (zh-hans, zh-hant).
NAMES: dict[str, tuple[str, str]] = {
    code: (info["name"], info["name_local"]) for code, info in LANG_INFO.items() if len(code) == 2 and "name" in info
} | {"zh": ("Chinese", "中文")}


def iso_code(tag) -> str:
    """"fr", "fr-CA", "FR_fr" → "fr"; "und", "xx", "fra", non-strings → ""."""
    if not isinstance(tag, str):
        return ""
    code = tag.strip().replace("_", "-").split("-", 1)[0].lower()
    return code if code in NAMES else ""


def name_of(code: str) -> str:
    """The language's name in the active language ("French", "français"), or the code when unknown."""
    return gettext(NAMES[code][0]) if code in NAMES else code


def native_name(code: str) -> str:
    """The language's name in itself, capitalised as Lemmy sends it ("Français")."""
    local = NAMES[code][1] if code in NAMES else code
    return local[:1].upper() + local[1:]


def choices() -> list[tuple[str, str]]:
    """(code, "name — native name") for every known language, by name in the active language: a form's choices."""
    labelled = [(code, name_of(code), native_name(code)) for code in NAMES]
    return [(code, name if name.lower() == local.lower() else f"{name} — {local}")
            for code, name, local in sorted(labelled, key=lambda row: row[1].lower())]


def lemmy_language(code: str) -> dict | None:
    """The `language` property Lemmy puts on a post or comment; None when the code is not a known language."""
    return {"identifier": code, "name": native_name(code)} if code in NAMES else None


def declared_language(obj: dict) -> str:
    """The language an object declares: Lemmy's `language` (object, or the first of a list), else the key of its
    `contentMap` (the single one, or the first)."""
    tag = obj.get("language")
    if isinstance(tag, list):
        tag = next((item for item in tag if isinstance(item, dict)), None)
    if isinstance(tag, dict) and (code := iso_code(tag.get("identifier"))):
        return code
    content_map = obj.get("contentMap")
    if isinstance(content_map, dict) and content_map:
        return iso_code(next(iter(content_map)))
    return ""
