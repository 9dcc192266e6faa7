"""Live events: what changed on an AMA's pages, in order, for the event streams (ama/live)."""

from django.db import models
from django.utils import timezone

from .amas import Ama
from .threads import Question


class LiveEvent(models.Model):
    """One change a viewer (public) or a moderator sees, written by ama.live.publish in the service's
    transaction. `seq` is the AMA's version after the change: per AMA, strictly increasing, the SSE id."""

    class Audience(models.TextChoices):
        PUBLIC = "public"
        MODERATORS = "moderators"

    ama = models.ForeignKey(Ama, on_delete=models.CASCADE, related_name="live_events")
    seq = models.PositiveBigIntegerField()
    kind = models.CharField(max_length=32)
    audience = models.CharField(max_length=10, choices=Audience.choices, default=Audience.PUBLIC)
    # the question it is about (the vote coalescer finds a question's last votes_changed event through it)
    question = models.ForeignKey(Question, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["ama", "seq"], name="live_event_seq")]

    def __str__(self):
        return f"{self.kind} #{self.seq}"
