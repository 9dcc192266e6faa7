"""Question actions: each a small `@admin.action` calling a service, checked per question by role."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .. import permissions, services
from .access import for_each
from .forms import MergeForm, NoteForm, RejectForm, form_action


def can_act(user, question) -> bool:
    """Hosts, co-hosts and moderators: approve, reject, hide, star, "now answering"."""
    return permissions.can_moderate_questions(user, question.ama)


def can_moderate(user, question) -> bool:
    """Moderators only: merge, lock, mark answered, edit for display."""
    return permissions.moderates(user, question.ama)


def _each(modeladmin, request, queryset, call, done, allowed=can_act):
    for_each(modeladmin, request, queryset.select_related("ama", "author"), allowed,
             lambda q: call(question=q, by_user=request.user), done)


@admin.action(description=_("Approve selected questions"))
def approve(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.question_approve, _("approved"))


@admin.action(description=_("Reject selected questions (with a reason)…"))
def reject(modeladmin, request, queryset):
    def apply(question, data):
        services.question_reject(question=question, by_user=request.user, reason=data["reason"],
                                 note=data["note"], tell_asker=data["tell_asker"])
    return form_action(modeladmin, request, queryset.select_related("ama", "author"), form_class=RejectForm,
                       title=_("Reject questions"), apply=apply, allowed=can_act, done=_("rejected"))


@admin.action(description=_("Hide selected (published) questions"))
def hide(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.question_hide, _("hidden"))


@admin.action(description=_("Unhide selected questions"))
def unhide(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.question_unhide, _("shown again"))


@admin.action(description=_("Star selected questions"))
def star(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.question_star, _("starred"))


@admin.action(description=_("Unstar selected questions"))
def unstar(modeladmin, request, queryset):
    _each(modeladmin, request, queryset,
          lambda **kw: services.question_star(starred=False, **kw), _("unstarred"))


@admin.action(description=_("Now answering (the first selected)"))
def now_answering(modeladmin, request, queryset):
    _each(modeladmin, request, queryset.order_by("pk")[:1], services.question_now_answering,
          _("marked as being answered now"))


@admin.action(description=_("Lock threads (no follow-ups)"), permissions=["moderate"])
def lock(modeladmin, request, queryset):
    _each(modeladmin, request, queryset, services.question_lock, _("locked"), can_moderate)


@admin.action(description=_("Unlock threads"), permissions=["moderate"])
def unlock(modeladmin, request, queryset):
    _each(modeladmin, request, queryset,
          lambda **kw: services.question_lock(locked=False, **kw), _("unlocked"), can_moderate)


@admin.action(description=_("Merge into another question…"), permissions=["moderate"])
def merge(modeladmin, request, queryset):
    def apply(question, data):
        services.question_merge(question=question, into=data["into"], by_user=request.user)
    kept = modeladmin.get_queryset(request)
    return form_action(modeladmin, request, queryset.select_related("ama", "author"), form_class=MergeForm,
                       title=_("Merge duplicates"), apply=apply, allowed=can_moderate, done=_("merged"),
                       form_kwargs={"questions": kept})


@admin.action(description=_("Mark answered (with a note)…"), permissions=["moderate"])
def mark_answered(modeladmin, request, queryset):
    def apply(question, data):
        services.question_mark_answered(question=question, by_user=request.user, note=data["note"])
    return form_action(modeladmin, request, queryset.select_related("ama", "author"), form_class=NoteForm,
                       title=_("Mark answered"), apply=apply, allowed=can_moderate, done=_("marked answered"))


@admin.action(description=_("Mark unanswered (with a note)…"), permissions=["moderate"])
def mark_unanswered(modeladmin, request, queryset):
    def apply(question, data):
        services.question_mark_unanswered(question=question, by_user=request.user, note=data["note"])
    return form_action(modeladmin, request, queryset.select_related("ama", "author"), form_class=NoteForm,
                       title=_("Mark unanswered"), apply=apply, allowed=can_moderate, done=_("marked unanswered"))


ACTIONS = [approve, reject, hide, unhide, star, unstar, now_answering, lock, unlock, merge, mark_answered,
           mark_unanswered]
