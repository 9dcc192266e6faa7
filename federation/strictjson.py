"""Strict JSON for untrusted bodies: objects only, no duplicate keys, no NaN/Infinity, bounded nesting."""

import json

MAX_DEPTH = 32


class BadJSON(ValueError):
    pass


def _no_duplicates(pairs):
    result = {}
    for key, value in pairs:
        if key in result:
            raise BadJSON(f"duplicate key {key!r}")
        result[key] = value
    return result


def _no_constants(name):
    raise BadJSON(f"{name} is not valid JSON")


def _depth_within(raw: str, limit: int) -> bool:
    """Bracket depth outside strings, checked before parsing so deep input never reaches the parser."""
    depth, in_string, escaped = 0, False, False
    for char in raw:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return False
        elif char in "]}":
            depth -= 1
    return True


def parse_object(body: bytes) -> dict:
    try:
        raw = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise BadJSON("body is not UTF-8") from error
    if not _depth_within(raw, MAX_DEPTH):
        raise BadJSON(f"JSON nested deeper than {MAX_DEPTH} levels")
    try:
        value = json.loads(raw, object_pairs_hook=_no_duplicates, parse_constant=_no_constants)
    except BadJSON:
        raise
    except (ValueError, RecursionError) as error:
        raise BadJSON(f"invalid JSON: {error}") from error
    if not isinstance(value, dict):
        raise BadJSON(f"expected a JSON object, got {type(value).__name__}")
    return value
