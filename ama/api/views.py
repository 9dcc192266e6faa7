"""AMA and question endpoints. Views validate with serializers, check roles, and call services."""

from django.db import transaction
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404
from django.utils.functional import cached_property
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from .. import services
from ..models import Answer, Question
from ..permissions import can_edit_ama, can_moderate_questions, require
from ..views.caching import api_format, public_view
from . import serializers as s
from .base import ApiMixin, ApiPagination, errors
from .permissions import acting_actor, amas_for, questions_for
from .question_moderation import QuestionModerationMixin


class AmaViewSet(ApiMixin, viewsets.GenericViewSet):
    """AMAs: anyone reads published ones; hosts also see their drafts; the host (or an admin) edits."""

    serializer_class = s.AmaSerializer
    pagination_class = ApiPagination
    lookup_field = "slug"
    lookup_value_regex = r"[-a-zA-Z0-9_]+"

    def get_queryset(self):
        return amas_for(self.request.user).select_related("host").prefetch_related("cohosts")

    def _editable(self):
        ama = self.get_object()
        require(can_edit_ama(self.request.user, ama), "edit this AMA")
        return ama

    def _done(self, ama, code=status.HTTP_200_OK):
        return Response(s.AmaSerializer(self.get_queryset().get(pk=ama.pk)).data, status=code)

    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(s.AmaSerializer(page, many=True).data)

    @extend_schema(responses={200: s.AmaSerializer, **errors(404)})
    def retrieve(self, request, slug=None):
        return Response(s.AmaSerializer(self.get_object()).data)

    @extend_schema(request=s.AmaWriteSerializer, responses={201: s.AmaSerializer, **errors(400, 401, 403)})
    def create(self, request):
        host = acting_actor(request.user)
        form = s.AmaWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        ama = services.ama_create(host=host, created_by=request.user, **form.validated_data)
        return self._done(ama, status.HTTP_201_CREATED)

    @extend_schema(request=s.AmaWriteSerializer,
                   responses={200: s.AmaSerializer, **errors(400, 401, 403, 404)})
    def partial_update(self, request, slug=None):
        ama = self._editable()
        form = s.AmaWriteSerializer(ama, data=request.data, partial=True)
        form.is_valid(raise_exception=True)
        fields = dict(form.validated_data)
        publish = fields.pop("publish", False)
        with transaction.atomic():
            if fields:
                services.ama_update(ama=ama, by_user=request.user, **fields)
            if publish:
                services.ama_publish(ama=ama, by_user=request.user)
        return self._done(ama)

    @extend_schema(responses={204: None, **errors(401, 403, 404)})
    def destroy(self, request, slug=None):
        services.ama_delete(ama=self._editable(), by_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses={200: s.AmaSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def open(self, request, slug=None):
        """Open now: live from this moment (a draft is published first)."""
        return self._done(services.ama_open(ama=self._editable(), by_user=request.user))

    @extend_schema(request=None, responses={200: s.AmaSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def close(self, request, slug=None):
        """Close now: the AMA ends and stops taking questions."""
        return self._done(services.ama_close(ama=self._editable(), by_user=request.user))


AMA_SLUG = OpenApiParameter("ama_slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The AMA's slug.")


@extend_schema(tags=["questions"], parameters=[AMA_SLUG])
class QuestionViewSet(ApiMixin, QuestionModerationMixin, viewsets.GenericViewSet):
    """An AMA's questions. Anonymous users and non-moderators see shown questions only; hosts and
    moderators of this AMA see every state and approve, reject, hide and unhide."""

    serializer_class = s.QuestionSerializer
    pagination_class = ApiPagination
    lookup_value_regex = r"[0-9]+"

    @cached_property
    def ama(self):
        return get_object_or_404(amas_for(self.request.user), slug=self.kwargs["ama_slug"])

    def dispatch(self, request, *args, **kwargs):
        """GETs (the list, one question) carry the AMA's ETag; anonymous ones are served from cached renders."""
        conditional = public_view(query=("limit", "offset", "sort", "language"), format_of=api_format,
                                  vary=("Accept", "Accept-Language", "Cookie", "Authorization"))
        return conditional(super().dispatch)(request, *args, **kwargs)

    @cached_property
    def moderator(self) -> bool:
        return can_moderate_questions(self.request.user, self.ama)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Question.objects.none()
        answers = Answer.objects.filter(deleted_at__isnull=True).select_related("author").order_by("created_at")
        return (questions_for(self.ama, moderator=self.moderator).select_related("author", "ama")
                .prefetch_related(Prefetch("answers", queryset=answers, to_attr="shown_answers")))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "moderator": self.moderator}

    def _show(self, question):
        return Response(self.get_serializer(self.get_queryset().get(pk=question.pk)).data)

    @extend_schema(parameters=[s.QuestionFilterSerializer], responses={200: s.QuestionSerializer(many=True),
                                                                      **errors(400, 403, 404)})
    def list(self, request, ama_slug=None):
        query = s.QuestionFilterSerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        questions, state = self.get_queryset(), query.validated_data.get("state")
        if state:
            require(self.moderator, "filter questions by state")
            questions = questions.filter(state=state)
        elif self.moderator:
            questions = questions.shown()
        if language := query.validated_data.get("language"):
            questions = questions.filter(language=language)
        page = self.paginate_queryset(questions.sorted_by(query.validated_data["sort"]))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(responses={200: s.QuestionSerializer, **errors(404)})
    def retrieve(self, request, ama_slug=None, pk=None):
        return Response(self.get_serializer(self.get_object()).data)

    def _moderated(self):
        require(self.moderator, "moderate questions in this AMA")
        return self.get_object()

    @extend_schema(request=s.ApproveSerializer,
                   responses={200: s.QuestionSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def approve(self, request, ama_slug=None, pk=None):
        question = self._moderated()
        form = s.ApproveSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.question_approve(question=question, by_user=request.user, **form.validated_data)
        return self._show(question)

    @extend_schema(request=s.RejectSerializer,
                   responses={200: s.QuestionSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def reject(self, request, ama_slug=None, pk=None):
        question = self._moderated()
        form = s.RejectSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.question_reject(question=question, by_user=request.user, **form.validated_data)
        return self._show(question)

    @extend_schema(request=s.HideSerializer,
                   responses={200: s.QuestionSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def hide(self, request, ama_slug=None, pk=None):
        question = self._moderated()
        form = s.HideSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.question_hide(question=question, by_user=request.user, **form.validated_data)
        return self._show(question)

    @extend_schema(request=None,
                   responses={200: s.QuestionSerializer, **errors(400, 401, 403, 404)})
    @action(detail=True, methods=["post"])
    def unhide(self, request, ama_slug=None, pk=None):
        question = self._moderated()
        services.question_unhide(question=question, by_user=request.user)
        return self._show(question)
