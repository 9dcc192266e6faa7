"""What an event carries: the HTML fragment the page inserts, rendered as an anonymous viewer sees it, and the
plain data beside it. Public payloads hold only what the public AMA page shows.

What the page's language changes (the fragment's dates and words, the votes label) is rendered once per site
language when the event is stored: in the AMA's language at the top of the payload, and in each other language
under LOCALIZED; each stream is sent the variant of its viewer's language (reads.Event.wire_in)."""

import functools
from contextlib import contextmanager

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.urls import get_script_prefix, reverse
from django.utils import translation
from django.utils.translation import ngettext

from ..models import Ama, Answer, Question
from ..templatetags.scores import score_parts
from . import stencils

LOCALIZED = "localized"  # {language: {field: value}}: the payload's language-dependent fields in other languages


def _language(ama: Ama) -> str:
    """The payload's own fields are in the AMA's language when the site has it, else the site's default."""
    return ama.language if ama.language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


def _in_languages(ama: Ama, render) -> dict:
    """`render()`'s fields (a dict) in the AMA's language, and under LOCALIZED in each other site language."""
    own, others = _language(ama), {}
    for code, _name in settings.LANGUAGES:
        if code != own:
            with translation.override(code):
                others[code] = render()
    with translation.override(own):
        return render() | {LOCALIZED: others}


def _question_row(question: Question) -> Question:
    from ..views.listing import live_answers

    if getattr(question, NEW, False):
        return question
    row = Question.objects.select_related("author", "ama").prefetch_related(live_answers()).get(pk=question.pk)
    row.shown_follow_ups = []
    return row


NEW = "_live_new"  # set on a question created in the running transaction: no answers or follow-ups yet


@contextmanager
def just_created(question: Question):
    """Within: a question created in this transaction renders from itself as it is (its author and AMA are
    the ones it was created with), with no answers and no follow-ups, without being read again."""
    question.live_answers, question.shown_follow_ups = [], []
    setattr(question, NEW, True)
    try:
        yield
    finally:
        for name in ("live_answers", "shown_follow_ups", NEW, stencils.SAME_IN_EVERY_LANGUAGE):
            question.__dict__.pop(name, None)


def question_html(row: Question) -> str:
    """The question's `<article>` with its answers, as an anonymous viewer's AMA page renders it in the active
    language, without its follow-ups (the page keeps those where they are). `row` from _question_row; a
    question created in this transaction from its shape's stencil (stencils.py: the same HTML, ~10x cheaper)."""
    if getattr(row, NEW, False):
        return stencils.new_question_html(row, rendered_question_html)
    return rendered_question_html(row)


def rendered_question_html(row) -> str:
    """question_html by the template engine."""
    context = {"ama": row.ama, "question": row, "voted": set(), "depth": 0, "flat": False,
               "user": AnonymousUser()}
    return render_to_string("ama/_question.html", context)


def votes_label(count: int) -> str:
    """"3 votes" in the active language."""
    return ngettext("%(counter)s vote", "%(counter)s votes", count) % {"counter": count}


def signed_in_urls(question: Question) -> dict:
    """Where a signed-in viewer's vote form and report link post for this question, which the anonymous fragment
    cannot hold (they need the viewer's CSRF token: the page's <template id="live-vote"> has it and live.js puts
    these in it); none for a question that takes no votes (deleted by its author)."""
    if question.state != Question.State.PUBLISHED:
        return {}
    return {"vote_url": question_path("question-vote", question.ama.slug, pk=question.pk),
            "report_url": question_path("question-report", pk=question.pk)}


def question_path(name: str, *args, pk: int) -> str:
    """reverse(name, args=[*args, pk]), the URL resolver asked once per name, `args` and script prefix (an inbox
    batch's new questions each need two: the resolver was 7 % of a reply's processing)."""
    before, after = _around_pk(name, args, get_script_prefix())
    return f"{before}{pk}{after}"


@functools.lru_cache(maxsize=1024)
def _around_pk(name: str, args: tuple, _prefix: str) -> tuple[str, str]:
    path = reverse(name, args=[*args, _PK_MARKER])
    before, _marker, after = path.rpartition(str(_PK_MARKER))
    return before, after


_PK_MARKER = 918_273_645_546_372_819


def question_data(question: Question) -> dict:
    row = _question_row(question)
    return {"question_id": question.pk, "parent_id": question.parent_id} | signed_in_urls(row) | _in_languages(
        row.ama, lambda: {"html": question_html(row)})


def answer_data(question: Question, answer: Answer) -> dict:
    data = question_data(question) | {"answer_id": answer.pk}
    if not answer.deleted_at:
        data["answer_html"] = answer.content_html
    return data


def votes_data(question: Question) -> dict:
    """vote_count is the score the page shows (votes here + remote likes); its parts beside it."""
    return _score_numbers(question) | _in_languages(question.ama, lambda: _score_words(question))


def scores_data(ama: Ama, questions: list[Question]) -> dict:
    """Several questions' votes_data at once (scores_changed): {"questions": [rows]}, in each language."""
    return _in_languages(ama, lambda: {"questions": [_score_numbers(question) | _score_words(question)
                                                     for question in questions]})


def _score_numbers(question: Question) -> dict:
    return {"question_id": question.pk, "vote_count": question.score, "votes_here": question.vote_count,
            "remote_votes": question.remote_like_count}


def _score_words(question: Question) -> dict:
    """"3 votes", and the parts ("12 votes: 7 here, 5 on mastodon.example") when some are remote."""
    words = {"label": votes_label(question.score)}
    return words | {"parts": score_parts(question)} if question.remote_like_count else words


def helpful_label(count: int) -> str:
    """"found helpful by 9" in the active language."""
    return ngettext("found helpful by %(counter)s", "found helpful by %(counter)s", count) % {"counter": count}


def answer_likes_data(answer: Answer) -> dict:
    return {"question_id": answer.question_id, "answer_id": answer.pk, "like_count": answer.like_count} | \
        _in_languages(answer.question.ama, lambda: {"label": helpful_label(answer.like_count)})


def pending_data(question: Question) -> dict:
    """For moderators: what the dashboard's review queue shows and where its approve/reject forms post (the
    forms need the viewer's CSRF token, so the console builds them; no HTML here)."""
    slug, author = question.ama.slug, question.author
    return {"question_id": question.pk, "parent_id": question.parent_id, "state": question.state,
            "author": {"name": author.display_name or author.username, "handle": author.handle},
            "held_by": question.held_by, "language": question.language, "content_html": question.content_html,
            "received_at": question.received_at.isoformat(),
            "approve_url": question_path("dashboard-approve", slug, pk=question.pk),
            "reject_url": question_path("dashboard-reject", slug, pk=question.pk)}


def ama_data(ama: Ama) -> dict:
    return {"state": ama.state, "title": ama.title, "opens_at": ama.opens_at.isoformat(),
            "closes_at": ama.closes_at.isoformat()}
