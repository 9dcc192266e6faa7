"""Placements: an AMA held in an existing community on another server (a Lemmy, Mbin or PieFed `Group`),
where the host's account posts the AMA and follows the community to hear what is said under it."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from federation.models import Actor

from .amas import Ama


class Placement(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("waiting for the AMA to be published")
        POSTED = "posted", _("posted")
        REFUSED = "refused", _("refused by the community")
        ENDED = "ended", _("ended")
        WITHDRAWN = "withdrawn", _("withdrawn by the host")

    ama = models.ForeignKey(Ama, on_delete=models.CASCADE, related_name="placements")
    community = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="placements")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    refused_reason = models.CharField(max_length=500, blank=True)
    post_ap_id = models.URLField(max_length=500, blank=True, db_index=True)
    follow_ap_id = models.URLField(max_length=500, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    posted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["ama", "community"], name="one_placement_per_community")]

    def __str__(self):
        return f"{self.ama.slug} in {self.community.handle}"
