"""Questions, their revisions, answers and votes."""

from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from federation.activities import host_of
from federation.domain_policy import blocked_domains_filter
from federation.models import Actor

from .amas import Ama


class QuestionQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(state=Question.State.PENDING)

    def shown(self):
        """What the public sees: published, not hidden, not late unless the AMA shows late questions,
        not from a blocked domain."""
        return self.filter(state=Question.State.PUBLISHED).filter(
            Q(is_late=False) | Q(ama__show_late_questions=True)).exclude(blocked_domains_filter("author__domain"))

    def on_page(self):
        """What the AMA page lists: shown questions, plus those their author deleted after approval that
        keep a live answer (shown as "deleted by its author" with the answer)."""
        has_answer = models.Exists(Answer.objects.filter(question=models.OuterRef("pk"), deleted_at__isnull=True))
        deleted = Q(state=Question.State.DELETED, published_at__isnull=False) & has_answer
        shown = Q(state=Question.State.PUBLISHED) & (Q(is_late=False) | Q(ama__show_late_questions=True))
        return self.filter(shown | deleted).exclude(blocked_domains_filter("author__domain"))

    def answered(self):
        return self.filter(answered_at__isnull=False)

    def unanswered(self):
        return self.filter(answered_at__isnull=True)

    def sorted_by(self, key: str):
        score = (models.F("vote_count") + models.F("remote_like_count")).desc()
        orders = {
            "top": [score, "received_at"],
            "newest": ["-received_at"],
            "oldest": ["received_at"],
        }
        if key == "answered":
            return self.answered().order_by("-answered_at")
        if key == "unanswered":
            return self.unanswered().order_by(score, "received_at")
        return self.order_by(*orders.get(key, orders["top"]), "pk")

    def with_counts(self):
        return self.annotate(answer_count=Count("answers", filter=Q(answers__deleted_at__isnull=True)))


class Question(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("pending")
        PUBLISHED = "published", _("published")
        REJECTED = "rejected", _("rejected")
        HIDDEN = "hidden", _("hidden")
        MERGED = "merged", _("merged")
        DELETED = "deleted", _("deleted by its author")

    class RejectReason(models.TextChoices):
        OFF_TOPIC = "off-topic", _("off-topic")
        DUPLICATE = "duplicate", _("duplicate")
        ABUSIVE = "abusive", _("abusive")
        PERSONAL_DATA = "personal-data", _("personal data")
        SPAM = "spam", _("spam")
        OTHER = "other", _("other")

    ama = models.ForeignKey(Ama, on_delete=models.CASCADE, related_name="questions", verbose_name=_("AMA"))
    author = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="questions",
                               verbose_name=pgettext_lazy("question", "author"))
    ap_id = models.URLField(_("ActivityPub id"), max_length=500, unique=True)
    url = models.URLField(_("address on its server"), max_length=500, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="follow_ups",
                               verbose_name=_("follow-up of"))
    in_reply_to = models.URLField(_("in reply to"), max_length=500, blank=True)
    content_html = models.TextField(_("content (HTML)"))
    content_text = models.TextField(_("text"))
    language = models.CharField(_("language"), max_length=16, blank=True)
    display_html = models.TextField(_("text shown"), blank=True,
                                    help_text=_("A moderator's edit for display; the original is kept."))
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    held_by = models.CharField(_("held by rule"), max_length=200, blank=True,
                               help_text=_("The rule that held this question."))
    is_late = models.BooleanField(_("late"), default=False)
    is_edited = models.BooleanField(pgettext_lazy("question", "edited"), default=False)
    reject_reason = models.CharField(_("rejection reason"), max_length=20, choices=RejectReason.choices, blank=True)
    reject_note = models.TextField(_("rejection note"), blank=True)
    merged_into = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged",
                                    verbose_name=_("merged into"))
    starred = models.BooleanField(_("starred"), default=False)
    now_answering = models.BooleanField(_("now answering"), default=False)
    locked = models.BooleanField(pgettext_lazy("question", "locked"), default=False)
    answered_at = models.DateTimeField(pgettext_lazy("question", "answered at"), null=True, blank=True)
    answered_note = models.TextField(_("answered note"), blank=True)
    vote_count = models.IntegerField(_("votes here"), default=0, db_index=True)
    # The likes its origin server reports that are not among vote_count (ama/tallies; FEDERATION.md "Remote
    # tallies"): the score is vote_count + remote_like_count.
    remote_like_count = models.IntegerField(_("likes counted on its server"), default=0)
    authorization_ap_id = models.URLField(_("interaction authorization"), max_length=500, blank=True)
    received_message = models.ForeignKey(
        "federation.InboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("received in"),
        help_text=_("The inbox message it arrived in (a Group re-announces a Create as its author signed it)."))
    edit_message = models.ForeignKey(
        "federation.InboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("latest edit in"),
        help_text=_("The inbox message of its author's latest edit (a Group re-announces that Update)."))
    received_at = models.DateTimeField(pgettext_lazy("question", "received at"), default=timezone.now,
                                       db_index=True)
    published_at = models.DateTimeField(pgettext_lazy("question", "published at"), null=True, blank=True)
    edited_at = models.DateTimeField(pgettext_lazy("question", "edited at"), null=True, blank=True)
    deleted_at = models.DateTimeField(pgettext_lazy("question", "deleted at"), null=True, blank=True)

    objects = QuestionQuerySet.as_manager()

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        indexes = [models.Index(fields=["ama", "state", "vote_count"], name="question_listing"),
                   # the rate limit's count (ama.rules.over_rate_limit: an inbox batch's senders' questions in the
                   # last hour) from the index alone, however many questions a sender has sent
                   models.Index(fields=["ama", "author", "received_at"], name="question_rate_limit")]

    def __str__(self):
        return self.content_text[:80]

    @property
    def score(self) -> int:
        return self.vote_count + self.remote_like_count

    @property
    def origin_host(self) -> str:
        """The host of the server the question was written on (where its remote likes are counted)."""
        return host_of(self.ap_id)

    @property
    def shown_html(self) -> str:
        return self.display_html or self.content_html


class QuestionRevision(models.Model):
    """A question's earlier text, kept when its author edits it."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="revisions")
    content_html = models.TextField()
    content_text = models.TextField()
    recorded_at = models.DateTimeField(default=timezone.now)


class Answer(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    author = models.ForeignKey(Actor, on_delete=models.PROTECT, related_name="answers")
    ap_id = models.URLField(max_length=500, unique=True)
    body = models.TextField(help_text=_("Markdown, as the host wrote it (empty for answers from another server)"))
    content_html = models.TextField()
    announce_ap_id = models.URLField(max_length=500, blank=True)
    # How many actors found it helpful (AnswerLike rows); never part of the question's score.
    like_count = models.IntegerField(default=0)
    received_message = models.ForeignKey(
        "federation.InboxMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text=_("The inbox message it arrived in (a Group re-announces a Create as its author signed it)."))
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(null=True, blank=True)
    deleted_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return f"answer to {self.question_id}"


class Vote(models.Model):
    """One per actor and question; a Like is +1, a Dislike -1 (counted only if the AMA allows downvotes)."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="votes")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="votes")
    value = models.SmallIntegerField(default=1)
    ap_id = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["question", "actor"], name="one_vote_per_actor")]


class AnswerLike(models.Model):
    """A `Like` of an answer ("found helpful"): one per actor; it never changes the question's ranking."""

    answer = models.ForeignKey(Answer, on_delete=models.CASCADE, related_name="likes")
    actor = models.ForeignKey(Actor, on_delete=models.CASCADE, related_name="answer_likes")
    ap_id = models.URLField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["answer", "actor"], name="one_answer_like_per_actor")]
