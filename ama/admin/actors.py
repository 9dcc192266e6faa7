"""The actor card: handle, server, first seen, questions across AMAs, reports, notes; mute, ban, trust, note."""

from django.contrib import admin
from django.db.models import Count, OuterRef, Subquery
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from federation.models import handle_lookup

from .. import permissions, services
from ..models import ActorPolicy, AskerActor
from .access import RoleAdmin, is_moderator, moderated_amas
from .forms import ActorScopeForm, BanForm, NoteForm, TrustForm, form_action


def _scope_kwargs(request) -> dict:
    """Moderators of chosen AMAs act within them; "all AMAs" needs a global moderator."""
    return {"amas": moderated_amas(request.user), "allow_all": permissions.moderates(request.user, None)}


def _actor_action(modeladmin, request, queryset, *, form_class, title, call, done):
    def apply(actor, data):
        if not permissions.can_police_actors(request.user, data.get("ama")):
            raise services.ServiceError(_("not allowed for your role"))
        call(actor, data)
    return form_action(modeladmin, request, queryset, form_class=form_class, title=title, apply=apply,
                       allowed=lambda user, actor: True, done=done, form_kwargs=_scope_kwargs(request))


@admin.action(description=_("Mute (future questions hidden, silently)…"))
def mute(modeladmin, request, queryset):
    return _actor_action(modeladmin, request, queryset, form_class=ActorScopeForm, title=_("Mute"), done=_("muted"),
                         call=lambda a, d: services.actor_mute(actor=a, ama=d["ama"], by_user=request.user,
                                                               reason=d["reason"]))


@admin.action(description=_("Unmute…"))
def unmute(modeladmin, request, queryset):
    return _actor_action(modeladmin, request, queryset, form_class=ActorScopeForm, title=_("Unmute"), done=_("unmuted"),
                         call=lambda a, d: services.actor_unmute(actor=a, ama=d["ama"], by_user=request.user))


@admin.action(description=_("Ban (one AMA or all, expiry, remove content)…"))
def ban(modeladmin, request, queryset):
    return _actor_action(modeladmin, request, queryset, form_class=BanForm, title=_("Ban"), done=_("banned"),
                         call=lambda a, d: services.actor_ban(
                             actor=a, ama=d["ama"], until=d["until"], remove_content=d["remove_content"],
                             by_user=request.user, reason=d["reason"]))


@admin.action(description=_("Lift ban…"))
def unban(modeladmin, request, queryset):
    return _actor_action(modeladmin, request, queryset, form_class=ActorScopeForm, title=_("Lift ban"),
                         done=_("unbanned"),
                         call=lambda a, d: services.actor_unban(actor=a, ama=d["ama"], by_user=request.user))


@admin.action(description=_("Trust override (always hold / always allow)…"))
def trust(modeladmin, request, queryset):
    return _actor_action(modeladmin, request, queryset, form_class=TrustForm, title=_("Trust override"),
                         done=_("updated"), call=lambda a, d: services.actor_set_trust(
                             actor=a, ama=d["ama"], trust=d["trust"], by_user=request.user))


@admin.action(description=_("Moderator note…"))
def note(modeladmin, request, queryset):
    def apply(actor, data):
        services.actor_note(actor=actor, note=data["note"], by_user=request.user)
    return form_action(modeladmin, request, queryset, form_class=NoteForm, title=_("Moderator note"), apply=apply,
                       allowed=lambda user, actor: is_moderator(user), done=_("noted"))


@admin.register(AskerActor)
class AskerActorAdmin(RoleAdmin):
    list_display = ("handle", "domain", "display_name", "created_at", "question_total", "report_total",
                    "moderator_note", "policy_summary")
    list_filter = ("is_local", "domain")
    search_fields = ("username", "domain", "display_name", "ap_id")
    actions = [mute, unmute, ban, unban, trust, note]
    fields = ("handle", "display_name", "domain", "ap_id", "created_at", "moderator_note", "policy_summary",
              "questions_across_amas", "reports")
    readonly_fields = fields

    def may_view(self, request, obj=None):
        return is_moderator(request.user)

    def may_change(self, request, obj=None):
        return is_moderator(request.user)

    def get_search_results(self, request, queryset, search_term):
        handle = handle_lookup(search_term)
        if handle is not None:
            return queryset.filter(handle), False
        return super().get_search_results(request, queryset, search_term)

    def get_queryset(self, request):
        notes = ActorPolicy.objects.filter(actor=OuterRef("pk"), ama__isnull=True).values("note")[:1]
        return super().get_queryset(request).exclude(actor_type="Application").annotate(
            question_total=Count("questions", distinct=True), report_total=Count("reports_received", distinct=True),
            note=Subquery(notes))

    @admin.display(description=_("handle"), ordering="username")
    def handle(self, obj):
        return obj.handle

    @admin.display(description=_("questions"), ordering="question_total")
    def question_total(self, obj):
        url = reverse("admin:ama_question_changelist") + f"?q=@{obj.username}@{obj.domain}"
        return format_html('<a href="{}">{}</a>', url, obj.question_total)

    @admin.display(description=_("reports"), ordering="report_total")
    def report_total(self, obj):
        return obj.report_total

    @admin.display(description=_("moderator note"))
    def moderator_note(self, obj):
        return obj.note or ""

    @admin.display(description=_("policies"))
    def policy_summary(self, obj):
        described = [_describe(p) for p in obj.policies.select_related("ama")]
        return "; ".join(text for text in described if text) or _("none")

    @admin.display(description=_("questions across AMAs"))
    def questions_across_amas(self, obj):
        rows = obj.questions.select_related("ama").order_by("-received_at")[:50]
        return format_html_join("", '<p><a href="{}">{}</a> — {} · {}</p>', (
            (reverse("admin:ama_question_change", args=[q.pk]), q.content_text[:80], q.ama.title, q.get_state_display())
            for q in rows)) or _("none")

    @admin.display(description=_("reports about this actor"))
    def reports(self, obj):
        rows = obj.reports_received.order_by("-created_at")[:20]
        return format_html_join("", '<p><a href="{}">{} {}</a> — {} · {}</p>', (
            (reverse("admin:ama_report_change", args=[r.pk]), _("report"), r.pk, r.get_state_display(),
             r.comment[:80]) for r in rows)) or _("none")


def _describe(policy: ActorPolicy) -> str:
    scope = policy.ama.title if policy.ama else gettext("all AMAs")
    parts = [str(name) for name, on in ((_("muted"), policy.muted), (_("banned"), policy.banned)) if on]
    if policy.banned and policy.banned_until:
        parts[-1] += gettext(" until %(time)s") % {"time": f"{policy.banned_until:%Y-%m-%d %H:%M}"}
    if policy.trust:
        parts.append(str(policy.get_trust_display()))
    return f"{scope}: {', '.join(parts)}" if parts else ""
