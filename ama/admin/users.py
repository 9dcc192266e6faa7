"""Users in the admin, with what makes one a host: the **Make host** action (administrators only) gives each
selected account its fediverse identity through ama.services.host_create, and the list shows who hosts."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from federation.models import Actor

from .. import permissions, services
from .access import for_each

User = get_user_model()


@admin.action(description=_("Make host (a fediverse account on this server that holds AMAs)"),
              permissions=["make_host"])
def make_host(modeladmin, request, queryset):
    for_each(modeladmin, request, queryset, lambda user, account: True,
             lambda account: services.host_create(user=account, by_user=request.user), _("made hosts"))


class HostUserAdmin(UserAdmin):
    actions = [make_host]
    list_display = ("username", "host_handle", "email", "is_staff", "is_superuser", "is_active")

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("actors")

    @admin.display(description=_("Host"))
    def host_handle(self, user) -> str:
        actor = next((a for a in user.actors.all() if a.is_local and a.actor_type == Actor.Type.PERSON), None)
        return actor.handle if actor else "—"

    def has_make_host_permission(self, request) -> bool:
        return permissions.is_admin(request.user)


admin.site.unregister(User)
admin.site.register(User, HostUserAdmin)
