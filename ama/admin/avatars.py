"""Avatars in the admin: the pictures we serve, the remote icons that failed (and why), a host's upload.

An administrator sets any local host's picture (Add avatar) and sees every row; a host, only their own. Writes go
through ama.services.avatars and federation.avatars; rows are never edited here."""

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from federation import avatars
from federation.avatar_images import BadImage, thumbnails
from federation.models import Actor, ActorAvatar

from .. import permissions
from ..forms import avatar_refusal, picture_bytes, picture_field
from ..services.avatars import avatar_clear, avatar_set
from .access import for_each, is_staff


class AvatarAdminForm(forms.ModelForm):
    host = forms.ModelChoiceField(queryset=Actor.objects.none(), label=_("Host"))
    picture = picture_field()

    class Meta:
        model = ActorAvatar
        fields = ()

    def clean_picture(self):
        data = picture_bytes(self.cleaned_data["picture"])
        try:
            thumbnails(data)
        except BadImage as error:
            raise avatar_refusal(error.code) from None
        return data


@admin.action(description=_("Remove the uploaded picture (show the initials)"))
def remove_picture(modeladmin, request, queryset):
    for_each(modeladmin, request, queryset.filter(uploaded=True).select_related("actor"),
             lambda user, row: may_set(user, row.actor),
             lambda row: avatar_clear(actor=row.actor, by_user=request.user), _("pictures removed"))


@admin.action(description=_("Fetch the remote icon again"))
def fetch_again(modeladmin, request, queryset):
    for_each(modeladmin, request, queryset.filter(uploaded=False).select_related("actor"),
             lambda user, row: permissions.is_admin(user),
             lambda row: avatars.queue_refetch(row.actor), _("fetches queued"))


def may_set(user, actor: Actor) -> bool:
    return permissions.is_admin(user) or actor == permissions.actor_of_user(user)


@admin.register(ActorAvatar)
class AvatarAdmin(admin.ModelAdmin):
    form = AvatarAdminForm
    actions = [remove_picture, fetch_again]
    list_display = ("actor", "picture", "uploaded", "source", "failure", "updated_at")
    list_filter = ("uploaded",)
    search_fields = ("actor__username", "actor__domain", "failure")
    list_select_related = ("actor",)

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        if permissions.is_admin(request.user):
            return rows
        actor = permissions.actor_of_user(request.user)
        return rows.filter(actor=actor) if actor else rows.none()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        hosts = Actor.objects.local().filter(actor_type=Actor.Type.PERSON).order_by("username")
        if not permissions.is_admin(request.user):
            own = permissions.actor_of_user(request.user)
            hosts = hosts.filter(pk=own.pk if own else None)
        form.base_fields["host"].queryset = hosts
        return form

    def save_model(self, request, obj, form, change):
        host = form.cleaned_data["host"]
        avatar_set(actor=host, data=form.cleaned_data["picture"], by_user=request.user)
        obj.pk = obj.actor_id = host.pk

    def save_related(self, request, form, formsets, change):
        pass  # nothing else to save: the service wrote the row

    @admin.display(description=_("Picture"))
    def picture(self, row) -> str:
        if not row.digest:
            return "—"
        return format_html('<img src="{}" width="48" height="48" alt="">', avatars.url_of(row.digest, 96))

    @admin.display(description=_("fetched from"))
    def source(self, row) -> str:
        return row.source_url or "—"  # shown as text, never as a link or an image: it is a stranger's URL

    def has_module_permission(self, request):
        return is_staff(request)

    def has_view_permission(self, request, obj=None):
        return is_staff(request) and (obj is None or may_set(request.user, obj.actor))

    def has_add_permission(self, request):
        return is_staff(request) and (permissions.is_admin(request.user)
                                      or permissions.actor_of_user(request.user) is not None)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
