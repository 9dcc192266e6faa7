"""Remote URLs are data from a stranger: the one check every URL we take from another server goes through.

Only an absolute http(s) URL with a host is kept; everything else (javascript:, data:, vbscript:, relative or
scheme-less paths, spaces or control characters a browser would strip before reading the scheme) is None.
The check runs where a URL enters (actor documents, notes) and again where one is rendered (ama's `safe_href`
filter, the API), so a row stored before it existed is harmless too."""

from urllib.parse import urlsplit

MAX_LENGTH = 500  # the URL columns' size: a longer URL is refused, never cut into another one
_NESTING = 3  # a Link inside an Image inside a list is as deep as real servers go


def http_url(value) -> str | None:
    """The first usable http(s) URL in an AS2 value: a string, a Link (`href`) or object (`url`), or a list."""
    return _first(value, _NESTING)


def _first(value, depth: int) -> str | None:
    if isinstance(value, str):
        return _checked(value)
    if depth <= 0:
        return None
    if isinstance(value, dict):
        return _first(value.get("href"), depth - 1) or _first(value.get("url"), depth - 1)
    if isinstance(value, list):
        return next((found for item in value if (found := _first(item, depth - 1))), None)
    return None


def _checked(url: str) -> str | None:
    if len(url) > MAX_LENGTH or any(char.isspace() or not char.isprintable() for char in url):
        return None
    if not url.lower().startswith(("https://", "http://")) or "\\" in url:
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a malformed port
    except ValueError:
        return None
    return url if parts.hostname else None
