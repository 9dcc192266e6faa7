"""An AMA session (`Ama`), imported as `from ama.models import Ama`."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from federation.models import Actor


class AmaQuerySet(models.QuerySet):
    def visible(self):
        """What the public may see: published, not deleted."""
        return self.filter(deleted_at__isnull=True).exclude(state=Ama.State.DRAFT)

    def live(self):
        return self.visible().filter(state=Ama.State.LIVE)

    def upcoming(self):
        return self.visible().filter(state=Ama.State.SCHEDULED)

    def past(self):
        return self.visible().filter(state__in=[Ama.State.ENDED, Ama.State.ARCHIVED])

    def hosted_by(self, actor: Actor):
        return self.filter(Q(host=actor) | Q(cohosts=actor)).distinct()

    def accepting_questions(self):
        """Scheduled (collecting) or live AMAs."""
        return self.visible().filter(state__in=[Ama.State.SCHEDULED, Ama.State.LIVE])


class Ama(models.Model):
    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SCHEDULED = "scheduled", _("scheduled")
        LIVE = "live", _("live")
        ENDED = "ended", _("ended")
        ARCHIVED = "archived", _("archived")

    class Moderation(models.TextChoices):
        PRE = "pre", _("held until approved")
        POST = "post", _("shown at once, hideable")

    slug = models.SlugField(max_length=80, unique=True)
    host = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="hosted_amas")
    cohosts = models.ManyToManyField(Actor, blank=True, related_name="cohosted_amas")
    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction (Markdown)"), blank=True)
    intro_html = models.TextField(blank=True)
    language = models.CharField(_("language"), max_length=16, default="en")
    opens_at = models.DateTimeField(_("opens at"))
    closes_at = models.DateTimeField(_("closes at"))
    archive_after_days = models.PositiveIntegerField(default=30)
    state = models.CharField(max_length=10, choices=State.choices, default=State.DRAFT, db_index=True)
    moderation_mode = models.CharField(max_length=4, choices=Moderation.choices, default=Moderation.PRE)
    rate_limit_per_hour = models.PositiveIntegerField(default=5)
    max_question_length = models.PositiveIntegerField(default=2000)
    allow_downvotes = models.BooleanField(default=False)
    review_edits = models.BooleanField(default=True, help_text=_("An edited approved question returns to review."))
    show_late_questions = models.BooleanField(default=False)
    hold_first_question = models.BooleanField(default=True,
                                              help_text=_("A new actor's first question is held, even in post-moderation."))
    locked = models.BooleanField(default=False)
    ap_id = models.URLField(max_length=500, blank=True, db_index=True)
    group = models.OneToOneField(Actor, null=True, blank=True, on_delete=models.SET_NULL, related_name="group_ama")
    page_ap_id = models.URLField(max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)
    # Bumped by the live-event publisher on every change a viewer can see (ama/live): the ETag of every page
    # and API list of this AMA, the key of its cached renders and the id of its last event.
    version = models.PositiveBigIntegerField(default=0, editable=False)
    changed_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = AmaQuerySet.as_manager()

    class Meta:
        ordering = ["-opens_at"]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        """A full save of a loaded AMA leaves version and changed_at alone: only the live-event publisher
        writes them (in SQL), and a copy loaded before its last bump would put them back."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [field.name for field in self._meta.concrete_fields
                                       if not field.primary_key and field.name not in ("version", "changed_at")]
        super().save(*args, **kwargs)

    @property
    def is_open(self) -> bool:
        return self.state in (self.State.SCHEDULED, self.State.LIVE) and not self.deleted_at

    def state_for(self, now) -> str:
        """The state the schedule says this AMA should be in at `now` (drafts stay drafts)."""
        if self.state == self.State.DRAFT:
            return self.state
        if now < self.opens_at:
            return self.State.SCHEDULED
        if now < self.closes_at:
            return self.State.LIVE
        if now < self.closes_at + timezone.timedelta(days=self.archive_after_days):
            return self.State.ENDED
        return self.State.ARCHIVED

    def is_host(self, actor: Actor | None) -> bool:
        if actor is None:
            return False
        return actor.pk == self.host_id or self.cohosts.filter(pk=actor.pk).exists()
