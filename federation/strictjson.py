"""Strict JSON for untrusted bodies: objects only, no duplicate keys, no NaN/Infinity (nor numbers that
overflow to it), bounded nesting, and nothing PostgreSQL's jsonb refuses (NUL, lone surrogates)."""

import json
import math
import re

MAX_DEPTH = 32

# a JSON string, with its escapes; replaced by "" before brackets are counted
_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # runs between escapes: fast over long text
_BRACKETS = re.compile(r"[\[\]{}]")
# \u0000 or a UTF-16 surrogate escape: rare, so the exact (slower) check only runs when one is present
_SUSPECT_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F])")


class BadJSON(ValueError):
    pass


def _no_duplicates(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        seen = set()
        for key, _value in pairs:
            if key in seen:
                raise BadJSON(f"duplicate key {key[:60]!r}")
            seen.add(key)
    return result


def _no_constants(name):
    raise BadJSON(f"{name} is not valid JSON")


def _finite(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise BadJSON(f"number {text[:20]}… is out of range")
    return value


# built once: json.loads with these arguments builds a decoder and its scanner on every call
_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constants, parse_float=_finite)


def _depth_within(raw: str, limit: int) -> bool:
    """Bracket depth outside strings, checked before parsing so deep input never reaches the parser.
    Cheap when the body has fewer brackets than the limit (almost every activity)."""
    if raw.count("{") + raw.count("[") <= limit:
        return True
    depth = 0
    for match in _BRACKETS.finditer(_STRING.sub('""', raw)):
        if match[0] in "[{":
            depth += 1
            if depth > limit:
                return False
        else:
            depth -= 1
    return True


def _storable(value) -> bool:
    """False when a string holds NUL or a lone surrogate (jsonb and UTF-8 cannot hold them)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            if "\x00" in item:
                return False
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
    return True


def parse_object(body: bytes) -> dict:
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadJSON("body is not UTF-8") from error
    if not _depth_within(raw, MAX_DEPTH):
        raise BadJSON(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        value = _DECODER.decode(raw)
    except BadJSON:
        raise
    except (ValueError, RecursionError) as error:
        raise BadJSON(f"invalid JSON: {error}"[:200]) from error
    if not isinstance(value, dict):
        raise BadJSON(f"expected a JSON object, got {type(value).__name__}")
    if _SUSPECT_ESCAPE.search(raw) and not _storable(value):
        raise BadJSON("JSON string holds NUL or an unpaired surrogate")
    return value
