"""The host dashboard: the user's AMAs, moderation of pending questions, answers with a server-side preview."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, OuterRef, Subquery
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from .. import services
from ..forms import AmaForm, AnswerForm, RejectForm
from ..models import Ama, Answer, Question
from ..permissions import (
    amas_moderated_by,
    answer_edit_rule,
    can_answer,
    can_edit_ama,
    can_edit_answer,
    can_moderate_questions,
)
from ..text import render_markdown
from . import question_lists
from .common import require, viewer_actor


def _my_amas(request):
    """The AMAs the user hosts, co-hosts or moderates."""
    rows = amas_moderated_by(request.user)
    pending = Question.objects.pending().filter(ama=OuterRef("pk")).order_by().values("ama")
    waiting = Subquery(pending.annotate(n=Count("pk")).values("n"))  # a join would multiply with co-hosts
    return rows.filter(deleted_at__isnull=True).select_related("host").annotate(waiting=waiting).order_by("-opens_at")


@login_required
def index(request):
    """The user's AMAs and the form creating a new one (published at once, by its times)."""
    actor = viewer_actor(request)
    form = AmaForm(request.POST or None)
    if request.method == "POST":
        require(actor is not None)
        if form.is_valid():
            try:
                ama = services.ama_create(host=actor, created_by=request.user, publish=True, **form.values())
            except services.ServiceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Your AMA is published."))
                return redirect("dashboard-ama", slug=ama.slug)
    amas = question_lists.page_of(request, _my_amas(request), "page")
    context = {"amas": amas, "form": form, "has_actor": actor is not None}
    return render(request, "ama/dashboard/index.html", context, status=400 if form.errors else 200)


def _moderated_ama(request, slug) -> Ama:
    ama = get_object_or_404(Ama.objects.select_related("host").filter(deleted_at__isnull=True), slug=slug)
    require(can_moderate_questions(request.user, ama))
    return ama


@login_required
def ama_dashboard(request, slug):
    """The AMA's questions to review and those on the page (or the rejected ones), filtered and paged."""
    ama = _moderated_ama(request, slug)
    filters = question_lists.Filters.read(request.GET)
    published = question_lists.page_of(request, question_lists.on_the_page(ama, filters), "page")
    may_edit = answer_edit_rule(request.user, ama)
    for question in published or ():
        for answer in question.live_answers:
            answer.may_edit = may_edit(answer)  # the Edit and Delete buttons only for who may use them
    context = {"ama": ama, "filters": filters, "states": question_lists.STATES, "published": published,
               "pending": question_lists.page_of(request, question_lists.pending(ama, filters), "pending_page"),
               "rejected": question_lists.page_of(request, question_lists.rejected(ama, filters), "rejected_page"),
               "reject_form": RejectForm(), "answer_form": AnswerForm(),
               "can_answer": can_answer(request.user, ama), "can_edit": can_edit_ama(request.user, ama),
               "waiting": Question.objects.pending().filter(ama=ama).count()}
    return render(request, "ama/dashboard/ama.html", context)


# The dashboard's query names (filters and each list's page) that an action's form carries back in `back`.
BACK_QUERY = ("state", "q", "page", "pending_page", "rejected_page")
BACK_VALUE_LENGTH = 200


def _back(request, ama: Ama, question_pk: int | None = None):
    """Back to the dashboard as it was (its filters and pages, from the form's `back` field) and to the question
    acted on (#q-<pk>), rather than to the top of a long page. Only the dashboard's own query names are kept."""
    sent = QueryDict(request.POST.get("back", "")[:1000])
    kept = QueryDict(mutable=True)
    for name in BACK_QUERY:
        if sent.get(name):
            kept[name] = sent[name][:BACK_VALUE_LENGTH]
    query = f"?{kept.urlencode()}" if kept else ""
    anchor = f"#q-{question_pk}" if question_pk else ""
    return redirect(reverse("dashboard-ama", args=[ama.slug]) + query + anchor)


def _run(request, action, success: str) -> bool:
    try:
        action()
    except services.ServiceError as error:
        messages.error(request, str(error))
        return False
    messages.success(request, success)
    return True


@login_required
@require_POST
def ama_switch(request, slug, action):
    """Open now or close now."""
    ama = _moderated_ama(request, slug)
    require(can_edit_ama(request.user, ama))
    if action == "open":
        _run(request, lambda: services.ama_open(ama=ama, by_user=request.user), _("The AMA is open."))
    else:
        _run(request, lambda: services.ama_close(ama=ama, by_user=request.user), _("The AMA is closed."))
    return _back(request, ama)


_TOGGLES = {  # action: (service, its switch, message)
    "star": (services.question_star, {"starred": True}, _lazy("Question starred.")),
    "unstar": (services.question_star, {"starred": False}, _lazy("Star removed.")),
    "now": (services.question_now_answering, {"on": True}, _lazy("Shown on the page as being answered now.")),
    "not-now": (services.question_now_answering, {"on": False}, _lazy("No longer shown as being answered now.")),
}


@login_required
@require_POST
def moderate(request, slug, pk, action):
    """Approve or reject a question (reject takes a reason and, if asked, tells the asker); star it, or show
    it as the one being answered now."""
    ama = _moderated_ama(request, slug)
    question = get_object_or_404(Question, ama=ama, pk=pk)
    if action in _TOGGLES:
        service, switch, message = _TOGGLES[action]
        _run(request, lambda: service(question=question, by_user=request.user, **switch), message)
    elif action == "approve":
        _run(request, lambda: services.question_approve(question=question, by_user=request.user),
             _("Question approved."))
    else:
        form = RejectForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("Choose a reason to reject the question."))
        else:
            _run(request, lambda: services.question_reject(question=question, by_user=request.user,
                                                           **form.cleaned_data), _("Question rejected."))
    return _back(request, ama, question.pk)


def _answer_page(request, ama, question, form, answer=None):
    preview = ""
    if "preview" in request.POST and form.is_valid():
        preview = render_markdown(form.cleaned_data["body"])
    context = {"ama": ama, "question": question, "form": form, "preview": preview, "answer": answer,
               "back": request.POST.get("back", request.GET.get("back", ""))[:1000]}
    return render(request, "ama/dashboard/answer.html", context, status=400 if form.errors else 200)


@login_required
def answer(request, slug, pk):
    """Write an answer: "Preview" renders the Markdown on the server, "Publish" federates it."""
    ama = _moderated_ama(request, slug)
    require(can_answer(request.user, ama))
    question = get_object_or_404(Question.objects.select_related("author"), ama=ama, pk=pk)
    form = AnswerForm(request.POST or None)
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            services.answer_publish(question=question, author=viewer_actor(request), by_user=request.user,
                                    body=form.cleaned_data["body"])
        except services.ServiceError as error:
            form.add_error("body", str(error))
        else:
            messages.success(request, _("Your answer is published."))
            return _back(request, ama, question.pk)
    return _answer_page(request, ama, question, form)


def _own_answer(request, slug, pk) -> Answer:
    rows = Answer.objects.select_related("question__ama__host", "question__author", "author")
    found = get_object_or_404(rows, pk=pk, question__ama__slug=slug, deleted_at__isnull=True)
    require(can_edit_answer(request.user, found))
    return found


@login_required
def answer_edit(request, slug, pk):
    found = _own_answer(request, slug, pk)
    form = AnswerForm(request.POST or None, initial={"body": found.body})
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            services.answer_edit(answer=found, body=form.cleaned_data["body"], by_user=request.user)
        except services.ServiceError as error:
            form.add_error("body", str(error))
        else:
            messages.success(request, _("Your answer is updated."))
            return _back(request, found.question.ama, found.question_id)
    return _answer_page(request, found.question.ama, found.question, form, answer=found)


@login_required
@require_POST
def answer_delete(request, slug, pk):
    found = _own_answer(request, slug, pk)
    _run(request, lambda: services.answer_delete(answer=found, by_user=request.user), _("The answer is deleted."))
    return _back(request, found.question.ama, found.question_id)
