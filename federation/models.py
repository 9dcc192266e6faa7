"""Federation records: actors (local and remote), follows, inbox messages, outbox activities, deliveries.

Nothing here knows about AMAs. Writes go through federation's modules (actors, inbox, outbox, domain_policy).
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ActorQuerySet(models.QuerySet):
    def local(self):
        return self.filter(is_local=True)

    def remote(self):
        return self.filter(is_local=False)


def handle_lookup(term: str, prefix: str = "") -> models.Q | None:
    """What `@user@domain` (the leading @ optional) names, as a Q on actors reached through `prefix` (e.g.
    "author__"): the username, and the domain people see in the handle or the one in the actor's id (they
    differ on servers with a separate web domain). None when `term` is not a handle."""
    term = term.strip().lstrip("@")
    username, at, domain = term.partition("@")
    if not (at and username and domain) or " " in term or "@" in domain:
        return None
    return models.Q(**{f"{prefix}username__iexact": username}) & (
        models.Q(**{f"{prefix}handle_domain__iexact": domain}) | models.Q(**{f"{prefix}domain__iexact": domain}))


class Actor(models.Model):
    """Any ActivityPub actor. Local ones carry a private key; remote ones are a cache of their document."""

    class Type(models.TextChoices):
        PERSON = "Person", _("person")
        APPLICATION = "Application", _("application")
        GROUP = "Group", _("group")
        SERVICE = "Service", _("service")
        ORGANIZATION = "Organization", _("organization")

    ap_id = models.URLField(_("ActivityPub id"), max_length=500, unique=True)
    is_local = models.BooleanField(_("on this server"), default=False, db_index=True)
    actor_type = models.CharField(_("actor type"), max_length=20, choices=Type.choices, default=Type.PERSON)
    username = models.CharField(_("username"), max_length=200)
    # the host of ap_id: blocks and checks use it
    domain = models.CharField(_("domain"), max_length=255, db_index=True)
    # the domain of the handle when WebFinger confirms one other than `domain` (federation.webfinger)
    handle_domain = models.CharField(_("handle's domain"), max_length=255, blank=True)
    display_name = models.CharField(_("display name"), max_length=300, blank=True)
    summary = models.TextField(_("profile text"), blank=True)
    url = models.URLField(_("profile page"), max_length=500, blank=True)
    icon_url = models.URLField(_("avatar address"), max_length=500, blank=True)
    inbox = models.URLField(_("inbox"), max_length=500, blank=True)
    shared_inbox = models.URLField(_("shared inbox"), max_length=500, blank=True)
    outbox = models.URLField(_("outbox"), max_length=500, blank=True)
    followers_url = models.URLField(_("followers collection"), max_length=500, blank=True)
    key_id = models.CharField(_("key id"), max_length=500, blank=True, db_index=True)
    public_key_pem = models.TextField(_("public key (PEM)"), blank=True)
    private_key_pem = models.TextField(_("private key (PEM)"), blank=True)
    manually_approves_followers = models.BooleanField(_("approves followers by hand"), default=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="actors", verbose_name=_("account on this server"))
    raw = models.JSONField(_("document as fetched"), null=True, blank=True)
    fetched_at = models.DateTimeField(_("fetched at"), null=True, blank=True)
    gone_at = models.DateTimeField(_("gone at"), null=True, blank=True)
    created_at = models.DateTimeField(_("first seen"), default=timezone.now)

    objects = ActorQuerySet.as_manager()

    class Meta:
        verbose_name = _("actor")
        verbose_name_plural = _("actors")
        constraints = [
            models.UniqueConstraint(fields=["username", "domain", "actor_type"], condition=models.Q(is_local=True),
                                    name="unique_local_actor_name"),
        ]

    def __str__(self):
        return self.handle

    @property
    def handle(self) -> str:
        return f"@{self.username}@{self.handle_domain or self.domain}"

    @property
    def delivery_inbox(self) -> str:
        return self.shared_inbox or self.inbox


class Follow(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("follow", "pending")
        ACCEPTED = "accepted", pgettext_lazy("follow", "accepted")
        REJECTED = "rejected", pgettext_lazy("follow", "rejected")

    follower = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="following_set",
                                 verbose_name=_("follower"))
    followed = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="follower_set",
                                 verbose_name=_("followed"))
    ap_id = models.URLField(_("ActivityPub id"), max_length=500, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    created_at = models.DateTimeField(_("since"), default=timezone.now)

    class Meta:
        verbose_name = _("follow")
        verbose_name_plural = _("follows")
        constraints = [models.UniqueConstraint(fields=["follower", "followed"], name="unique_follow")]
        indexes = [models.Index(fields=["followed", "state"], name="followers_of")]


class InboxMessage(models.Model):
    """A received activity, stored raw before anything else happens; unique by activity id.

    Every accepted activity is one INSERT on the request path, and each index costs it a page write: besides
    the unique activity id only `state` is indexed (workers look for waiting rows by it); the admin's other
    filters scan, newest first, which a moderator's page can afford."""

    class State(models.TextChoices):
        QUEUED = "queued", pgettext_lazy("inbox message", "queued")
        PROCESSING = "processing", pgettext_lazy("inbox message", "processing")
        # a server it needed could not be reached: taken again at next_attempt_at
        RETRYING = "retrying", pgettext_lazy("inbox message", "retrying")
        PROCESSED = "processed", pgettext_lazy("inbox message", "processed")
        IGNORED = "ignored", pgettext_lazy("inbox message", "ignored")
        FAILED = "failed", pgettext_lazy("inbox message", "failed")

    ap_id = models.CharField(_("ActivityPub id"), max_length=500, unique=True)
    activity_type = models.CharField(_("activity type"), max_length=40)
    actor_ap_id = models.CharField(_("sender"), max_length=500)
    domain = models.CharField(_("domain"), max_length=255)
    key_id = models.CharField(_("signing key"), max_length=500, blank=True)
    received_via = models.CharField(_("received via"), max_length=200, blank=True)
    body = models.JSONField(_("body"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.QUEUED, db_index=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    lease_until = models.DateTimeField(_("taken until"), null=True, blank=True)
    # when a retrying row is taken again
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=200, blank=True)
    error = models.TextField(_("error"), blank=True)
    received_at = models.DateTimeField(pgettext_lazy("inbox message", "received at"), default=timezone.now)
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbox message")
        verbose_name_plural = _("inbox messages")

    def __str__(self):
        return f"{self.activity_type} {self.ap_id}"


class OutboxActivity(models.Model):
    """An activity we published: the body delivered, served at its id, listed in the actor's outbox."""

    ap_id = models.URLField(max_length=500, unique=True)
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="outbox_activities")
    activity_type = models.CharField(max_length=40)
    body = models.JSONField()
    public = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self):
        return f"{self.activity_type} {self.ap_id}"


class Delivery(models.Model):
    """One signed POST of one activity to one inbox. The row is the truth; Celery only carries its id."""

    class State(models.TextChoices):
        PENDING = "pending", pgettext_lazy("delivery", "pending")
        IN_FLIGHT = "in_flight", pgettext_lazy("delivery", "in flight")
        RETRYING = "retrying", pgettext_lazy("delivery", "retrying")
        DELIVERED = "delivered", pgettext_lazy("delivery", "delivered")
        FAILED = "failed", pgettext_lazy("delivery", "refused")  # permanent refusal (4xx, 410, 501)
        DEAD = "dead", pgettext_lazy("delivery", "given up")  # retries exhausted; an operator can re-queue

    # A fan-out inserts a row per inbox in the answer's transaction, and every index slows that insert: the
    # unique (activity, inbox) also serves lookups by activity; (state, next_attempt_at) the sweeper and the
    # purge; (domain, state) the per-domain cap, the breaker and federation_status.
    activity = models.ForeignKey(OutboxActivity, on_delete=models.CASCADE, related_name="deliveries",
                                 db_index=False, verbose_name=_("activity"))
    inbox = models.URLField(_("inbox"), max_length=500)
    domain = models.CharField(_("domain"), max_length=255)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"), default=timezone.now)
    lease_until = models.DateTimeField(_("taken until"), null=True, blank=True)
    last_status = models.PositiveIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [models.UniqueConstraint(fields=["activity", "inbox"], name="unique_delivery_per_inbox")]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="delivery_due"),
                   models.Index(fields=["domain", "state"], name="delivery_domain_state")]


class DomainHealth(models.Model):
    """Per-domain circuit breaker and the signature scheme that works there."""

    class Scheme(models.TextChoices):
        CAVAGE = "cavage", _("draft-cavage HTTP signatures")
        RFC9421 = "rfc9421", _("RFC 9421 HTTP message signatures")

    domain = models.CharField(_("domain"), max_length=255, primary_key=True)
    consecutive_failures = models.PositiveIntegerField(_("consecutive failures"), default=0)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    failing_since = models.DateTimeField(_("failing since"), null=True, blank=True)
    unavailable = models.BooleanField(_("unavailable"), default=False)
    last_success_at = models.DateTimeField(_("last success at"), null=True, blank=True)
    last_failure_at = models.DateTimeField(_("last failure at"), null=True, blank=True)
    signature_scheme = models.CharField(_("signature scheme"), max_length=10, choices=Scheme.choices,
                                        default=Scheme.CAVAGE)

    class Meta:
        verbose_name = _("domain health")
        verbose_name_plural = _("domain health")


class DomainBlock(models.Model):
    """Server-level policy for a remote domain (and its subdomains), stored in punycode."""

    class Severity(models.TextChoices):
        SUSPEND = "suspend", _("block")
        LIMIT = "silence", _("limit")

    domain = models.CharField(_("domain"), max_length=255, unique=True)
    severity = models.CharField(_("severity"), max_length=10, choices=Severity.choices, default=Severity.SUSPEND)
    public_comment = models.TextField(_("public comment"), blank=True)
    private_comment = models.TextField(_("private comment"), blank=True)
    is_draft = models.BooleanField(_("draft"), default=False, help_text=_("Imported entries wait here until approved."))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("domain block")
        verbose_name_plural = _("domain blocks")

    def __str__(self):
        return f"{self.get_severity_display()} {self.domain}"


class ActorAvatar(models.Model):
    """An actor's picture as we serve it: our own thumbnails (federation.avatar_images) named by `digest`.

    A local actor's is uploaded (`uploaded`); a remote actor's is its `icon_url` fetched once (`source_url` is the
    URL it came from: when the actor's icon_url moves on, the row is stale and the icon is fetched again). A failed
    fetch keeps its `failure` so pages do not ask again before FAILURE_RETRY (federation.avatars).
    """

    actor = models.OneToOneField(Actor, on_delete=models.CASCADE, primary_key=True, related_name="avatar",
                                 verbose_name=_("actor"))
    digest = models.CharField(_("picture digest"), max_length=64, blank=True)
    uploaded = models.BooleanField(_("uploaded here"), default=False)
    source_url = models.URLField(_("fetched from"), max_length=500, blank=True)
    failure = models.CharField(_("why the fetch failed"), max_length=200, blank=True)
    queued_at = models.DateTimeField(_("fetch queued at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)

    class Meta:
        verbose_name = _("avatar")
        verbose_name_plural = _("avatars")

    def __str__(self):
        return f"avatar of {self.actor_id}"
