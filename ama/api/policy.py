"""Actor policy (ban, mute, trust, notes: moderators, never hosts) and domain policy (block, limit, unblock:
global moderators and admins), as in the admin. Accounts are named by handle or actor id and must be known here
already (no lookup over the network)."""

from django.conf import settings
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from federation.models import Actor, DomainBlock

from .. import services
from ..models import Ama
from ..permissions import can_police_actors, can_set_domain_policy, require
from . import moderation_serializers as ms
from .base import ApiMixin, errors


def known_actor(account: str) -> Actor:
    account = account.strip()
    if account.startswith(("http://", "https://")):
        found = Actor.objects.filter(ap_id=account)
    else:
        name, _at, domain = account.lstrip("@").partition("@")
        if not domain or domain.lower() == settings.FEDIAMA_DOMAIN:
            found = Actor.objects.filter(is_local=True, username__iexact=name)
        else:
            found = Actor.objects.filter(username__iexact=name, domain__iexact=domain)
    actor = found.exclude(actor_type=Actor.Type.APPLICATION).first()
    if actor is None:
        raise serializers.ValidationError({"actor": ["no account known here by this handle or id"]})
    return actor


def scope(slug: str) -> Ama | None:
    if not slug:
        return None
    ama = Ama.objects.filter(slug=slug, deleted_at__isnull=True).first()
    if ama is None:
        raise serializers.ValidationError({"ama": ["no AMA with this slug"]})
    return ama


POLICY = {200: ms.ActorPolicySerializer, **errors(400, 401, 403)}


class ActorPolicyView(ApiMixin, APIView):
    """One policy change: validate, check the role for the scope (every AMA needs a global moderator), apply."""

    form = ms.ActorTargetSerializer

    def apply(self, actor: Actor, ama: Ama | None, data: dict):
        raise NotImplementedError

    def post(self, request):
        form = self.form(data=request.data)
        form.is_valid(raise_exception=True)
        data = dict(form.validated_data)
        actor, ama = known_actor(data.pop("actor")), scope(data.pop("ama", ""))
        require(can_police_actors(request.user, ama), "change this account's standing here")
        policy = self.apply(actor, ama, data)
        return Response(ms.ActorPolicySerializer(policy).data)


@extend_schema(tags=["actors"], request=ms.BanSerializer, responses=POLICY)
class BanView(ActorPolicyView):
    """Ban from one AMA or all, for good or until a time; future questions are rejected."""

    form = ms.BanSerializer

    def apply(self, actor, ama, data):
        return services.actor_ban(actor=actor, ama=ama, by_user=self.request.user, **data)


@extend_schema(tags=["actors"], request=ms.ActorTargetSerializer, responses=POLICY)
class UnbanView(ActorPolicyView):
    def apply(self, actor, ama, data):
        return services.actor_unban(actor=actor, ama=ama, by_user=self.request.user)


@extend_schema(tags=["actors"], request=ms.ActorReasonSerializer, responses=POLICY)
class MuteView(ActorPolicyView):
    """Mute: future questions arrive hidden, silently."""

    form = ms.ActorReasonSerializer

    def apply(self, actor, ama, data):
        return services.actor_mute(actor=actor, ama=ama, by_user=self.request.user, **data)


@extend_schema(tags=["actors"], request=ms.ActorTargetSerializer, responses=POLICY)
class UnmuteView(ActorPolicyView):
    def apply(self, actor, ama, data):
        return services.actor_unmute(actor=actor, ama=ama, by_user=self.request.user)


@extend_schema(tags=["actors"], request=ms.TrustSerializer, responses=POLICY)
class TrustView(ActorPolicyView):
    form = ms.TrustSerializer

    def apply(self, actor, ama, data):
        return services.actor_set_trust(actor=actor, ama=ama, by_user=self.request.user, **data)


@extend_schema(tags=["actors"], request=ms.ActorNoteSerializer, responses=POLICY)
class NoteView(ActorPolicyView):
    """The private moderator note, kept for every AMA (global moderators)."""

    form = ms.ActorNoteSerializer

    def apply(self, actor, ama, data):
        return services.actor_note(actor=actor, by_user=self.request.user, **data)


class DomainView(ApiMixin, APIView):
    permission_classes = [IsAuthenticated]

    def check(self):
        require(can_set_domain_policy(self.request.user), "set domain policy")


@extend_schema(tags=["domains"])
class DomainListView(DomainView):
    @extend_schema(responses={200: ms.DomainBlockSerializer(many=True), **errors(401, 403)})
    def get(self, request):
        self.check()
        return Response(ms.DomainBlockSerializer(DomainBlock.objects.order_by("domain"), many=True).data)


class DomainSetView(DomainView):
    setter = staticmethod(services.domain_block)

    def post(self, request):
        self.check()
        form = ms.DomainPolicyWriteSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        block = type(self).setter(by_user=request.user, **form.validated_data)
        return Response(ms.DomainBlockSerializer(block).data)


@extend_schema(tags=["domains"], request=ms.DomainPolicyWriteSerializer,
               responses={200: ms.DomainBlockSerializer, **errors(400, 401, 403)})
class DomainBlockView(DomainSetView):
    """Block (suspend): its inbox is refused, nothing is delivered there, its questions leave the pages."""

    setter = staticmethod(services.domain_block)


@extend_schema(tags=["domains"], request=ms.DomainPolicyWriteSerializer,
               responses={200: ms.DomainBlockSerializer, **errors(400, 401, 403)})
class DomainLimitView(DomainSetView):
    """Limit: every question from the domain is held for review."""

    setter = staticmethod(services.domain_limit)


@extend_schema(tags=["domains"], request=ms.DomainSerializer, responses={204: None, **errors(400, 401, 403)})
class DomainUnblockView(DomainView):
    def post(self, request):
        self.check()
        form = ms.DomainSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        if services.domain_unblock(by_user=request.user, **form.validated_data) is None:
            raise serializers.ValidationError({"domain": ["this domain is neither blocked nor limited"]})
        return Response(status=status.HTTP_204_NO_CONTENT)
