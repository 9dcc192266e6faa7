"""Answer and vote endpoints."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import Ama, Answer, Question
from ..permissions import can_answer, can_edit_answer, can_moderate_questions, require
from . import serializers as s
from .base import ApiMixin, errors
from .permissions import acting_actor, votable_questions


class AnswerCreateView(ApiMixin, APIView):
    """The host or a co-host answers an approved question (Markdown); the answer federates."""

    @extend_schema(request=s.AnswerWriteSerializer, responses={201: s.AnswerSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, pk: int):
        question = get_object_or_404(Question.objects.select_related("ama"), pk=pk, ama__deleted_at__isnull=True)
        require(can_answer(request.user, question.ama), "answer questions in this AMA")
        form = s.AnswerWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        answer = services.answer_publish(question=question, author=acting_actor(request.user),
                                         body=form.validated_data["body"], by_user=request.user)
        return Response(s.AnswerSerializer(answer).data, status=status.HTTP_201_CREATED)


class AnswerViewSet(ApiMixin, viewsets.GenericViewSet):
    """One answer: anyone reads it where its question is shown; its author, the host or an admin edit it."""

    serializer_class = s.AnswerSerializer
    lookup_value_regex = r"[0-9]+"
    queryset = Answer.objects.filter(deleted_at__isnull=True, question__ama__deleted_at__isnull=True).select_related(
        "author", "question__ama")

    def _editable(self):
        answer = self.get_object()
        require(can_edit_answer(self.request.user, answer), "edit this answer")
        return answer

    @extend_schema(responses={200: s.AnswerSerializer, **errors(404)})
    def retrieve(self, request, pk=None):
        answer = self.get_object()
        question = answer.question
        readable = Question.objects.shown().filter(pk=question.pk, ama__in=Ama.objects.visible()).exists()
        if not (readable or can_moderate_questions(request.user, question.ama)):
            raise exceptions.NotFound()
        return Response(s.AnswerSerializer(answer).data)

    @extend_schema(request=s.AnswerWriteSerializer, responses={200: s.AnswerSerializer, **errors(400, 401, 403, 404)})
    def partial_update(self, request, pk=None):
        answer = self._editable()
        form = s.AnswerWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        services.answer_edit(answer=answer, body=form.validated_data["body"], by_user=request.user)
        return Response(s.AnswerSerializer(answer).data)

    @extend_schema(responses={204: None, **errors(401, 403, 404)})
    def destroy(self, request, pk=None):
        services.answer_delete(answer=self._editable(), by_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class VoteView(ApiMixin, APIView):
    """Your vote on a shown question: POST adds (or changes) it, DELETE removes it. Signed-in local users."""

    def _target(self, pk: int):
        actor = acting_actor(self.request.user)
        return actor, get_object_or_404(votable_questions().select_related("ama"), pk=pk)

    def _result(self, question, value: int, changed: bool):
        question.refresh_from_db(fields=["vote_count"])
        data = {"question": question.pk, "vote_count": question.vote_count, "value": value, "changed": changed}
        return Response(s.VoteResultSerializer(data).data)

    @extend_schema(request=s.VoteSerializer, responses={200: s.VoteResultSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, pk: int):
        actor, question = self._target(pk)
        form = s.VoteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        value = form.validated_data["value"]
        if value < 0 and not question.ama.allow_downvotes:
            raise serializers.ValidationError({"value": ["this AMA does not allow downvotes"]})
        changed = services.vote_add(question=question, actor=actor, value=value)
        return self._result(question, value, changed)

    @extend_schema(request=None, responses={200: s.VoteResultSerializer, **errors(401, 403, 404)})
    def delete(self, request, pk: int):
        actor, question = self._target(pk)
        changed = services.vote_remove(actor=actor, question=question)
        return self._result(question, 0, changed)
