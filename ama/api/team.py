"""An AMA's team through the API: co-hosts (local by username, remote by handle through the claim-code flow) and
the AMA's moderators. The host (or an admin) manages both; nobody else sees the claim codes."""

from django.contrib.auth import get_user_model
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import services
from ..models import Ama, ModeratorAssignment
from ..permissions import can_edit_ama, require
from ..services.team import local_host_named, local_username, team_member, team_rows
from . import moderation_serializers as ms
from .base import ApiMixin, errors
from .permissions import amas_for

SLUG = OpenApiParameter("slug", OpenApiTypes.STR, OpenApiParameter.PATH, description="The AMA's slug.")


class TeamView(ApiMixin, APIView):
    permission_classes = [IsAuthenticated]

    def ama(self, slug: str) -> Ama:
        ama = get_object_or_404(amas_for(self.request.user), slug=slug)
        require(can_edit_ama(self.request.user, ama), "manage this AMA's team")
        return ama


@extend_schema(tags=["team"], parameters=[SLUG])
class CohostsView(TeamView):
    """Co-hosts answer and moderate the AMA with its host."""

    @extend_schema(responses={200: ms.CohostSerializer(many=True), **errors(401, 403, 404)})
    def get(self, request, slug: str):
        return Response(ms.CohostSerializer(team_rows(self.ama(slug)), many=True).data)

    @extend_schema(request=ms.AccountSerializer, responses={201: ms.CohostSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, slug: str):
        """A local host is added at once; a remote account is looked up and waits for its code (`code`)."""
        ama, form = self.ama(slug), ms.AccountSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        account = form.validated_data["account"].strip()
        name = local_username(account)
        if name is None:
            claim = services.remote_host_claim_start(ama=ama, account=account, by_user=request.user)
            row = {"actor": claim.actor, "local": False, "state": "waiting" if not claim.verified_at else "cohost",
                   "code": claim.code if not claim.verified_at else ""}
        else:
            actor = local_host_named(name)
            if actor is None:
                raise serializers.ValidationError({"account": [f"no host named {name} on this server"]})
            services.ama_cohost_add(ama=ama, actor=actor, by_user=request.user)
            row = {"actor": actor, "local": True, "state": "cohost", "code": ""}
        return Response(ms.CohostSerializer(row).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["team"], parameters=[SLUG, OpenApiParameter(
    "account", OpenApiTypes.STR, OpenApiParameter.PATH, description="The co-host: username, handle or actor id.")])
class CohostView(TeamView):
    @extend_schema(responses={204: None, **errors(400, 401, 403, 404)})
    def delete(self, request, slug: str, account: str):
        ama = self.ama(slug)
        actor = team_member(ama, account)
        if actor is None:
            raise serializers.ValidationError({"account": ["not a co-host of this AMA"]})
        services.ama_cohost_remove(ama=ama, actor=actor, by_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["team"], parameters=[SLUG])
class ModeratorsView(TeamView):
    """Moderators of this AMA only (those of every AMA are the administrators' choice, in the admin)."""

    @extend_schema(responses={200: ms.ModeratorSerializer(many=True), **errors(401, 403, 404)})
    def get(self, request, slug: str):
        scopes = ModeratorAssignment.objects.filter(ama=self.ama(slug)).select_related("user").order_by("pk")
        return Response(ms.ModeratorSerializer(scopes, many=True).data)

    @extend_schema(request=ms.UsernameSerializer,
                   responses={201: ms.ModeratorSerializer, **errors(400, 401, 403, 404)})
    def post(self, request, slug: str):
        ama, form = self.ama(slug), ms.UsernameSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        user = get_user_model().objects.filter(username=form.validated_data["username"]).first()
        if user is None:
            raise serializers.ValidationError({"username": ["no account with this username"]})
        assignment = services.ama_moderator_add(ama=ama, user=user, by_user=request.user)
        return Response(ms.ModeratorSerializer(assignment).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["team"], parameters=[SLUG, OpenApiParameter("username", OpenApiTypes.STR,
                                                                 OpenApiParameter.PATH)])
class ModeratorView(TeamView):
    @extend_schema(responses={204: None, **errors(400, 401, 403, 404)})
    def delete(self, request, slug: str, username: str):
        ama = self.ama(slug)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise serializers.ValidationError({"username": ["no account with this username"]})
        services.ama_moderator_remove(ama=ama, user=user, by_user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
