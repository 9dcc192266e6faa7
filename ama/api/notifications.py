"""The signed-in user's notification choices through the API, as on the dashboard's Notifications page
(ama/views/notifications.py): e-mail or nothing, and the period, for every AMA or one they host or moderate."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from ..models import Ama, NotificationPreference
from ..permissions import amas_moderated_by
from ..services import notifications
from .base import ApiMixin, errors


class NotificationPreferenceSerializer(serializers.Serializer):
    ama = serializers.SlugRelatedField(
        slug_field="slug", queryset=Ama.objects.none(), allow_null=True, required=False, default=None,
        help_text="The slug of an AMA you host or moderate; null or absent: every AMA (a choice for one AMA wins).")
    channel = serializers.ChoiceField(choices=[(c.value, c.label) for c in notifications.LOCAL_CHANNELS],
                                      help_text="email: to your account's address; none: not told.")
    digest_minutes = serializers.IntegerField(
        min_value=notifications.DIGEST_MINUTES_MIN, max_value=notifications.DIGEST_MINUTES_MAX,
        default=lambda: settings.FEDIAMA_NOTIFY_DIGEST_MINUTES,
        help_text="At most one message every this many minutes (absent: the server's period).")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None:
            self.fields["ama"].queryset = amas_moderated_by(user).filter(deleted_at__isnull=True)


@extend_schema(tags=["notifications"])
class NotificationPreferencesView(ApiMixin, APIView):
    """How you are told that questions wait for you and that your AMA opened: one message per period."""

    permission_classes = [IsAuthenticated]

    @extend_schema(responses={200: NotificationPreferenceSerializer(many=True), **errors(401)})
    def get(self, request):
        """Your choices: for every AMA (`ama` null) and for single AMAs."""
        rows = NotificationPreference.objects.filter(user=request.user).select_related("ama").order_by("ama__slug")
        return Response(NotificationPreferenceSerializer(rows, many=True).data)

    @extend_schema(request=NotificationPreferenceSerializer,
                   responses={200: NotificationPreferenceSerializer, **errors(400, 401)})
    def post(self, request):
        """Set your choice for one AMA or every AMA (replacing the one you had there)."""
        form = NotificationPreferenceSerializer(data=request.data, user=request.user)
        form.is_valid(raise_exception=True)
        row = notifications.preference_set(user=request.user, **form.validated_data)
        return Response(NotificationPreferenceSerializer(row).data)
