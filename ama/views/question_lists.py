"""The dashboard's question lists: filtered by state and text, PAGE_SIZE to a page, page links keeping the filters.

A filter is read from the query string (`state`, `q`); each list pages with its own parameter, so paging one keeps
the other where it was. A page number past the end gives the last page, a word gives the first (never a 500).
"""

from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from federation.models import handle_lookup

from ..models import Question
from . import listing

STATES = {"": _("Waiting and on the page"), "pending": _("Waiting for review"),
          "approved": _("Approved, not answered yet"), "answered": _("Answered"), "rejected": _("Rejected")}
SEARCH_LENGTH = 200


@dataclass(frozen=True)
class Filters:
    state: str = ""
    text: str = ""

    @classmethod
    def read(cls, query) -> "Filters":
        state = query.get("state", "")
        return cls(state=state if state in STATES else "", text=query.get("q", "").strip()[:SEARCH_LENGTH])

    def matching(self, rows):
        """Rows whose text or author's name contains the search text; "@bob@example.org" finds that handle."""
        if not self.text:
            return rows
        found = Q(content_text__icontains=self.text) | Q(author__display_name__icontains=self.text)
        handle = handle_lookup(self.text, "author__") or Q(
            author__username__icontains=self.text.lstrip("@").partition("@")[0])
        return rows.filter(found | handle)


def pending(ama, filters: Filters):
    if filters.state not in ("", "pending"):
        return None
    rows = Question.objects.pending().filter(ama=ama).select_related("author", "parent__author", "parent__ama").order_by("received_at", "pk")
    return filters.matching(rows)


def on_the_page(ama, filters: Filters):
    if filters.state not in ("", "approved", "answered"):
        return None
    rows = listing.visible_questions().filter(ama=ama).order_by("answered_at", "-vote_count", "received_at", "pk")
    if filters.state:
        rows = rows.filter(answered_at__isnull=filters.state == "approved")
    rows = rows.select_related("author", "parent__author", "parent__ama")
    return filters.matching(rows.prefetch_related(listing.live_answers()))


def rejected(ama, filters: Filters):
    if filters.state != "rejected":
        return None
    rows = Question.objects.filter(ama=ama, state=Question.State.REJECTED).select_related("author")
    return filters.matching(rows.order_by("-received_at", "-pk"))


def page_of(request, rows, parameter: str) -> Page | None:
    """One page of `rows` (None: the list is filtered out), with `previous_url`/`next_url` keeping every filter."""
    if rows is None:
        return None
    page = Paginator(rows, listing.PAGE_SIZE).get_page(request.GET.get(parameter))
    page.previous_url = _with(request, parameter, page.previous_page_number()) if page.has_previous() else ""
    page.next_url = _with(request, parameter, page.next_page_number()) if page.has_next() else ""
    return page


def _with(request, parameter: str, number: int) -> str:
    query = request.GET.copy()
    query[parameter] = str(number)
    return "?" + query.urlencode()
