"""An AMA's figures drawn as SVG charts (pygal): questions and votes over time, answered and waiting, time to
answer, askers' languages and servers. Two scopes: "public" counts only the questions the page shows; "team"
(for who can moderate) counts every question received, with those waiting for review and the rejected ones.

Servers are grouped by the askers' domain: the software a remote server runs (its NodeInfo) is not stored.
Charts have no script (`js=[]`) and a transparent background; the dark theme changes only the colours."""

from collections import Counter
from datetime import timedelta

import pygal
from django.db.models import Count
from django.utils import formats
from django.utils.translation import gettext as _
from pygal.etree import etree  # lxml's or the standard library's, as pygal draws
from pygal.style import Style

from .models import Ama, Question, Vote

SCOPES = ("public", "team")
THEMES = ("light", "dark")
TOP_GROUPS = 10  # the largest languages or servers drawn; the others are summed as one bar
HOURLY_SPAN = timedelta(days=3)  # activity drawn per hour up to this span, per day beyond
ANSWER_TIME_LIMITS = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=3), timedelta(hours=12),
                      timedelta(days=1))
PALETTE = ("#2f7fd8", "#e8862a", "#3aa55d", "#d64f6a", "#8f6bd1", "#8a8a8a")


def _style(theme: str) -> Style:
    ink = "#eeeeee" if theme == "dark" else "#1d1d1d"
    return Style(background="transparent", plot_background="transparent", foreground=ink,
                 foreground_strong=ink, foreground_subtle="#888888", colors=PALETTE,
                 font_family="system-ui, sans-serif", opacity=".85", opacity_hover=".95")


def _config(theme: str, title: str) -> dict:
    return {"style": _style(theme), "js": [], "title": title, "no_data_text": _("No data yet"),
            "disable_xml_declaration": True, "width": 720, "height": 360, "legend_at_bottom": True,
            "print_values": False, "truncate_label": 24, "truncate_legend": 40}


def _drawn(chart) -> str:
    """The chart's SVG without pygal's configuration <script> (kept even with `js=[]`)."""
    tree = chart.render_tree()
    for parent in list(tree.iter()):
        for script in [child for child in parent if child.tag == "script"]:
            parent.remove(script)
    return etree.tostring(tree, encoding="unicode")


def questions_of(ama: Ama, scope: str):
    rows = Question.objects.filter(ama=ama)
    return rows.shown() if scope == "public" else rows.exclude(state=Question.State.MERGED)


def _bucket(moment, hourly: bool):
    return moment.replace(minute=0, second=0, microsecond=0) if hourly else moment.date()


def _label(bucket, hourly: bool) -> str:
    return formats.date_format(bucket, "SHORT_DATETIME_FORMAT" if hourly else "SHORT_DATE_FORMAT")


def _timeline(ama: Ama, scope: str) -> tuple[list[str], list[int], list[int]]:
    """(bucket labels, questions per bucket, votes per bucket) from the first question to the last vote."""
    asked = list(questions_of(ama, scope).values_list("received_at", flat=True))
    voted = list(Vote.objects.filter(question__in=questions_of(ama, scope)).values_list("created_at", flat=True))
    moments = asked + voted
    if not moments:
        return [], [], []
    hourly = max(moments) - min(moments) <= HOURLY_SPAN
    step = timedelta(hours=1) if hourly else timedelta(days=1)
    buckets, cursor = [], _bucket(min(moments), hourly)
    while cursor <= _bucket(max(moments), hourly):
        buckets.append(cursor)
        cursor += step
    questions = Counter(_bucket(m, hourly) for m in asked)
    votes = Counter(_bucket(m, hourly) for m in voted)
    return [_label(b, hourly) for b in buckets], [questions[b] for b in buckets], [votes[b] for b in buckets]


def activity(ama: Ama, scope: str, theme: str) -> str:
    chart = pygal.Line(**_config(theme, titles()["activity"]), fill=False, dots_size=2,
                       show_minor_x_labels=False)
    labels, questions, votes = _timeline(ama, scope)
    if labels:
        chart.x_labels = labels
        chart.x_labels_major_count = 8
        chart.add(_("Questions"), questions)
        chart.add(_("Votes"), votes)
    return _drawn(chart)


def _states(ama: Ama, scope: str) -> list[tuple[str, int]]:
    rows = questions_of(ama, scope)
    shown = Question.objects.filter(ama=ama).shown()
    counts = [(_("Answered"), shown.answered().count()), (_("Waiting for an answer"), shown.unanswered().count())]
    if scope == "team":
        counts += [(_("Waiting for review"), rows.pending().count()),
                   (_("Rejected"), rows.filter(state=Question.State.REJECTED).count())]
    return counts


def status(ama: Ama, scope: str, theme: str) -> str:
    chart = pygal.Pie(**_config(theme, titles()["status"]), inner_radius=.4)
    for title, count in _states(ama, scope):
        if count:
            chart.add(title, count)
    return _drawn(chart)


def _answer_time_labels() -> list[str]:
    return [_("under 15 min"), _("15 to 60 min"), _("1 to 3 h"), _("3 to 12 h"), _("12 to 24 h"),
            _("over a day")]


def _answer_time_index(delay: timedelta) -> int:
    return next((i for i, limit in enumerate(ANSWER_TIME_LIMITS) if delay < limit), len(ANSWER_TIME_LIMITS))


def answer_time(ama: Ama, scope: str, theme: str) -> str:
    chart = pygal.Bar(**_config(theme, titles()["answer-time"]))
    rows = questions_of(ama, scope).answered().values_list("received_at", "answered_at")
    counts = Counter(_answer_time_index(answered - received) for received, answered in rows)
    if counts:
        chart.x_labels = _answer_time_labels()
        chart.add(_("Answered questions"), [counts[i] for i in range(len(ANSWER_TIME_LIMITS) + 1)])
    return _drawn(chart)


def _top(pairs: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The TOP_GROUPS largest groups, the rest summed as "others"."""
    pairs = sorted(pairs, key=lambda pair: (-pair[1], pair[0]))
    rest = sum(count for _name, count in pairs[TOP_GROUPS:])
    return pairs[:TOP_GROUPS] + ([(_("others"), rest)] if rest else [])


def _grouped(ama: Ama, scope: str, field: str, title: str, series: str, theme: str) -> str:
    chart = pygal.HorizontalBar(**_config(theme, title))
    rows = questions_of(ama, scope).values(field).annotate(n=Count("pk")).values_list(field, "n")
    for name, count in _top([(name or _("unknown"), count) for name, count in rows]):
        chart.add(name, count)
    chart.legend_at_bottom, chart.legend_box_size = False, 10
    return _drawn(chart) if rows else _empty(chart, series)


def _empty(chart, series: str) -> str:
    chart.add(series, [])
    return _drawn(chart)


def languages(ama: Ama, scope: str, theme: str) -> str:
    return _grouped(ama, scope, "language", titles()["languages"], _("Languages"), theme)


def servers(ama: Ama, scope: str, theme: str) -> str:
    return _grouped(ama, scope, "author__domain", titles()["servers"], _("Servers"), theme)


def titles() -> dict[str, str]:
    """Each chart's name and its title (the text alternative of its image)."""
    return {"activity": _("Questions and votes over time"), "status": _("Answered and waiting"),
            "answer-time": _("Time to answer"), "languages": _("Questions by language"),
            "servers": _("Askers' questions by server")}


CHARTS = {"activity": activity, "status": status, "answer-time": answer_time, "languages": languages,
          "servers": servers}
