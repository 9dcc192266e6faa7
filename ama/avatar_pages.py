"""Pages that show an actor's avatar move on when it changes: each visible AMA where the actor hosts, co-hosts,
asks or answers gets an ama_updated event (its version moves, so no cached render or 304 keeps the old picture
or the placeholder). Connected to federation.avatars.avatar_changed in AmaConfig.ready."""

from django.db.models import Q

from federation.avatars import avatar_changed

from .live import events, fragments
from .models import Ama

MAX_AMAS = 100  # the most recent AMAs showing the actor; older renders expire with their cache timeout


def amas_showing(actor_id: int):
    shows = (Q(host_id=actor_id) | Q(cohosts__id=actor_id) | Q(questions__author_id=actor_id)
             | Q(questions__answers__author_id=actor_id) | Q(remote_host_claims__actor_id=actor_id))
    ids = Ama.objects.visible().filter(shows).values_list("pk", flat=True).distinct()
    return Ama.objects.filter(pk__in=list(ids.order_by()[:MAX_AMAS])).order_by("-opens_at")


def avatar_shown_elsewhere(sender, *, actor_id: int, **kwargs) -> None:
    for ama in amas_showing(actor_id):
        events.publish(ama, "ama_updated", data=fragments.ama_data(ama))


def connect() -> None:
    avatar_changed.connect(avatar_shown_elsewhere, dispatch_uid="ama.avatar_pages")
