"""Remote tallies: what we know of each remote question's likes on its origin server, and when to ask again.

ama/tallies reads and schedules these rows; ama.services.questions_tally_update is the one writer of what a
viewer sees (Question.remote_like_count). FEDERATION.md "Remote tallies" has the rules."""

from django.db import models
from django.utils import timezone

from .threads import Question


class TallyState(models.Model):
    """One per remote question we refetch. `next_refresh_at` is also the claim: a refresher moves it past its
    lease in a conditional UPDATE before fetching (`claim` names the run), so one fetch per object is in flight."""

    question = models.OneToOneField(Question, primary_key=True, on_delete=models.CASCADE, related_name="tally")
    origin = models.CharField(max_length=255, db_index=True)  # host[:port] of the question's ap_id
    likes_total = models.IntegerField(null=True, blank=True)  # the origin's totalItems (null: it gives none)
    likers = models.JSONField(default=list, blank=True)  # actor ids it listed (first page, bounded)
    likers_unnamed = models.IntegerField(default=0)  # listed items we could not name
    seen_at = models.DateTimeField(null=True, blank=True)  # last answer with a document (200 or 304)
    etag = models.CharField(max_length=200, blank=True)
    last_modified = models.CharField(max_length=64, blank=True)
    next_refresh_at = models.DateTimeField(null=True, blank=True, db_index=True)  # null: no more refreshes
    interval = models.PositiveIntegerField(default=0)  # seconds between the last two refreshes
    failures = models.PositiveSmallIntegerField(default=0)  # in a row
    last_error = models.CharField(max_length=200, blank=True)
    claim = models.CharField(max_length=32, blank=True)

    class Meta:
        indexes = [models.Index(fields=["next_refresh_at", "origin"], name="tally_due")]


class TallyOrigin(models.Model):
    """An origin's request budget: fetches spent in the current minute window."""

    host = models.CharField(max_length=255, primary_key=True)
    window_started_at = models.DateTimeField(default=timezone.now)
    spent = models.PositiveIntegerField(default=0)


class TallyRun(models.Model):
    """The one refresher allowed to run at a time (its lease), so per-origin limits hold across processes."""

    name = models.CharField(max_length=20, primary_key=True)
    lease_until = models.DateTimeField(default=timezone.now)
