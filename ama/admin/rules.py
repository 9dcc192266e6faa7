"""Keyword filters (global or per AMA; whole word or regular expression; hold or reject) and moderator
assignments (who moderates which AMAs; admins only)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .. import audit, permissions, services
from ..models import KeywordFilter, ModeratorAssignment
from ..services.moderation_reports import regex_error
from .access import RoleAdmin, is_moderator, moderated_amas


class KeywordFilterForm(forms.ModelForm):
    class Meta:
        model = KeywordFilter
        fields = ("ama", "pattern", "is_regex", "action")

    def clean(self):
        data = super().clean()
        if data.get("is_regex") and data.get("pattern") and regex_error(data["pattern"]):
            self.add_error("pattern", gettext("Not a valid regular expression: %(error)s") % {
                "error": regex_error(data["pattern"])})
        return data


@admin.register(KeywordFilter)
class KeywordFilterAdmin(RoleAdmin):
    form = KeywordFilterForm
    list_display = ("pattern", "is_regex", "action", "ama", "created_at")
    list_filter = ("action", "is_regex", "ama")
    search_fields = ("pattern",)
    actions = ["remove_filters"]

    def may_view(self, request, obj=None):
        if obj is not None:
            return permissions.can_police_actors(request.user, obj.ama)
        return is_moderator(request.user)

    def has_add_permission(self, request):
        return self.has_change_permission(request)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if permissions.moderates(request.user, None):
            return queryset
        return queryset.filter(ama__in=moderated_amas(request.user))

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not permissions.moderates(request.user, None):
            form.base_fields["ama"].queryset = moderated_amas(request.user)
            form.base_fields["ama"].required = True
        return form

    def save_model(self, request, obj, form, change):
        services.keyword_filter_save(rule=obj, by_user=request.user)

    @admin.action(description=_("Remove selected filters"))
    def remove_filters(self, request, queryset):
        count = 0
        for rule in queryset:
            if permissions.can_police_actors(request.user, rule.ama):
                services.keyword_filter_delete(rule=rule, by_user=request.user)
                count += 1
        self.message_user(request, gettext("%(count)d filters removed.") % {"count": count}, messages.SUCCESS)


@admin.register(ModeratorAssignment)
class ModeratorAssignmentAdmin(RoleAdmin):
    """Admins choose moderators: all AMAs (AMA empty) or chosen ones. The user must be staff."""

    list_display = ("user", "ama")
    list_filter = ("ama",)

    def has_add_permission(self, request):
        return permissions.is_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return permissions.is_admin(request.user)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit.record(user=request.user, action="moderator.assign", ama=obj.ama, target=obj.user.username)

    def delete_model(self, request, obj):
        audit.record(user=request.user, action="moderator.remove", ama=obj.ama, target=obj.user.username)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)
