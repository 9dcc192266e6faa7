"""What the moderation and team endpoints read and write: question actions, co-hosts, moderators, actor and
domain policy, reports, the audit log."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from federation.models import DomainBlock

from ..models import ActorPolicy, AuditEntry, Report
from .serializers import ActorSerializer

MAX_ID = 2**63 - 1  # the largest primary key either database stores: a larger number is a 400, not an overflow

NOTE = {"max_length": 2000, "required": False, "allow_blank": True, "default": ""}


class LockSerializer(serializers.Serializer):
    reason = serializers.CharField(**NOTE)


class AnsweredSerializer(serializers.Serializer):
    note = serializers.CharField(**NOTE, help_text="Where it was answered (a stream, a video…).")


class MergeSerializer(serializers.Serializer):
    into = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text="The question kept: another question of the same AMA.")


class DisplaySerializer(serializers.Serializer):
    display_html = serializers.CharField(max_length=20000, allow_blank=True,
                                         help_text="HTML shown instead of the asker's text (sanitized); empty: the "
                                                   "original again. The original stays in the audit log.")
    reason = serializers.CharField(**NOTE)


class AccountSerializer(serializers.Serializer):
    account = serializers.CharField(max_length=500, help_text="A local username (alex), a handle (@alex@server) "
                                                              "or an actor id (https://…).")


class CohostSerializer(serializers.Serializer):
    actor = ActorSerializer()
    local = serializers.BooleanField(help_text="An account on this server.")
    state = serializers.ChoiceField(["cohost", "waiting"], help_text="waiting: a remote account that has not yet "
                                                                     "sent its code.")
    code = serializers.CharField(allow_blank=True, help_text="The code a waiting remote account must send (in a "
                                                             "mention or direct message to the AMA or its host).")


class UsernameSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)


class ModeratorSerializer(serializers.Serializer):
    username = serializers.CharField(source="user.username")


class ActorTargetSerializer(serializers.Serializer):
    actor = serializers.CharField(max_length=500, help_text="A known account: its handle (@alex@server) or actor id.")
    ama = serializers.SlugField(required=False, allow_blank=True, default="",
                                help_text="The AMA this applies to (its slug); empty: every AMA (global moderators).")


class ActorReasonSerializer(ActorTargetSerializer):
    reason = serializers.CharField(**NOTE)


class BanSerializer(ActorReasonSerializer):
    until = serializers.DateTimeField(required=False, allow_null=True, default=None, help_text="Empty: for good.")
    remove_content = serializers.BooleanField(default=False, help_text="Also reject their questions there.")


class TrustSerializer(ActorTargetSerializer):
    trust = serializers.ChoiceField(ActorPolicy.Trust.choices, allow_blank=True,
                                    help_text="hold: always held; allow: always shown; empty: the rules decide.")


class ActorNoteSerializer(serializers.Serializer):
    actor = serializers.CharField(max_length=500, help_text="A known account: its handle or actor id.")
    note = serializers.CharField(max_length=5000, allow_blank=True, help_text="Private, for moderators.")


class ActorPolicySerializer(serializers.ModelSerializer):
    actor = serializers.CharField(source="actor.handle")
    ama = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = ActorPolicy
        fields = ["actor", "ama", "muted", "banned", "banned_until", "trust", "note", "updated_at"]
        read_only_fields = fields


class DomainSerializer(serializers.Serializer):
    domain = serializers.CharField(max_length=253)


class DomainPolicyWriteSerializer(DomainSerializer):
    public_comment = serializers.CharField(**NOTE)
    private_comment = serializers.CharField(**NOTE)


class DomainBlockSerializer(serializers.ModelSerializer):
    class Meta:
        model = DomainBlock
        fields = ["domain", "severity", "is_draft", "public_comment", "private_comment", "created_at"]
        read_only_fields = fields


class ReportFilterSerializer(serializers.Serializer):
    state = serializers.ChoiceField(Report.State.choices, required=False)
    ama = serializers.SlugField(required=False, help_text="Only reports about questions of this AMA.")


class ReportSerializer(serializers.ModelSerializer):
    target_actor = ActorSerializer(read_only=True, allow_null=True)
    reporter = serializers.SerializerMethodField(help_text="local user NAME, server DOMAIN, or unknown.")
    assigned_to = serializers.SlugRelatedField(slug_field="username", read_only=True, allow_null=True)

    class Meta:
        model = Report
        fields = ["id", "state", "question", "target_actor", "reporter", "comment", "assigned_to",
                  "resolution_note", "forwarded_at", "created_at", "resolved_at"]
        read_only_fields = fields

    def get_reporter(self, report) -> str:
        if report.reporter_user_id:
            return f"local user {report.reporter_user.username}"
        return f"server {report.reporter.domain}" if report.reporter_id else "unknown"


class AssignSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, required=False, allow_blank=True, default="",
                                     help_text="Empty: yourself.")


class ResolveSerializer(serializers.Serializer):
    note = serializers.CharField(**NOTE)


class ForwardSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=5000, required=False, allow_null=True, default=None,
                                    help_text="Sent instead of the reporter's words (null: theirs).")


class AuditFilterSerializer(serializers.Serializer):
    ama = serializers.SlugField(required=False)
    action = serializers.CharField(max_length=60, required=False, help_text="e.g. question.reject, actor.ban")
    question = serializers.IntegerField(min_value=1, max_value=MAX_ID, required=False)
    public = serializers.BooleanField(required=False, allow_null=True, default=None)


class AuditEntrySerializer(serializers.ModelSerializer):
    by = serializers.SerializerMethodField(help_text="The username of who acted, the remote moderator's actor "
                                                     "id, or null (the server itself).")
    ama = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    before = serializers.JSONField(read_only=True)
    after = serializers.JSONField(read_only=True)

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "by", "action", "ama", "question", "target", "reason", "before", "after",
                  "public", "undone_at"]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_by(self, entry):
        if entry.actor_user_id:
            return entry.actor_user.username
        return entry.actor_ap_id or None
