"""/authorize_interaction?uri=… (the OStatus `subscribe` template our WebFinger advertises): a remote
server sends its user here to act on `uri`. We take a signed-in user to the thing: our own objects at
their pages, a remote question we hold at its question page; anything else gets a page saying what it is
and that this server only hosts AMAs. Signed-out users sign in first and come back."""

import logging
from urllib.parse import urlsplit

from django.contrib.auth.views import redirect_to_login
from django.db.models import Q
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from federation import actors, http
from federation.activities import id_of, type_of
from federation.safe_urls import http_url
from federation.urls_helper import is_local_url

from ..activitypub import ids
from ..models import Ama, Question

log = logging.getLogger(__name__)
MAX_URI = 2000


def uri_problem(uri: str) -> str | None:
    """Why `uri` cannot be acted on (None when it is an http(s) URL with a host)."""
    if not uri:
        return _("The uri parameter is required.")
    if len(uri) > MAX_URI:
        return _("The uri is too long.")
    parts = urlsplit(uri)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return _("The uri must be an http or https URL.")
    return None


def known_question(*ids: str | None) -> Question | None:
    """A question shown here whose id or URL is one of `ids`."""
    ids = [found for found in ids if found]
    rows = Question.objects.shown().filter(Q(ap_id__in=ids) | Q(url__in=ids)).select_related("ama")
    return rows.first() if ids else None


def known_ama(document: dict) -> Ama | None:
    """The AMA here that a remote post replies to or belongs to (`inReplyTo` or `context`)."""
    refs = [ref for ref in (id_of(document.get("inReplyTo")), id_of(document.get("context"))) if ref]
    refs += [ref.removesuffix("/context") for ref in refs]
    return Ama.objects.visible().filter(ap_id__in=refs).first() if refs else None


def _remote(request, uri: str):
    question = known_question(uri)
    if question is not None:
        return redirect(ids.question_page(question))
    try:
        document = actors.fetch(uri)
    except http.FetchError as error:
        log.info("authorize_interaction: %s could not be fetched: %s", uri, error.reason)
        return _page(request, uri, error=_("It could not be fetched from its server."), status=502)
    question = known_question(id_of(document.get("id")), id_of(document.get("url")))
    if question is not None:
        return redirect(ids.question_page(question))
    ama = known_ama(document)
    if ama is not None:
        return redirect(ama.ap_id)
    return _page(request, uri, kind=type_of(document), author=id_of(document.get("attributedTo")))


def _page(request, uri: str, *, kind: str = "", author: str | None = None, error: str = "", status: int = 200):
    author = http_url(author) or ""
    return render(request, "ama/authorize_interaction.html",
                  {"uri": uri, "kind": kind, "author": author, "error": error}, status=status)


@require_GET
def authorize_interaction(request):
    uri = request.GET.get("uri", "").strip()
    problem = uri_problem(uri)
    if problem:
        return render(request, "ama/authorize_interaction.html", {"error": problem, "uri": ""}, status=400)
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if is_local_url(uri):
        return redirect(uri)  # our ids serve their page to browsers
    return _remote(request, uri)
