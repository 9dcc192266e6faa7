"""The question queues: per AMA and across AMAs, with live counts, filters, search and bulk actions."""

from django.contrib import admin, messages
from django.db.models import Count, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from federation.models import handle_lookup

from .. import permissions, services
from ..models import ActorPolicy, Question, Report
from . import question_filters as filters
from .access import RoleAdmin, is_moderator, question_amas
from .question_actions import ACTIONS

S = Question.State
EXCERPT_CHARS = 100
COUNTS = {
    "pending": Q(state=S.PENDING), "held": Q(state=S.PENDING) & ~Q(held_by=""), "published": Q(state=S.PUBLISHED),
    "answered": Q(answered_at__isnull=False), "rejected": Q(state=S.REJECTED), "hidden": Q(state=S.HIDDEN),
    "late": Q(is_late=True), "merged": Q(state=S.MERGED),
}


def queue_counts(questions) -> dict:
    counts = questions.aggregate(**{name: Count("pk", filter=q) for name, q in COUNTS.items()})
    counts["reported"] = questions.filter(
        pk__in=Report.objects.filter(state=Report.State.OPEN).values("question")).count()
    counts["held_by"] = list(questions.filter(COUNTS["held"]).values("held_by").annotate(n=Count("pk"))
                             .order_by("-n")[:10])
    return counts


def per_ama_counts(questions) -> list[dict]:
    return list(questions.values("ama_id", "ama__title").annotate(
        **{name: Count("pk", filter=q) for name, q in COUNTS.items()}).order_by("ama__title"))


@admin.register(Question)
class QuestionAdmin(RoleAdmin):
    # nine narrow columns that fit a 1280 px screen beside the filters (ama/static/ama/admin.css): the moderator's
    # note under the asker, the holding rule under the state, the AMA's title shortened (whole in its tooltip)
    list_display = ("number", "excerpt", "asker", "ama_title", "state_and_rule", "votes", "flags", "received")
    list_display_links = ("number", "excerpt")
    list_filter = (("ama", filters.titled(_("AMA"))), ("language", filters.titled(_("language"))),
                   filters.AuthorDomainFilter, ("state", filters.titled(_("state"))), filters.HeldByFilter,
                   filters.VotesFilter, ("is_late", filters.titled(_("late"))), filters.ReportedFilter,
                   filters.AnsweredFilter, ("starred", filters.titled(_("starred"))))
    search_fields = ("content_text", "author__username", "author__domain", "author__display_name", "ap_id")
    list_select_related = ("ama", "author")
    list_per_page = 50
    ordering = ("-received_at",)
    actions = ACTIONS
    fields = ("ama", "asker", "moderator_note", "state", "held_by", "reject_reason", "reject_note", "original",
              "display_html", "merged_into", "vote_count", "starred", "now_answering", "locked", "answered_at",
              "answered_note", "is_late", "is_edited", "ap_id", "received_at")
    change_list_template = "admin/ama/question/change_list.html"

    def may_view(self, request, obj=None):
        if obj is not None:
            return permissions.can_moderate_questions(request.user, obj.ama)
        return question_amas(request.user).exists()

    def has_moderate_permission(self, request):
        return is_moderator(request.user)

    def get_queryset(self, request):
        notes = ActorPolicy.objects.filter(actor=OuterRef("author"), ama__isnull=True).values("note")[:1]
        return super().get_queryset(request).filter(ama__in=question_amas(request.user)).annotate(
            note=Subquery(notes))

    def get_readonly_fields(self, request, obj=None):
        editable = {"display_html"} if obj is not None and permissions.moderates(request.user, obj.ama) else set()
        return [name for name in self.fields if name not in editable]

    def get_search_results(self, request, queryset, search_term):
        handle = handle_lookup(search_term, "author__")
        if handle is not None:
            return queryset.filter(handle), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        """Only display_html is editable; it goes through the service (the original stays in the audit log)."""
        stored = Question.objects.select_related("ama", "author").get(pk=obj.pk)
        try:
            services.question_edit_display(question=stored, display_html=obj.display_html, by_user=request.user)
        except services.ServiceError as error:
            self.message_user(request, str(error), messages.ERROR)

    def changelist_view(self, request, extra_context=None):
        visible = self.get_queryset(request)
        ama_id = request.GET.get("ama__id__exact")
        scoped = visible.filter(ama_id=ama_id) if ama_id and ama_id.isdigit() else visible
        extra = {"queue_counts": queue_counts(scoped), "per_ama": per_ama_counts(visible) if not ama_id else [],
                 "queue_prefix": f"ama__id__exact={ama_id}&" if scoped is not visible else "",
                 **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)

    @admin.display(description=_("question"))
    def excerpt(self, obj):
        text = Truncator(obj.content_text).chars(EXCERPT_CHARS)
        return _("%(text)s [edited for display]") % {"text": text} if obj.display_html else text

    @admin.display(description=_("asker"))
    def asker(self, obj):
        """The handle (a line may break before its @domain, never inside a word) and the moderator's note."""
        url = reverse("admin:ama_askeractor_change", args=[obj.author_id])
        user, _at, domain = obj.author.handle.lstrip("@").partition("@")
        handle = format_html("@{}<wbr>@{}", user, domain) if domain else obj.author.handle
        note = self.moderator_note(obj)
        return format_html('<a href="{}">{}</a>{}', url, handle,
                           format_html('<span class="note">{}</span>', note) if note else "")

    @admin.display(description=_("no."), ordering="pk")
    def number(self, obj):
        return obj.pk

    @admin.display(description=_("AMA"), ordering="ama__title")
    def ama_title(self, obj):
        return format_html('<span title="{}">{}</span>', obj.ama.title, Truncator(obj.ama.title).chars(40))

    @admin.display(description=_("state"), ordering="state")
    def state_and_rule(self, obj):
        rule = format_html('<span class="rule">{}</span>', obj.held_by) if obj.held_by else ""
        return format_html("{}{}", obj.get_state_display(), rule)

    @admin.display(description=_("votes"), ordering="vote_count")
    def votes(self, obj):
        return obj.vote_count

    @admin.display(description=_("received"), ordering="received_at")
    def received(self, obj):
        return timezone.localtime(obj.received_at).strftime("%Y-%m-%d %H:%M")

    @admin.display(description=_("moderator note"))
    def moderator_note(self, obj):
        note = getattr(obj, "note", None)
        if note is None and not hasattr(obj, "note"):
            from ..services.moderation_actors import actor_note_text
            note = actor_note_text(obj.author)
        return note or ""

    @admin.display(description=_("flags"))
    def flags(self, obj):
        marks = [("★", obj.starred), (_("▶ now"), obj.now_answering), ("🔒", obj.locked),
                 (_("answered"), obj.answered_at is not None), (_("late"), obj.is_late)]
        return " ".join(str(mark) for mark, on in marks if on)

    @admin.display(description=_("original text (as the asker wrote it)"))
    def original(self, obj):
        return obj.content_text
