"""An AMA's placements: the existing communities on other servers (Lemmy, Mbin, PieFed) where the host posts it.
Hosts, co-hosts and moderators of the AMA read them (as on the dashboard); the host (or an admin) adds one or
withdraws one."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import Ama, Placement
from ..permissions import can_edit_ama, can_moderate_questions, require
from ..views.placements import placement_row
from .base import ApiMixin, errors


class PlacementSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="placement.pk")
    community = serializers.CharField(source="handle", help_text="The community's handle, `!name@server`.")
    url = serializers.CharField(source="link", help_text="The community's page on its server.")
    state = serializers.ChoiceField(source="placement.state", choices=Placement.State.choices)
    post = serializers.CharField(source="placement.post_ap_id",
                                 help_text="The id of the host's post there (empty until it is posted).")
    follow = serializers.ChoiceField(choices=["", "pending", "accepted", "rejected"],
                                     help_text="The host's follow of the community: '' until it is sent.")
    refusal = serializers.CharField(help_text="Why the community's server refused the post, or why the "
                                              "placement ended (a ban, a removal); empty when it did not.")
    locked = serializers.BooleanField(help_text="The community's moderators locked the post there.")
    questions = serializers.IntegerField(help_text="Questions asked there that the AMA's page shows.")


class PlacementWriteSerializer(serializers.Serializer):
    community = serializers.CharField(max_length=500, help_text="`!name@server`, `name@server` or the "
                                                                "community's URL.")


def _data(placement: Placement) -> dict:
    row = placement_row(placement)
    refusal = row["refusal"] or (placement.refused_reason if placement.state == Placement.State.ENDED else "")
    return PlacementSerializer({**row, "refusal": refusal, "locked": placement.locked_at is not None}).data


class _AmaPlacements(ApiMixin, APIView):
    permission_classes = [IsAuthenticated]

    def _ama(self, slug: str, *, editing: bool) -> Ama:
        ama = get_object_or_404(Ama.objects.filter(deleted_at__isnull=True).select_related("host"), slug=slug)
        require(can_moderate_questions(self.request.user, ama), "see where this AMA is held")
        if editing:
            require(can_edit_ama(self.request.user, ama), "change where this AMA is held")
        return ama


@extend_schema(tags=["placements"])
class PlacementListView(_AmaPlacements):
    """Where the AMA is held besides its own community."""

    @extend_schema(responses={200: PlacementSerializer(many=True), **errors(401, 403, 404)})
    def get(self, request, slug: str):
        ama = self._ama(slug, editing=False)
        placements = ama.placements.select_related("community", "ama__host")
        return Response([_data(placement) for placement in placements])

    @extend_schema(request=PlacementWriteSerializer,
                   responses={201: PlacementSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, slug: str):
        """Hold the AMA in one more community (found by WebFinger; it must be a Group). If the AMA is
        published, the host follows the community and posts the AMA there at once; else on publish."""
        ama = self._ama(slug, editing=True)
        form = PlacementWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        placement = services.placement_add(ama=ama, target=form.validated_data["community"], by_user=request.user)
        return Response(_data(placement), status=status.HTTP_201_CREATED)


@extend_schema(tags=["placements"])
class PlacementDetailView(_AmaPlacements):
    """One community the AMA is held in."""

    def _placement(self, slug: str, pk: int, *, editing: bool) -> Placement:
        ama = self._ama(slug, editing=editing)
        return get_object_or_404(ama.placements.select_related("community", "ama__host"), pk=pk)

    @extend_schema(responses={200: PlacementSerializer, **errors(401, 403, 404)})
    def get(self, request, slug: str, pk: int):
        return Response(_data(self._placement(slug, pk, editing=False)))

    @extend_schema(responses={200: PlacementSerializer, 204: None, **errors(401, 403, 404)})
    def delete(self, request, slug: str, pk: int):
        """Withdraw the AMA from that community: the post there is deleted (a `Delete` is sent) and the
        placement stays, `withdrawn` (200); one not yet posted is simply forgotten (204)."""
        placement = services.placement_withdraw(placement=self._placement(slug, pk, editing=True),
                                                by_user=request.user)
        if placement is None:
            return Response(status=status.HTTP_204_NO_CONTENT)
        return Response(_data(placement))
