"""The private audit log: who, what, when, before and after; undo where it can be undone."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import permissions, services
from ..models import AuditEntry
from ..services.moderation_undo import can_undo
from .access import RoleAdmin, is_moderator, moderated_amas


@admin.action(description=_("Undo selected actions (where possible)"))
def undo(modeladmin, request, queryset):
    done = 0
    for entry in queryset.select_related("question__ama", "question__author", "ama"):
        if not (can_undo(entry) and permissions.can_police_actors(request.user, entry.ama)):
            modeladmin.message_user(request, gettext("%(action)s #%(pk)d cannot be undone here.") % {
                "action": entry.action, "pk": entry.pk}, messages.WARNING)
            continue
        try:
            services.audit_undo(entry=entry, by_user=request.user)
            done += 1
        except services.ServiceError as error:
            modeladmin.message_user(request, f"#{entry.pk}: {error}", messages.ERROR)
    if done:
        modeladmin.message_user(request, gettext("%(count)d actions undone.") % {"count": done}, messages.SUCCESS)


@admin.register(AuditEntry)
class AuditEntryAdmin(RoleAdmin):
    list_display = ("created_at", "actor_user", "actor_ap_id", "action", "ama", "target", "reason", "public", "undoable",
                    "undone_at")
    list_filter = ("action", "public", "ama", "actor_user")
    search_fields = ("target", "reason", "action")
    date_hierarchy = "created_at"
    actions = [undo]
    fields = ("created_at", "actor_user", "actor_ap_id", "action", "ama", "question", "target", "reason", "public",
              "before_json", "after_json", "undone_at")
    readonly_fields = fields

    def may_view(self, request, obj=None):
        return is_moderator(request.user)

    def may_change(self, request, obj=None):
        return False

    def get_actions(self, request):
        actions = super().get_actions(request)
        actions.pop("delete_selected", None)
        return actions

    def get_queryset(self, request):
        queryset = super().get_queryset(request).select_related("actor_user", "ama")
        if permissions.moderates(request.user, None):
            return queryset
        return queryset.filter(ama__in=moderated_amas(request.user))

    @admin.display(boolean=True, description=_("undoable"))
    def undoable(self, obj):
        return can_undo(obj)

    @admin.display(description=_("before"))
    def before_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.before, indent=2, ensure_ascii=False))

    @admin.display(description=_("after"))
    def after_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.after, indent=2, ensure_ascii=False))

