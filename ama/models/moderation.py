"""Moderation records: per-actor policy, keyword filters, reports, moderator assignments, the audit log."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from federation.models import Actor

from .amas import Ama


class ActorPolicy(models.Model):
    """What moderators decided about one actor, for one AMA or (ama empty) for all."""

    class Trust(models.TextChoices):
        DEFAULT = "", _("default")
        ALWAYS_HOLD = "hold", _("always hold")
        ALWAYS_ALLOW = "allow", _("always allow")

    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="policies")
    ama = models.ForeignKey(Ama, null=True, blank=True, on_delete=models.CASCADE, related_name="actor_policies")
    muted = models.BooleanField(default=False)
    banned = models.BooleanField(default=False)
    banned_until = models.DateTimeField(null=True, blank=True)
    trust = models.CharField(max_length=5, choices=Trust.choices, blank=True, default="")
    note = models.TextField(blank=True, help_text=_("Private; shown to moderators wherever the actor appears."))
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("actor policy")
        verbose_name_plural = _("actor policies")
        constraints = [
            models.UniqueConstraint(fields=["actor", "ama"], name="one_policy_per_actor_and_ama"),
            models.UniqueConstraint(fields=["actor"], condition=models.Q(ama__isnull=True),
                                    name="one_global_policy_per_actor"),
        ]


class KeywordFilter(models.Model):
    class Action(models.TextChoices):
        HOLD = "hold", _("hold for review")
        REJECT = "reject", _("reject")

    ama = models.ForeignKey(Ama, null=True, blank=True, on_delete=models.CASCADE, related_name="keyword_filters",
                            verbose_name=_("AMA"), help_text=_("Empty: applies to every AMA."))
    pattern = models.CharField(_("pattern"), max_length=300)
    is_regex = models.BooleanField(_("regular expression"), default=False, help_text=_("Otherwise a whole-word match, any case."))
    action = models.CharField(_("action"), max_length=6, choices=Action.choices, default=Action.HOLD)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("keyword filter")
        verbose_name_plural = _("keyword filters")

    def __str__(self):
        return self.pattern


class Report(models.Model):
    class State(models.TextChoices):
        OPEN = "open", _("open")
        RESOLVED = "resolved", _("resolved")

    ap_id = models.URLField(_("ActivityPub id"), max_length=500, blank=True)
    reporter = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="reports_made",
                                 verbose_name=_("reported by"))
    reporter_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="reports_made", verbose_name=_("reported by (account here)"))
    target_actor = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.CASCADE,
                                     related_name="reports_received", verbose_name=_("reported actor"))
    question = models.ForeignKey("ama.Question", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="reports", verbose_name=_("question"))
    comment = models.TextField(_("comment"), blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.OPEN, db_index=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="assigned_reports", verbose_name=_("assigned to"))
    resolution_note = models.TextField(_("resolution note"), blank=True)
    forwarded_at = models.DateTimeField(pgettext_lazy("report", "forwarded at"), null=True, blank=True)
    created_at = models.DateTimeField(pgettext_lazy("report", "created at"), default=timezone.now)
    resolved_at = models.DateTimeField(pgettext_lazy("report", "resolved at"), null=True, blank=True)

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")


class ModeratorAssignment(models.Model):
    """A moderator's scope: every AMA (ama empty) or chosen ones."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="moderation_scopes",
                             verbose_name=pgettext_lazy("person", "moderator"))
    ama = models.ForeignKey(Ama, null=True, blank=True, on_delete=models.CASCADE, related_name="moderators",
                            verbose_name=_("AMA"), help_text=_("Empty: every AMA."))

    class Meta:
        verbose_name = _("moderator assignment")
        verbose_name_plural = _("moderator assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "ama"], name="one_assignment"),
            models.UniqueConstraint(fields=["user"], condition=models.Q(ama__isnull=True),
                                    name="one_global_assignment"),
        ]


class AuditEntry(models.Model):
    """Every staff action: who, what, when, before and after. Public entries appear in the AMA's log."""

    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   verbose_name=_("actor user"))
    actor_ap_id = models.URLField(_("actor ActivityPub id"), max_length=500, blank=True,
                                  help_text=_("A moderator on another server (a verified remote co-host) who acted."))
    action = models.CharField(_("action"), max_length=60, db_index=True)
    ama = models.ForeignKey(Ama, null=True, blank=True, on_delete=models.SET_NULL, related_name="audit_entries",
                            verbose_name=_("AMA"))
    question = models.ForeignKey("ama.Question", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="audit_entries", verbose_name=_("question"))
    target = models.CharField(_("target"), max_length=500, blank=True, help_text=_("Actor, domain or object acted on."))
    reason = models.TextField(_("reason"), blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    public = models.BooleanField(_("public"), default=False)
    undone_at = models.DateTimeField(_("undone at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-created_at", "-pk"]
