"""Operators' view of federation: deliveries, inbox messages, domain health, actors, follows.

Read-only lists; the actions call functions in federation (outbox, inbox, breaker), never write rows here.
DomainBlock is registered by the moderation panel (ama/admin.py)."""

import json

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from . import breaker, inbox, outbox
from .models import Actor, Delivery, DomainHealth, Follow, InboxMessage


def pretty_json(value) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
    return format_html('<pre class="raw-json">{}</pre>', text)


class ReadOnlyAdmin(admin.ModelAdmin):
    class Media:
        css = {"all": ["federation/admin.css"]}

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.action(description=_("Retry now"))
def retry_now(modeladmin, request, queryset):
    count = outbox.retry_now(queryset.values_list("pk", flat=True))
    modeladmin.message_user(request, gettext("%(count)d deliveries sent now (only pending or retrying ones).") % {"count": count},
                            messages.SUCCESS)


@admin.action(description=_("Re-queue dead (and refused) deliveries"))
def requeue_dead(modeladmin, request, queryset):
    count = outbox.requeue_deliveries(queryset.values_list("pk", flat=True))
    modeladmin.message_user(request, gettext("%(count)d deliveries re-queued with a fresh retry schedule.") % {"count": count},
                            messages.SUCCESS)


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    list_display = ("id", "domain", "state", "attempts", "last_status", "short_error", "next_attempt_at",
                    "activity_type", "created_at")
    list_filter = ("state", "domain")
    search_fields = ("inbox", "domain", "activity__ap_id")
    list_select_related = ("activity",)
    readonly_fields = ("activity_link", "inbox", "domain", "state", "attempts", "next_attempt_at", "lease_until",
                       "last_status", "last_error", "created_at", "delivered_at", "activity_json")
    exclude = ("activity",)
    actions = [retry_now, requeue_dead]
    date_hierarchy = "created_at"

    @admin.display(description=_("activity"))
    def activity_type(self, obj):
        return obj.activity.activity_type

    @admin.display(description=_("activity"))
    def activity_link(self, obj):
        return obj.activity.ap_id

    @admin.display(description=_("last error"))
    def short_error(self, obj):
        return obj.last_error[:80]

    @admin.display(description=_("raw JSON"))
    def activity_json(self, obj):
        return pretty_json(obj.activity.body)


@admin.action(description=_("Re-process"))
def reprocess(modeladmin, request, queryset):
    count = inbox.requeue_messages(queryset.values_list("pk", flat=True))
    modeladmin.message_user(request, gettext("%(count)d inbox messages queued for processing again.") % {"count": count}, messages.SUCCESS)


@admin.register(InboxMessage)
class InboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "activity_type", "domain", "state", "attempts", "result", "received_at")
    list_filter = ("state", "domain", "activity_type")
    search_fields = ("ap_id", "actor_ap_id", "domain")
    readonly_fields = ("ap_id", "activity_type", "actor_ap_id", "domain", "key_id", "received_via", "state",
                       "attempts", "lease_until", "result", "error", "received_at", "processed_at", "body_json")
    exclude = ("body",)
    actions = [reprocess]

    @admin.display(description=_("raw JSON"))
    def body_json(self, obj):
        return pretty_json(obj.body)


@admin.action(description=_("Close the breaker (resume deliveries)"))
def resume(modeladmin, request, queryset):
    count = breaker.reset(queryset.values_list("domain", flat=True))
    modeladmin.message_user(request, gettext("%(count)d domains resumed.") % {"count": count}, messages.SUCCESS)


@admin.register(DomainHealth)
class DomainHealthAdmin(ReadOnlyAdmin):
    list_display = ("domain", "consecutive_failures", "paused_until", "unavailable", "failing_since",
                    "last_success_at", "last_failure_at", "signature_scheme")
    list_filter = ("unavailable", "signature_scheme")
    search_fields = ("domain",)
    ordering = ("-consecutive_failures", "domain")
    actions = [resume]


@admin.register(Actor)
class ActorAdmin(ReadOnlyAdmin):
    list_display = ("ap_id", "actor_type", "is_local", "domain", "fetched_at", "gone_at")
    list_filter = ("is_local", "actor_type", "domain")
    search_fields = ("ap_id", "username", "domain")
    exclude = ("private_key_pem", "raw")
    readonly_fields = ("raw_json",)

    @admin.display(description=_("raw JSON"))
    def raw_json(self, obj):
        return pretty_json(obj.raw)


@admin.register(Follow)
class FollowAdmin(ReadOnlyAdmin):
    list_display = ("follower", "followed", "state", "created_at")
    list_filter = ("state",)
    search_fields = ("follower__ap_id", "followed__ap_id")
    list_select_related = ("follower", "followed")
