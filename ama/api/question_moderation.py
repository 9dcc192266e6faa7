"""The question actions beyond approve/reject/hide (QuestionViewSet takes these as a mixin): star and "now
answering" for hosts, co-hosts and moderators; lock, merge, mark answered and edit for display for moderators,
as in the admin."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.decorators import action

from .. import services
from ..permissions import moderates, require
from . import moderation_serializers as ms
from . import serializers as s
from .base import errors

DONE = {200: s.QuestionSerializer, **errors(400, 401, 403, 404)}


def _valid(serializer_class, data) -> dict:
    form = serializer_class(data=data)
    form.is_valid(raise_exception=True)
    return form.validated_data


class QuestionModerationMixin:
    def _curated(self):
        """Moderators only (admins, and moderators of this AMA or of all)."""
        require(moderates(self.request.user, self.ama), "lock, merge, mark answered or edit questions here")
        return self.get_object()

    def _run(self, question, call, **kwargs):
        call(question=question, by_user=self.request.user, **kwargs)
        return self._show(question)

    @extend_schema(request=None, responses=DONE)
    @action(detail=True, methods=["post"])
    def star(self, request, ama_slug=None, pk=None):
        """Star (hosts, co-hosts, moderators): shown first to the host."""
        return self._run(self._moderated(), services.question_star, starred=True)

    @extend_schema(request=None, responses=DONE)
    @action(detail=True, methods=["post"])
    def unstar(self, request, ama_slug=None, pk=None):
        return self._run(self._moderated(), services.question_star, starred=False)

    @extend_schema(request=None, responses=DONE)
    @action(detail=True, methods=["post", "delete"], url_path="now-answering")
    def now_answering(self, request, ama_slug=None, pk=None):
        """POST: the question being answered now (any other is cleared); DELETE: no longer."""
        return self._run(self._moderated(), services.question_now_answering, on=request.method == "POST")

    @extend_schema(request=ms.LockSerializer, responses=DONE)
    @action(detail=True, methods=["post"])
    def lock(self, request, ama_slug=None, pk=None):
        """Lock the thread: no follow-ups are taken (moderators)."""
        question = self._curated()
        return self._run(question, services.question_lock, locked=True, **_valid(ms.LockSerializer, request.data))

    @extend_schema(request=None, responses=DONE)
    @action(detail=True, methods=["post"])
    def unlock(self, request, ama_slug=None, pk=None):
        return self._run(self._curated(), services.question_lock, locked=False)

    @extend_schema(request=ms.MergeSerializer, responses=DONE)
    @action(detail=True, methods=["post"])
    def merge(self, request, ama_slug=None, pk=None):
        """Merge this duplicate into another question of the AMA: votes united, this one becomes merged."""
        question = self._curated()
        into = self.get_queryset().filter(pk=_valid(ms.MergeSerializer, request.data)["into"]).first()
        if into is None:
            raise serializers.ValidationError({"into": ["no question with this id in this AMA"]})
        return self._run(question, services.question_merge, into=into)

    @extend_schema(request=ms.AnsweredSerializer, responses=DONE)
    @action(detail=True, methods=["post"], url_path="mark-answered")
    def mark_answered(self, request, ama_slug=None, pk=None):
        """Answered elsewhere (a stream, a video): no answer is sent."""
        question = self._curated()
        return self._run(question, services.question_mark_answered, **_valid(ms.AnsweredSerializer, request.data))

    @extend_schema(request=ms.AnsweredSerializer, responses=DONE)
    @action(detail=True, methods=["post"], url_path="mark-unanswered")
    def mark_unanswered(self, request, ama_slug=None, pk=None):
        question = self._curated()
        return self._run(question, services.question_mark_unanswered, **_valid(ms.AnsweredSerializer, request.data))

    @extend_schema(request=ms.DisplaySerializer, responses=DONE)
    @action(detail=True, methods=["post"])
    def display(self, request, ama_slug=None, pk=None):
        """Edit for display: the page shows this text, marked as edited by a moderator."""
        question = self._curated()
        return self._run(question, services.question_edit_display, **_valid(ms.DisplaySerializer, request.data))
