"""Public moderation pages (routes in ama/urls.py): the moderation log of an AMA, and the report form for
signed-in users."""

from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from .. import permissions, services
from ..models import Ama, Question

LABELS = {
    "question.approve": _("approved a question"), "question.reject": _("rejected a question"),
    "question.hide": _("hid a question"), "question.unhide": _("showed a hidden question again"),
    "question.merge": _("merged a duplicate question"),
    "question.edit_display": _("edited a question for display"),
    "question.lock": _("locked a thread"), "question.unlock": _("unlocked a thread"),
    "question.mark_answered": _("marked a question answered"),
    "question.mark_unanswered": _("marked a question unanswered"),
    "actor.mute": _("muted an account"), "actor.unmute": _("unmuted an account"), "actor.ban": _("banned an account"),
    "actor.unban": _("lifted a ban"), "actor.trust": _("changed an account's trust"),
    "ama.publish": _("published the AMA"), "ama.delete": _("deleted the AMA"),
    "remote_host.verify": _("verified a remote host"),
    "remote_host.revoke": _("removed a co-host"),
}


def mask(target: str) -> str:
    """"@bob@example.org" → "@b…@example.org"; an actor id → "an account on example.org"."""
    if target.startswith("@") and target.count("@") == 2:
        user, domain = target.split("@")[1:]
        return f"@{user[:1]}…@{domain}"
    host = urlsplit(target).hostname if "://" in target else ""
    return _("an account on %(host)s") % {"host": host} if host else ""


def log_row(entry) -> dict:
    return {"when": entry.created_at, "action": LABELS.get(entry.action, entry.action.replace(".", " ")),
            "reason": entry.reason, "who": mask(entry.target), "undone": entry.undone_at is not None}


def moderation_log(request, slug):
    """One page of 100 public entries, read from the database page by page (a long log is not loaded whole);
    `action` and `q` (text of the reason) filter it, and the page links keep them."""
    ama = get_object_or_404(Ama.objects.visible(), slug=slug)
    action, text = request.GET.get("action", ""), request.GET.get("q", "").strip()[:200]
    entries = ama.audit_entries.filter(public=True).order_by("-created_at", "-pk")
    if action in LABELS:
        entries = entries.filter(action=action)
    if text:
        entries = entries.filter(reason__icontains=text)
    page = Paginator(entries, 100).get_page(request.GET.get("page"))
    page.object_list = [log_row(entry) for entry in page.object_list]
    query = request.GET.copy()
    query.pop("page", None)
    context = {"ama": ama, "page": page, "actions": LABELS, "action": action, "text": text,
               "query": query.urlencode()}
    return render(request, "ama/moderation_log.html", context)


class ReportForm(forms.Form):
    comment = forms.CharField(label=_("What is wrong with it?"), max_length=2000, required=False,
                              widget=forms.Textarea(attrs={"rows": 4}))


def reportable(user, question_pk) -> Question:
    """Shown questions; moderators and hosts may also report ones they can see in the admin."""
    question = get_object_or_404(Question.objects.select_related("ama", "author"), pk=question_pk)
    shown = Question.objects.shown().filter(pk=question.pk, ama__in=Ama.objects.visible()).exists()
    if not shown and not permissions.can_moderate_questions(user, question.ama):
        raise Http404("no such question")
    return question


@login_required
@require_http_methods(["GET", "POST"])
def report_question(request, pk):
    question = reportable(request.user, pk)
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.report_create(user=request.user, question=question, comment=form.cleaned_data["comment"])
        messages.success(request, _("Thank you: the moderators will look at your report."))
        return redirect(f"/amas/{question.ama.slug}")
    return render(request, "ama/report_form.html", {"question": question, "form": form})
