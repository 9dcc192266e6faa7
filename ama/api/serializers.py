"""What the API reads and writes. Output never carries private fields (keys, moderator notes) except the
`moderation` block, filled only for users who moderate the AMA."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from federation import languages
from federation.models import Actor
from federation.safe_urls import http_url

from ..activitypub import ids
from ..mentions import question_display_html
from ..models import Ama, Answer, Question

SORTS = ["top", "newest", "oldest", "unanswered", "answered"]
EARLIEST_YEAR, LATEST_YEAR = 1970, 9000


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()


class HttpUrlField(serializers.CharField):
    """A URL that may have come from another server: null unless it is an http(s) URL (rows stored before the
    check where URLs enter are served safely too)."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return http_url(value)


class ActorSerializer(serializers.ModelSerializer):
    handle = serializers.CharField(read_only=True)
    url = HttpUrlField(help_text="The actor's profile page, an http(s) URL or null.")
    icon_url = HttpUrlField(help_text="The actor's avatar, an http(s) URL or null.")

    class Meta:
        model = Actor
        fields = ["handle", "display_name", "ap_id", "url", "icon_url"]
        read_only_fields = fields


class AmaSerializer(serializers.ModelSerializer):
    host = ActorSerializer(read_only=True)
    cohosts = ActorSerializer(many=True, read_only=True)
    url = serializers.CharField(source="ap_id", read_only=True, help_text="The AMA page (HTML and AS2).")

    class Meta:
        model = Ama
        fields = ["slug", "title", "intro", "intro_html", "language", "state", "opens_at", "closes_at",
                  "moderation_mode", "rate_limit_per_hour", "max_question_length", "allow_downvotes",
                  "review_edits", "show_late_questions", "hold_first_question", "archive_after_days",
                  "host", "cohosts", "url", "published_at", "updated_at"]
        read_only_fields = fields


class AmaWriteSerializer(serializers.Serializer):
    """Create (all of title, opens_at, closes_at required) or PATCH (any subset). `publish` publishes a draft."""

    title = serializers.CharField(max_length=200)
    intro = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    language = serializers.ChoiceField(sorted(languages.NAMES), required=False,
                                       error_messages={"invalid_choice": "use an ISO 639-1 code such as en or fr"},
                                       help_text="The AMA's language: an ISO 639-1 code.")
    opens_at = serializers.DateTimeField()
    closes_at = serializers.DateTimeField()
    moderation_mode = serializers.ChoiceField(Ama.Moderation.choices, required=False)
    rate_limit_per_hour = serializers.IntegerField(min_value=1, max_value=1000, required=False)
    max_question_length = serializers.IntegerField(min_value=1, max_value=100000, required=False)
    allow_downvotes = serializers.BooleanField(required=False)
    review_edits = serializers.BooleanField(required=False, help_text="An edited approved question returns to review.")
    show_late_questions = serializers.BooleanField(
        required=False, help_text="Questions that arrive after the end are shown (otherwise only moderators see them).")
    hold_first_question = serializers.BooleanField(
        required=False, help_text="A new account's first question is held, even in post-moderation.")
    archive_after_days = serializers.IntegerField(min_value=0, max_value=3650, required=False,
                                                  help_text="Days after the end before the AMA is archived.")
    publish = serializers.BooleanField(required=False, default=False, write_only=True)

    def _in_range(self, value):
        if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
            raise serializers.ValidationError(f"must be between the years {EARLIEST_YEAR} and {LATEST_YEAR}")
        return value

    validate_opens_at = _in_range
    validate_closes_at = _in_range

    def validate(self, attrs):
        opens_at = attrs.get("opens_at", getattr(self.instance, "opens_at", None))
        closes_at = attrs.get("closes_at", getattr(self.instance, "closes_at", None))
        if opens_at and closes_at and closes_at <= opens_at:
            raise serializers.ValidationError({"closes_at": "must be after opens_at"})
        return attrs


class AnswerSerializer(serializers.ModelSerializer):
    author = ActorSerializer(read_only=True)
    url = HttpUrlField(source="ap_id")

    class Meta:
        model = Answer
        fields = ["id", "question", "author", "body", "content_html", "url", "created_at", "updated_at"]
        read_only_fields = fields


class AnswerWriteSerializer(serializers.Serializer):
    body = serializers.CharField(max_length=20000, help_text="Markdown.")


class ModerationSerializer(serializers.ModelSerializer):
    reject_reason = serializers.CharField(
        read_only=True, help_text="Empty, or one of: " + ", ".join(Question.RejectReason.values) + ".")

    class Meta:
        model = Question
        fields = ["state", "held_by", "is_late", "reject_reason", "reject_note", "locked"]
        read_only_fields = fields


class QuestionSerializer(serializers.ModelSerializer):
    ama = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    author = ActorSerializer(read_only=True)
    url = HttpUrlField(help_text="The question on the asker's server, an http(s) URL or null.")
    content_html = serializers.CharField(source="shown_html", read_only=True)
    content_display = serializers.SerializerMethodField(
        help_text="content_html as the page shows it: without the mentions of the AMA's host, co-hosts or Group "
                  "it starts with.")
    answered = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField()
    permalink = serializers.SerializerMethodField()
    moderation = serializers.SerializerMethodField(
        help_text="Present only for hosts and moderators of this AMA.")
    score = serializers.IntegerField(read_only=True, help_text="votes_here + remote_votes: what sorts use.")
    votes_here = serializers.IntegerField(source="vote_count", read_only=True,
                                          help_text="Votes received here, one per account (the same as vote_count).")
    remote_votes = serializers.IntegerField(
        source="remote_like_count", read_only=True,
        help_text="Likes counted by the server the question was written on, less those we received ourselves.")
    remote_votes_origin = serializers.CharField(
        source="origin_host", read_only=True, help_text="The server remote_votes were counted on (its host).")

    class Meta:
        model = Question
        fields = ["id", "ama", "author", "content_html", "content_display", "language", "vote_count", "score",
                  "votes_here", "remote_votes", "remote_votes_origin", "answered", "answered_at",
                  "answers", "permalink", "ap_id", "url", "parent", "is_edited", "starred", "now_answering",
                  "received_at", "published_at", "moderation"]
        read_only_fields = fields

    def get_content_display(self, question) -> str:
        ama = self.context.setdefault("amas", {}).setdefault(question.ama_id, question.ama)  # one per response:
        return question_display_html(question, ama)  # its accounts are read once

    def get_answered(self, question) -> bool:
        return question.answered_at is not None

    @extend_schema_field(AnswerSerializer(many=True))
    def get_answers(self, question):
        answers = getattr(question, "shown_answers", None)
        if answers is None:
            answers = question.answers.filter(deleted_at__isnull=True).select_related("author")
        return AnswerSerializer(answers, many=True, context=self.context).data

    def get_permalink(self, question) -> str:
        return ids.question_page(question)

    @extend_schema_field(ModerationSerializer(allow_null=True))
    def get_moderation(self, question):
        if not self.context.get("moderator"):
            return None
        return ModerationSerializer(question).data


class QuestionFilterSerializer(serializers.Serializer):
    sort = serializers.ChoiceField(SORTS, default="top", help_text="The page's sorts.")
    state = serializers.ChoiceField(Question.State.choices, required=False,
                                    help_text="Hosts and moderators only; default: shown questions.")
    language = serializers.ChoiceField(sorted(languages.NAMES), required=False,
                                       error_messages={"invalid_choice": "use an ISO 639-1 code such as en or fr"},
                                       help_text="Only questions written in this language (an ISO 639-1 code).")


class ApproveSerializer(serializers.Serializer):
    announce = serializers.BooleanField(default=False, help_text="Also Announce the question to followers.")


class RejectSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(Question.RejectReason.choices, default=Question.RejectReason.OTHER)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    tell_asker = serializers.BooleanField(default=False, help_text="Send a Reject to the asker (silent by default).")


class HideSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class VoteSerializer(serializers.Serializer):
    value = serializers.ChoiceField([1, -1], default=1, help_text="-1 only where the AMA allows downvotes.")


class VoteResultSerializer(serializers.Serializer):
    question = serializers.IntegerField()
    vote_count = serializers.IntegerField()
    value = serializers.IntegerField(help_text="Your vote now: 1, -1 or 0 (none).")
    changed = serializers.BooleanField()
