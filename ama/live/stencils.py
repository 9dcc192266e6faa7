"""A new question's fragment without the template engine: the inbox worker renders one for each reply it turns
into a shown question, once per site language, and the engine's ~1 ms a render was most of a reply's cost.

Every new question renders the same ama/_question.html markup (no answers, votes, badges, follow-ups; an
anonymous viewer) around a few values of its own: its id, its author's picture, profile link, name, handle and
server, its time and its text. So the template is rendered once per AMA, page language and shape (the question's
language, whether its author has a profile link) for a stand-in question whose values are markers; the output
split at the markers is the stencil, and each new question fills the holes with its values, escaped as the
template escapes them. A stencil is kept only if filling it for the question it was made for gives exactly
what the engine renders for that question; otherwise that shape always goes to the engine. Any question that
is not plainly new (fragments.just_created, nothing else set) goes to the engine too.

tests/ama/test_live_stencils.py holds the contract: for questions of every shape, fill == the engine's render.
A change of _question.html that makes a new question's markup depend on something not in the key below must
make that test fail (add the value there as a case, then here as a key or a hole)."""

import functools
import logging
import re
import threading
from datetime import UTC, datetime
from types import SimpleNamespace

from django.template.defaultfilters import date as date_filter
from django.utils.formats import get_format
from django.utils.html import conditional_escape
from django.utils.timezone import template_localtime
from django.utils.translation import get_language

from ..mentions import question_display_html
from ..models import Question
from ..templatetags.avatars import avatar
from ..templatetags.links import safe_href

log = logging.getLogger(__name__)

AVATAR_SIZE = 40  # as _question.html asks ({% avatar question.author 40 %})
TIME_FORMATS = {"time_iso": "c", "time_shown": "DATETIME_FORMAT"}  # as _question.html formats received_at
MARKER_PK, MARKER_PARENT = 987_654_321_987_654_321, 876_543_218_765_432_187
MARKER_TIME = datetime(1999, 12, 31, 23, 58, 57, 123456, tzinfo=UTC)
MARKERS = {"name": "zqxmarkernamezqx", "username": "zqxmarkerusernamezqx", "server": "zqxmarkerserverzqx",
           "profile": "https://zqxmarkerprofilezqx.invalid/p", "body": "zqxmarkerbodyzqx"}
MAX_STENCILS = 512  # a bound: question languages come from strangers

_stencils: dict[tuple, list[str] | None] = {}  # key → parts (literal, hole, literal, hole, …); None: use the engine
_lock = threading.Lock()


def new_question_html(row: Question, render) -> str:
    """The fragment of `row` (a question created in this transaction, read from itself) as `render(row)` (the
    engine) gives it, from a stencil when its shape has one."""
    if not _plainly_new(row):
        return render(row)
    key = _key(row)
    parts = _stencils.get(key, ())
    if parts is None:
        return render(row)
    if parts:
        return _fill(parts, row)
    return _made_and_checked(key, row, render)


def _plainly_new(row: Question) -> bool:
    """Shown, and nothing happened to it yet: what the stand-in holds constant."""
    return (row.state == Question.State.PUBLISHED and not (row.answered_at or row.starred or row.now_answering
                                                           or row.is_edited or row.display_html or row.answered_note)
            and row.score == 0 and not row.remote_like_count and row.live_answers == [] and row.shown_follow_ups == [])


def _key(row: Question) -> tuple:
    ama = row.ama
    return (get_language(), ama.pk, ama.slug, ama.language, row.language, bool(_profile(row.author)),
            row.parent_id is not None)


def _profile(author) -> str:
    """The author's link as _question.html picks it (url, else ap_id, each only if http(s))."""
    return safe_href(safe_href(author.url) or author.ap_id)


def _values(row: Question) -> dict[str, str]:
    """The holes' values; all but the shown time are the same in every language, so they are taken once per row
    (kept on it under SAME_IN_EVERY_LANGUAGE: fragments.just_created drops them with the rest)."""
    same = row.__dict__.get(SAME_IN_EVERY_LANGUAGE)
    if same is None:
        author = row.author
        same = row.__dict__[SAME_IN_EVERY_LANGUAGE] = {
            "pk": str(row.pk), "parent": str(row.parent_id or ""), "avatar": avatar(author, AVATAR_SIZE),
            "name": conditional_escape(author.display_name or author.username),
            "username": conditional_escape(author.username),
            "server": conditional_escape(author.handle_domain or author.domain),
            "profile": conditional_escape(_profile(author)), "body": question_display_html(row, row.ama),
            "time_iso": template_localtime(row.received_at).isoformat()}  # what the "c" format gives, without it
    return same | {"time_shown": _shown_time(template_localtime(row.received_at))}


def _shown_time(moment: datetime) -> str:
    """The time as _question.html shows it (DATETIME_FORMAT). The formatter took a fifth of a fragment's fill; a
    burst's new questions mostly share a minute, so where the format shows nothing finer than minutes, each
    (language, time zone, minute) is formatted once."""
    spec = TIME_FORMATS["time_shown"]
    shape = get_format(spec)
    if FINER_THAN_MINUTES & set(shape):
        return date_filter(moment, spec)
    return _shown_minute(get_language(), shape, str(moment.tzinfo), moment.replace(second=0, microsecond=0))


FINER_THAN_MINUTES = frozenset("sucrUv")  # the format characters that show seconds or less (or that may: escaped
# letters count too, which only costs the cache)


@functools.lru_cache(maxsize=128)
def _shown_minute(_language: str, _shape: str, _zone: str, minute: datetime) -> str:
    return date_filter(minute, TIME_FORMATS["time_shown"])


SAME_IN_EVERY_LANGUAGE = "_stencil_values"


def _fill(parts: list[str], row: Question) -> str:
    values = _values(row)
    return "".join(part if i % 2 == 0 else values[part] for i, part in enumerate(parts))


def _made_and_checked(key: tuple, row: Question, render) -> str:
    rendered = render(row)
    parts = _stencil(row, render)
    if parts is not None and _fill(parts, row) != rendered:
        log.warning("new question fragments of shape %s are rendered by the engine: the stencil does not match", key)
        parts = None
    with _lock:
        if len(_stencils) >= MAX_STENCILS:
            _stencils.clear()
        _stencils[key] = parts
    return rendered


def _stencil(row: Question, render) -> list[str] | None:
    """The template rendered for a stand-in of `row` and split at its markers into literal text and holes; None
    when a marker cannot be told apart (it is missing or repeated where one place was expected)."""
    stand_in = _stand_in(row)
    html = render(stand_in)
    found = {str(MARKER_PK): "pk", str(MARKER_PARENT): "parent"}
    exactly_once = {avatar(stand_in.author, AVATAR_SIZE): "avatar",
                    **{date_filter(template_localtime(MARKER_TIME), spec): hole for hole, spec in TIME_FORMATS.items()},
                    **{conditional_escape(marker): hole for hole, marker in MARKERS.items()}}
    if not _profile(row.author):
        exactly_once.pop(MARKERS["profile"])  # no link: the marker is not rendered
    if any(html.count(text) != 1 for text in exactly_once):
        return None
    holes = found | exactly_once
    pattern = "(" + "|".join(re.escape(text) for text in sorted(holes, key=len, reverse=True)) + ")"
    return [part if i % 2 == 0 else holes[part] for i, part in enumerate(re.split(pattern, html))]


def _stand_in(row: Question) -> SimpleNamespace:
    """`row` with markers for its own values; no Actor, so the avatar tag gives its placeholder and fetches
    nothing."""
    profile = MARKERS["profile"] if _profile(row.author) else ""
    author = SimpleNamespace(pk=None, ap_id=profile, url=profile, display_name=MARKERS["name"],
                             username=MARKERS["username"], handle_domain=MARKERS["server"], domain=MARKERS["server"],
                             handle=MARKERS["username"])
    return SimpleNamespace(
        pk=MARKER_PK, parent_id=MARKER_PARENT if row.parent_id is not None else None, ama=row.ama, author=author,
        language=row.language, state=row.state, received_at=MARKER_TIME, shown_html=MARKERS["body"],
        content_html=MARKERS["body"], display_html="", answered_at=None, starred=False, now_answering=False,
        is_edited=False, answered_note="", score=0, vote_count=0, remote_like_count=0, live_answers=[],
        shown_follow_ups=[])
