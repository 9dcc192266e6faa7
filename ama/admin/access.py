"""Roles in the admin: staff status plus ama.permissions decide (no Django permission rows needed)."""

from django.contrib import admin, messages
from django.db.models import Q
from django.utils.translation import gettext as _

from .. import permissions
from ..models import Ama, ModeratorAssignment
from ..services import ServiceError


def is_staff(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


def moderated_amas(user):
    """AMAs the user moderates (all of them for admins and global moderators)."""
    if permissions.is_admin(user) or permissions.moderates(user, None):
        return Ama.objects.all()
    return Ama.objects.filter(moderators__user=user)


def hosted_amas(user):
    actor = permissions.actor_of_user(user)
    return Ama.objects.hosted_by(actor) if actor else Ama.objects.none()


def question_amas(user):
    """AMAs whose questions the user may act on: moderated or hosted."""
    if permissions.is_admin(user) or permissions.moderates(user, None):
        return Ama.objects.all()
    actor = permissions.actor_of_user(user)
    hosted = Q(host=actor) | Q(cohosts=actor) if actor else Q(pk__in=[])
    return Ama.objects.filter(Q(moderators__user=user) | hosted).distinct()


def is_moderator(user) -> bool:
    return permissions.is_admin(user) or ModeratorAssignment.objects.filter(user=user).exists()


def for_each(modeladmin, request, queryset, allowed, apply, done: str) -> int:
    """Run `apply(obj)` for every object the user may act on; reports refusals and service errors."""
    count, refused = 0, 0
    for obj in queryset:
        if not allowed(request.user, obj):
            refused += 1
            continue
        try:
            apply(obj)
            count += 1
        except ServiceError as error:
            modeladmin.message_user(request, _("%(object)s: %(error)s") % {"object": obj, "error": error}, messages.ERROR)
    if refused:
        modeladmin.message_user(request, _("%(count)d not allowed for your role.") % {"count": refused},
                                 messages.WARNING)
    if count:
        modeladmin.message_user(request, _("%(count)d %(done)s.") % {"count": count, "done": done}, messages.SUCCESS)
    return count


class RoleAdmin(admin.ModelAdmin):
    """Module and row permissions by role; subclasses say who may view (`may_view`) and change."""

    def may_view(self, request, obj=None) -> bool:
        return permissions.is_admin(request.user)

    def may_change(self, request, obj=None) -> bool:
        return self.may_view(request, obj)

    def has_module_permission(self, request):
        return is_staff(request) and self.may_view(request)

    def has_view_permission(self, request, obj=None):
        return is_staff(request) and self.may_view(request, obj)

    def has_change_permission(self, request, obj=None):
        return is_staff(request) and self.may_change(request, obj)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
