"""Telling hosts that questions wait and that their AMA opened: each person's choice (channel, period) and
the digest's progress per person and AMA. Written only by ama/services/notifications.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from federation.models import Actor

from .amas import Ama


class NotificationPreference(models.Model):
    """A person's choice: a local user or a remote actor; for one AMA, or every AMA (ama empty)."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("e-mail")
        DM = "dm", _("direct message on the fediverse")
        NONE = "none", _("none")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="notification_preferences")
    actor = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.CASCADE,
                              related_name="notification_preferences")
    ama = models.ForeignKey(Ama, null=True, blank=True, on_delete=models.CASCADE,
                            related_name="notification_preferences")
    channel = models.CharField(_("channel"), max_length=5, choices=Channel.choices, default=Channel.EMAIL)
    digest_minutes = models.PositiveIntegerField(_("digest every (minutes)"), default=60)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(user__isnull=False) | Q(actor__isnull=False),
                                   name="notification_preference_has_a_person"),
            models.UniqueConstraint(fields=["user", "ama"], name="one_notification_preference_per_user_and_ama"),
            models.UniqueConstraint(fields=["actor", "ama"], name="one_notification_preference_per_actor_and_ama"),
            models.UniqueConstraint(fields=["actor"], condition=Q(ama__isnull=True),
                                    name="one_every_ama_notification_preference_per_actor"),
        ]


class NotificationDigest(models.Model):
    """How far one person's digests for one AMA went: advanced only after a successful send."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE,
                             related_name="+")
    actor = models.ForeignKey(Actor, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    ama = models.ForeignKey(Ama, on_delete=models.CASCADE, related_name="notification_digests")
    sent_at = models.DateTimeField(null=True, blank=True)
    questions_until = models.DateTimeField(null=True, blank=True, help_text=_(
        "The latest received time of the questions already told about."))
    opened_notice_sent = models.BooleanField(default=False)
