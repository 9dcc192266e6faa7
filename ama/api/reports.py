"""Reports (list, assign, resolve, forward) and the private audit log (read), for moderators as in the admin:
moderators of all AMAs see everything, moderators of chosen AMAs what concerns those AMAs."""

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from .. import services
from ..models import AuditEntry, ModeratorAssignment, Report
from ..permissions import moderates, require
from . import moderation_serializers as ms
from .base import ApiMixin, ApiPagination, errors


def assigned_amas(user):
    return ModeratorAssignment.objects.filter(user=user, ama__isnull=False).values("ama")


def require_moderator(user) -> None:
    require(moderates(user, None) or (user.is_authenticated and assigned_amas(user).exists()),
            "read reports or the audit log")


def _valid(serializer_class, data) -> dict:
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data


@extend_schema(tags=["reports"])
class ReportViewSet(ApiMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    serializer_class = ms.ReportSerializer
    pagination_class = ApiPagination
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self):
        user = self.request.user
        reports = Report.objects.select_related("target_actor", "reporter", "reporter_user", "assigned_to")
        if getattr(self, "swagger_fake_view", False) or moderates(user, None):
            return reports.order_by("-created_at", "-pk")
        return reports.filter(question__ama__in=assigned_amas(user)).order_by("-created_at", "-pk")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        require_moderator(request.user)

    @extend_schema(parameters=[ms.ReportFilterSerializer],
                   responses={200: ms.ReportSerializer(many=True), **errors(400, 401, 403)})
    def list(self, request):
        query = _valid(ms.ReportFilterSerializer, request.query_params)
        reports = self.get_queryset()
        if "state" in query:
            reports = reports.filter(state=query["state"])
        if "ama" in query:
            reports = reports.filter(question__ama__slug=query["ama"])
        return self.get_paginated_response(self.get_serializer(self.paginate_queryset(reports), many=True).data)

    @extend_schema(responses={200: ms.ReportSerializer, **errors(401, 403, 404)})
    def retrieve(self, request, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _done(self, report):
        return Response(self.get_serializer(self.get_queryset().get(pk=report.pk)).data)

    @extend_schema(request=ms.AssignSerializer, responses={200: ms.ReportSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def assign(self, request, pk=None):
        """Assign to a user (a moderator), or to yourself."""
        report, name = self.get_object(), _valid(ms.AssignSerializer, request.data)["username"]
        assignee = get_user_model().objects.filter(username=name).first() if name else request.user
        if assignee is None:
            raise serializers.ValidationError({"username": ["no account with this username"]})
        return self._done(services.report_assign(report=report, assignee=assignee, by_user=request.user))

    @extend_schema(request=ms.ResolveSerializer, responses={200: ms.ReportSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        report, data = self.get_object(), _valid(ms.ResolveSerializer, request.data)
        return self._done(services.report_resolve(report=report, by_user=request.user, **data))

    @extend_schema(request=ms.ForwardSerializer, responses={200: ms.ReportSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        """Send an anonymous Flag, signed by this server, to the reported account's server."""
        report, data = self.get_object(), _valid(ms.ForwardSerializer, request.data)
        return self._done(services.report_forward(report=report, by_user=request.user, **data))


@extend_schema(tags=["audit"])
class AuditViewSet(ApiMixin, viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated]
    """The private audit log, newest first: who did what, when, before and after."""

    serializer_class = ms.AuditEntrySerializer
    pagination_class = ApiPagination

    def get_queryset(self):
        user = self.request.user
        entries = AuditEntry.objects.select_related("actor_user", "ama")
        if getattr(self, "swagger_fake_view", False) or moderates(user, None):
            return entries
        return entries.filter(ama__in=assigned_amas(user))

    @extend_schema(parameters=[ms.AuditFilterSerializer],
                   responses={200: ms.AuditEntrySerializer(many=True), **errors(400, 401, 403)})
    def list(self, request):
        require_moderator(request.user)
        query = _valid(ms.AuditFilterSerializer, request.query_params)
        entries = self.get_queryset()
        for name, lookup in (("ama", "ama__slug"), ("action", "action"), ("question", "question_id")):
            if name in query:
                entries = entries.filter(**{lookup: query[name]})
        if query.get("public") is not None:
            entries = entries.filter(public=query["public"])
        return self.get_paginated_response(self.get_serializer(self.paginate_queryset(entries), many=True).data)
