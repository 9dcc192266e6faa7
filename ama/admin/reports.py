"""Reports: from incoming Flags and signed-in local users. Assign, resolve with a note, act from the report
(links to the question and the actor card, reject the reported question), forward a Flag to the origin."""

from django import forms
from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import permissions, services
from ..models import Question, Report
from .access import RoleAdmin, for_each, is_moderator, moderated_amas
from .forms import NoteForm, form_action


def can_handle(user, report: Report) -> bool:
    ama = report.question.ama if report.question_id else None
    return permissions.can_police_actors(user, ama) if ama else permissions.moderates(user, None)


class ForwardForm(forms.Form):
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}),
                              label=_("Comment"),
                              help_text=_("Sent to the other server instead of the reporter's words; "
                                          "the report is signed by this server, never by the reporter."))


@admin.action(description=_("Assign to me"))
def assign_to_me(modeladmin, request, queryset):
    for_each(modeladmin, request, queryset, can_handle,
             lambda r: services.report_assign(report=r, assignee=request.user, by_user=request.user), _("assigned"))


@admin.action(description=_("Resolve (with a note)…"))
def resolve(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, form_class=NoteForm, title=_("Resolve reports"),
                       allowed=can_handle, done=_("resolved"),
                       apply=lambda r, d: services.report_resolve(report=r, note=d["note"], by_user=request.user))


@admin.action(description=_("Forward to the origin server (anonymous Flag)…"))
def forward(modeladmin, request, queryset):
    return form_action(modeladmin, request, queryset, form_class=ForwardForm, title=_("Forward reports"),
                       allowed=can_handle, done=_("forwarded"),
                       apply=lambda r, d: services.report_forward(report=r, by_user=request.user,
                                                                  comment=d["comment"] or None))


@admin.action(description=_("Reject the reported questions (abusive, silently)"))
def reject_reported(modeladmin, request, queryset):
    for_each(modeladmin, request, queryset.filter(question__isnull=False), can_handle,
             lambda r: services.question_reject(question=r.question, by_user=request.user,
                                                reason=Question.RejectReason.ABUSIVE), _("questions rejected"))


@admin.register(Report)
class ReportAdmin(RoleAdmin):
    list_display = ("number", "state", "about", "question_link", "source", "short_comment", "assigned_to",
                    "forwarded_at", "created_at")
    list_filter = ("state", "assigned_to", "question__ama")
    search_fields = ("comment", "target_actor__username", "target_actor__domain", "question__content_text")
    list_select_related = ("target_actor", "question", "reporter", "assigned_to")
    actions = [assign_to_me, resolve, forward, reject_reported]
    fields = ("state", "about", "question_link", "source", "comment", "assigned_to", "resolution_note",
              "forwarded_at", "created_at", "resolved_at", "ap_id")
    readonly_fields = fields

    def may_view(self, request, obj=None):
        return is_moderator(request.user) and (obj is None or can_handle(request.user, obj))

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if permissions.moderates(request.user, None):
            return queryset
        return queryset.filter(question__ama__in=moderated_amas(request.user))

    @admin.display(description=_("no."), ordering="pk")
    def number(self, obj):
        return obj.pk

    @admin.display(description=_("about"))
    def about(self, obj):
        if obj.target_actor_id is None:
            return "—"
        url = reverse("admin:ama_askeractor_change", args=[obj.target_actor_id])
        return format_html('<a href="{}">{}</a>', url, obj.target_actor.handle)

    @admin.display(description=_("question"))
    def question_link(self, obj):
        if obj.question_id is None:
            return "—"
        url = reverse("admin:ama_question_change", args=[obj.question_id])
        return format_html('<a href="{}">{} ({})</a>', url, obj.question.content_text[:60],
                           obj.question.get_state_display())

    @admin.display(description=_("from"))
    def source(self, obj):
        if obj.reporter_user_id:
            return gettext("local user %(name)s") % {"name": obj.reporter_user}
        return gettext("server %(domain)s") % {"domain": obj.reporter.domain} if obj.reporter_id else gettext("unknown")

    @admin.display(description=_("comment"))
    def short_comment(self, obj):
        return obj.comment[:80]
