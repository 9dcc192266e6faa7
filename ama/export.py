"""An AMA's Q&A as data: `build` makes the rows once (plain, JSON-ready dicts), and JSON, CSV and Markdown are
rendered from them. The public export holds what the AMA page shows (shown questions, and those deleted by
their author that keep an answer, without their text); a moderator's holds every question with its moderation
state. Served by the API (ama/api/export.py) and linked from the AMA page."""

import csv
import io
import re

from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from .activitypub import ids
from .mentions import question_display_html
from .models import Ama, Answer, Question
from .text import plain_text

FORMATS = ("json", "csv", "md")
CSV_COLUMNS = ["id", "parent", "permalink", "asked_by", "asker_name", "question", "language", "score", "votes_here",
               "remote_votes", "received_at", "published_at", "answered_at", "answered_by", "answer"]
MODERATION_COLUMNS = ["state", "held_by", "reject_reason", "is_late"]


def _time(value) -> str | None:
    return value.isoformat() if value else None


def _person(actor) -> dict:
    return {"handle": actor.handle, "name": actor.display_name or actor.username, "ap_id": actor.ap_id}


def _answer_row(answer: Answer) -> dict:
    return {"author": _person(answer.author), "markdown": answer.body or plain_text(answer.content_html),
            "html": answer.content_html, "ap_id": answer.ap_id, "created_at": _time(answer.created_at),
            "updated_at": _time(answer.updated_at)}


def _moderation(question: Question) -> dict:
    return {"state": question.state, "held_by": question.held_by, "reject_reason": question.reject_reason,
            "reject_note": question.reject_note, "is_late": question.is_late}


def _question_row(question: Question, ama: Ama, moderator: bool) -> dict:
    deleted = question.state == Question.State.DELETED
    shown_html = "" if deleted else question_display_html(question, ama)
    row = {"id": question.pk, "parent": question.parent_id, "permalink": ids.question_page(question),
           "ap_id": question.ap_id, "author": _person(question.author), "deleted_by_author": deleted,
           "text": plain_text(shown_html), "html": shown_html, "language": question.language,
           "score": question.score, "votes_here": question.vote_count, "remote_votes": question.remote_like_count,
           "remote_votes_origin": question.origin_host, "received_at": _time(question.received_at),
           "published_at": _time(question.published_at), "answered_at": _time(question.answered_at),
           "answers": [_answer_row(answer) for answer in question.live_answers]}
    if moderator:
        row["moderation"] = _moderation(question)
    return row


def exported_questions(ama: Ama, *, moderator: bool):
    rows = Question.objects.filter(ama=ama) if moderator else Question.objects.on_page().filter(ama=ama)
    answers = Answer.objects.filter(deleted_at__isnull=True).select_related("author").order_by("created_at", "pk")
    return (rows.select_related("author").prefetch_related(Prefetch("answers", queryset=answers,
                                                                    to_attr="live_answers"))
            .order_by("received_at", "pk"))


def build(ama: Ama, *, moderator: bool) -> dict:
    """The export of `ama`: the AMA, then its questions in the order they came (see the module's docstring)."""
    host = ama.host
    return {"ama": {"title": ama.title, "slug": ama.slug, "url": ids.ama_id(ama), "host": _person(host),
                    "state": ama.state, "language": ama.language, "opens_at": _time(ama.opens_at),
                    "closes_at": _time(ama.closes_at), "intro": ama.intro, "intro_html": ama.intro_html},
            "moderator": moderator, "exported_at": _time(timezone.now()),
            "questions": [_question_row(question, ama, moderator)
                          for question in exported_questions(ama, moderator=moderator)]}


def csv_rows(export: dict) -> list[dict]:
    """One row per question; several answers to one question are joined by a blank line."""
    return [_csv_row(question, export["moderator"]) for question in export["questions"]]


def _csv_row(question: dict, moderator: bool) -> dict:
    answers = question["answers"]
    row = {"id": question["id"], "parent": question["parent"] or "", "permalink": question["permalink"],
           "asked_by": question["author"]["handle"], "asker_name": question["author"]["name"],
           "question": question["text"], "language": question["language"], "score": question["score"],
           "votes_here": question["votes_here"], "remote_votes": question["remote_votes"],
           "received_at": question["received_at"], "published_at": question["published_at"] or "",
           "answered_at": question["answered_at"] or "",
           "answered_by": " ".join(answer["author"]["handle"] for answer in answers),
           "answer": "\n\n".join(answer["markdown"] for answer in answers)}
    if moderator:
        row.update({name: question["moderation"][name] for name in MODERATION_COLUMNS})
    return row


def as_csv(export: dict) -> str:
    out = io.StringIO()
    columns = CSV_COLUMNS + (MODERATION_COLUMNS if export["moderator"] else [])
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(csv_rows(export))
    return out.getvalue()


# ---- Markdown: an article that could be posted elsewhere -------------------------------------------------------

_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]])")
_LINE_START_SPECIALS = re.compile(r"^(\s*)([#>+-]|\d+[.)])", re.M)


def md_escape(text: str) -> str:
    """Text written by others, shown as text by a Markdown renderer: no emphasis, links, headings or HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    return _LINE_START_SPECIALS.sub(lambda match: match.group(1) + "\\" + match.group(2), text)


def _quoted(text: str) -> str:
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def _byline(export: dict) -> str:
    ama = export["ama"]
    opens, closes = ama["opens_at"][:10], ama["closes_at"][:10]
    dates = opens if opens == closes else f"{opens} – {closes}"
    return "*" + gettext("An AMA with %(host)s (%(handle)s), %(dates)s") % {
        "host": md_escape(ama["host"]["name"]), "handle": md_escape(ama["host"]["handle"]), "dates": dates} + "*"


def _question_md(question: dict, moderator: bool) -> str:
    asker = question["author"]
    text = md_escape(question["text"]) if not question["deleted_by_author"] else gettext(
        "(deleted by its author)")
    votes = ngettext("%(count)s vote", "%(count)s votes", question["score"]) % {"count": question["score"]}
    state = question.get("moderation", {}).get("state", "published") if moderator else "published"
    note = f" · *{state}*" if state != "published" else ""
    byline = f"— **{md_escape(asker['name'])}** ({md_escape(asker['handle'])}) · {votes}{note}"
    answers = [f"**{md_escape(answer['author']['name'])}:**\n\n{answer['markdown']}" for answer in question["answers"]]
    return "\n\n".join([_quoted(text) + "\n>\n" + _quoted(byline), *answers])


def as_markdown(export: dict) -> str:
    """Title, host and dates, the intro, then each answered question (in the order answered) as a quote with its
    asker, and the answer below it."""
    answered = sorted((q for q in export["questions"] if q["answers"]), key=lambda q: (q["answered_at"] or "", q["id"]))
    ama = export["ama"]
    parts = [f"# {md_escape(ama['title'])}", _byline(export) + f"  \n<{ama['url']}>"]
    if ama["intro"].strip():
        parts.append(ama["intro"].strip())
    questions = [_question_md(question, export["moderator"]) for question in answered]
    parts += ["---", "\n\n---\n\n".join(questions) or gettext("No question has been answered yet.")]
    return "\n\n".join(parts) + "\n"
