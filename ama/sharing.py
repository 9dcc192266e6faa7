"""What a link to an AMA, a question or an answer shows where it is posted: the preview card (Open Graph and
Twitter card tags, Mastodon's `fediverse:creator`), and the addresses of its feeds and oEmbed document.

Only what the public page shows goes into a card: counts of shown questions, the shown text."""

from dataclasses import dataclass
from urllib.parse import urlencode

from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext, ngettext

from federation.urls_helper import absolute

from .activitypub import ids
from .mentions import question_display_html
from .models import Ama, Answer, Question
from .text import plain_text

DESCRIPTION_CHARS = 280
SITE_NAME = "fediama"


@dataclass(frozen=True)
class Card:
    title: str
    description: str
    url: str  # the canonical address of the page
    kind: str  # og:type
    creator: str  # the host's @handle
    ama: Ama


def excerpt(fragment_html: str, chars: int = DESCRIPTION_CHARS) -> str:
    """One line of a sanitized fragment's text, cut at `chars` with an ellipsis."""
    return Truncator(" ".join(plain_text(fragment_html).split())).chars(chars)


def host_name(ama: Ama) -> str:
    return ama.host.display_name or ama.host.username


def _counts(ama: Ama) -> str:
    shown = Question.objects.on_page().filter(ama=ama)
    total, answered = shown.count(), shown.answered().count()
    asked = ngettext("%(count)s question", "%(count)s questions", total) % {"count": total}
    return gettext("%(asked)s, %(answered)s answered") % {"asked": asked, "answered": answered}


def state_phrase(ama: Ama) -> str:
    phrases = {Ama.State.SCHEDULED: gettext("Upcoming AMA"), Ama.State.LIVE: gettext("Live AMA"),
               Ama.State.ENDED: gettext("Past AMA"), Ama.State.ARCHIVED: gettext("Past AMA")}
    return phrases.get(ama.state, gettext("AMA"))


def ama_card(ama: Ama) -> Card:
    lead = gettext("%(state)s with %(host)s (%(handle)s) · %(counts)s") % {
        "state": state_phrase(ama), "host": host_name(ama), "handle": ama.host.handle, "counts": _counts(ama)}
    intro = excerpt(ama.intro_html)
    return Card(title=ama.title, description=f"{lead}. {intro}" if intro else lead, url=ids.ama_id(ama),
                kind="website", creator=ama.host.handle, ama=ama)


def question_card(ama: Ama, question: Question) -> Card:
    name = question.author.display_name or question.author.username
    votes = ngettext("%(count)s vote", "%(count)s votes", question.score) % {"count": question.score}
    status = gettext("answered") if question.answered_at else gettext("waiting for an answer")
    text = excerpt(question_display_html(question, ama)) if question.state != Question.State.DELETED else ""
    return Card(title=gettext("Question from %(name)s · %(title)s") % {"name": name, "title": ama.title},
                description=" · ".join(part for part in (votes, status, text) if part),
                url=ids.question_page(question), kind="article", creator=ama.host.handle, ama=ama)


def answer_card(ama: Ama, answer: Answer) -> Card:
    name = answer.author.display_name or answer.author.username
    return Card(title=gettext("Answer by %(name)s · %(title)s") % {"name": name, "title": ama.title},
                description=excerpt(answer.content_html), url=answer.ap_id, kind="article",
                creator=answer.author.handle, ama=ama)


def oembed_url(page_url: str) -> str:
    """The discovery address of a page's oEmbed document (ama/views/embed.py)."""
    return absolute(reverse("oembed")) + "?" + urlencode({"url": page_url, "format": "json"})


def host_feed_urls(host) -> dict[str, str]:
    return {"rss": absolute(reverse("host-feed-rss", args=[host.username])),
            "atom": absolute(reverse("host-feed-atom", args=[host.username]))}


def feed_urls(ama: Ama) -> dict[str, str]:
    return {"rss": absolute(reverse("ama-feed-rss", args=[ama.slug])),
            "atom": absolute(reverse("ama-feed-atom", args=[ama.slug]))}
