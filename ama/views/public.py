"""Public pages. Every ActivityPub URL (AMA note, answers, collections, authorizations) is negotiated:
AS2 JSON for servers, HTML for browsers, Vary: Accept always."""

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from federation.negotiation import negotiated

from .. import services
from ..activitypub import ids, notes
from ..activitypub.replies import context_collection, replies_collection
from ..forms import AskForm
from ..interaction import LIKE, InteractionError, interaction_url
from ..models import Ama, Answer, Question
from ..permissions import can_moderate_questions
from . import listing
from .caching import public_view, token_free
from .common import get_ama, gone, viewer_actor

QUESTION_PAGE_DEPTH = 4
# The ask box posts to `ask`, which redirects to the visitor's own server; browsers hold a form's redirects to the
# form page's form-action, so the pages carrying the box allow web origins there (http too on an http server).
ask_box_csp = csp_update({"form-action": ["https:", "http:"] if settings.FEDIAMA_SCHEME == "http" else ["https:"]})


def home(request):
    context = {"live": Ama.objects.live().select_related("host"),
               "upcoming": Ama.objects.upcoming().select_related("host").order_by("opens_at"),
               "past": Ama.objects.past().select_related("host").order_by("-closes_at")[:50]}
    return render(request, "ama/home.html", context)


def _ama_html(request, ama: Ama, ask_form: AskForm):
    sort, language = listing.sort_key(request.GET.get("sort")), listing.language_key(request.GET.get("lang"))
    flat, shown = listing.is_flat(sort, language), listing.visible_questions().filter(ama=ama)
    interview = listing.is_interview(ama, "sort" in request.GET, language)
    context = {"ama": ama, "sort": sort, "sorts": listing.SORTS, "language": language,
               "languages": listing.languages_of(ama), "interview": interview,
               "voted": listing.voted_ids(ama, viewer_actor(request)), "ask_form": ask_form,
               "can_open_dashboard": can_moderate_questions(request.user, ama),
               "flat": flat or interview, "depth": 0 if flat or interview else listing.THREAD_DEPTH,
               "answering": listing.now_answering(ama), **token_free(request)}
    if interview:
        context |= _interview(request, ama, shown)
    else:
        context |= {"page": listing.page_of(ama, sort, request.GET.get("page"), language),
                    "total": (shown.filter(language=language) if language else shown).count()}
    return render(request, "ama/ama.html", context)


def _interview(request, ama: Ama, shown) -> dict:
    """An ended AMA's page: its answered questions in vote order; on the first page, the unanswered ones below."""
    page = listing.interview_page(ama, request.GET.get("page"))
    first = page.number == 1
    return {"page": page, "total": page.paginator.count,
            "unanswered": listing.unanswered_of(ama) if first else [],
            "unanswered_total": shown.unanswered().count() if first else 0}


@ask_box_csp
@public_view(query=("sort", "page", "lang"))
def ama_page(request, slug):
    ama = get_ama(request, slug)
    if ama.deleted_at:
        return gone(request, ama.ap_id, ama.deleted_at)
    return negotiated(request, lambda: notes.ama_note(ama), lambda: _ama_html(request, ama, AskForm()))


@csrf_exempt
@require_POST
@ask_box_csp
def ask(request, slug):
    """The "ask from your own account" box: send the visitor to their server's reply page for the AMA note.
    CSRF-exempt: it changes nothing here (a forged post only sends a visitor where a link could), and the AMA
    page that carries it is shared by every anonymous visitor, so it holds no per-visitor token."""
    ama = get_ama(request, slug)
    if ama.deleted_at:
        raise Http404("no such AMA")
    form = AskForm(request.POST)
    if form.is_valid():
        try:
            return HttpResponseRedirect(interaction_url(form.cleaned_data["handle"], ama.ap_id))
        except InteractionError as error:
            form.add_error("handle", str(error))
    response = _ama_html(request, ama, form)
    response.status_code = 400
    return response


def _visible_question(ama: Ama, pk: int) -> Question:
    rows = listing.with_thread(listing.visible_questions().filter(ama=ama), depth=QUESTION_PAGE_DEPTH)
    return get_object_or_404(rows, pk=pk)


def _question_html(request, ama: Ama, question: Question, vote_form: AskForm | None = None):
    parent_visible = question.parent_id and listing.visible_questions().filter(pk=question.parent_id).exists()
    context = {"ama": ama, "question": question, "parent_visible": parent_visible, "depth": QUESTION_PAGE_DEPTH,
               "voted": listing.voted_ids(ama, viewer_actor(request)), "vote_form": vote_form,
               "vote_form_pk": question.pk if vote_form else None, **token_free(request)}
    response = render(request, "ama/question.html", context)
    patch_vary_headers(response, ["Accept"])
    return response


@ask_box_csp
@public_view(query=())
def question_page(request, slug, pk):
    ama = get_ama(request, slug)
    if ama.deleted_at:
        return gone(request, ama.ap_id, ama.deleted_at)
    return _question_html(request, ama, _visible_question(ama, pk))


@csrf_exempt
@require_POST
@ask_box_csp
def vote_from_account(request, slug, pk):
    """The "vote from your account" box: send the visitor to their server's page for liking the question (its
    own id, wherever it was written); the like reaches its origin, and the tally counts it (ama/tallies).
    CSRF-exempt for the reasons `ask` is."""
    ama = get_ama(request, slug)
    if ama.deleted_at:
        raise Http404("no such AMA")
    question = get_object_or_404(Question.objects.shown().filter(ama=ama), pk=pk)
    form = AskForm(request.POST)
    if form.is_valid():
        try:
            return HttpResponseRedirect(interaction_url(form.cleaned_data["handle"], question.ap_id, LIKE))
        except InteractionError as error:
            form.add_error("handle", str(error))
    response = _question_html(request, ama, _visible_question(ama, pk), vote_form=form)
    response.status_code = 400
    return response


@public_view(query=())
def answer_page(request, slug, token):
    ama = get_ama(request, slug)
    rows = Answer.objects.select_related("author", "question__author", "question__ama__host")
    answer = get_object_or_404(rows, ap_id=ids.answer_id(ama, token))
    if not listing.visible_questions().filter(pk=answer.question_id).exists() and not answer.deleted_at:
        raise Http404("no such answer")
    if answer.deleted_at or ama.deleted_at:
        return gone(request, answer.ap_id, answer.deleted_at or ama.deleted_at)
    return negotiated(request, lambda: notes.answer_note(answer),
                      lambda: render(request, "ama/answer.html", {"ama": ama, "answer": answer,
                                                                  "question": answer.question, **token_free(request)}))


def _collection(request, slug, kind: str):
    ama = get_ama(request, slug)
    if ama.deleted_at:
        return gone(request, ids.ama_id(ama) + "/" + kind, ama.deleted_at, former_type="OrderedCollection")
    build = replies_collection if kind == "replies" else context_collection
    return negotiated(request, lambda: build(ama, request.GET.get("page")),
                      lambda: _collection_html(request, ama, kind))


def _collection_html(request, ama: Ama, kind: str):
    rows = listing.visible_questions().filter(ama=ama).select_related("author").order_by("published_at", "pk")
    if kind == "replies":
        rows = rows.filter(parent__isnull=True)
    page = Paginator(rows, listing.PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "ama/collection.html", {"ama": ama, "kind": kind, "page": page})


def replies(request, slug):
    return _collection(request, slug, "replies")


def context(request, slug):
    return _collection(request, slug, "context")


def authorization(request, slug, pk):
    ama = get_ama(request, slug)
    rows = Question.objects.shown().filter(ama=ama).exclude(authorization_ap_id="").select_related("author")
    question = get_object_or_404(rows, pk=pk)
    return negotiated(request, lambda: notes.reply_authorization(question),
                      lambda: render(request, "ama/authorization.html", {"ama": ama, "question": question}))


def _back(request, ama: Ama, question: Question):
    target = request.POST.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                       require_https=request.is_secure()):
        return redirect(target)
    return redirect("question", slug=ama.slug, pk=question.pk)


@login_required
@require_POST
def vote(request, slug, pk):
    """A signed-in local user's vote (value "up") or its removal (value "remove")."""
    ama = get_ama(request, slug)
    question = get_object_or_404(Question.objects.shown().filter(ama=ama), pk=pk)
    actor = viewer_actor(request)
    if actor is None:
        messages.error(request, _("Your account has no fediverse identity on this server, so it cannot vote."))
    elif request.POST.get("value") == "remove":
        services.vote_remove(actor=actor, question=question)
    else:
        services.vote_add(question=question, actor=actor)
    return _back(request, ama, question)
