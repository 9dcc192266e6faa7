"""Hosts on other servers: a claim that a remote fediverse account hosts (or co-hosts) an AMA, proven by a
code the account sends to us."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from federation.models import Actor

from .amas import Ama


class RemoteHostClaimQuerySet(models.QuerySet):
    def verified(self):
        return self.filter(verified_at__isnull=False)

    def waiting(self):
        return self.filter(verified_at__isnull=True)


class RemoteHostClaim(models.Model):
    class Role(models.TextChoices):
        HOST = "host", _("host")
        COHOST = "cohost", _("co-host")

    ama = models.ForeignKey(Ama, on_delete=models.CASCADE, related_name="remote_host_claims")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="remote_host_claims")
    role = models.CharField(max_length=6, choices=Role.choices, default=Role.COHOST)
    code = models.CharField(max_length=40, db_index=True)
    evidence_ap_id = models.URLField(max_length=500, blank=True, help_text=_("The post that carried the code."))
    created_at = models.DateTimeField(default=timezone.now)
    verified_at = models.DateTimeField(null=True, blank=True)
    # Named in the signed link to the account's notification choices (ama/services/notification_links.py):
    # raising it makes every link sent before refused.
    preferences_link_version = models.PositiveIntegerField(default=0)

    objects = RemoteHostClaimQuerySet.as_manager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ama", "actor"], name="one_claim_per_actor_and_ama")]

    def __str__(self):
        return f"{self.actor} {self.role} of {self.ama}"
