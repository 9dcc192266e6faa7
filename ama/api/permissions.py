"""The API's reading of the roles in ama.permissions: what a user may see, and who writes for them."""

from django.db.models import Q, QuerySet

from federation.models import Actor

from ..models import Ama, Question
from ..permissions import NotAllowed, actor_of_user, is_admin


def acting_actor(user) -> Actor:
    """The signed-in user's local actor, who hosts, answers and votes for them."""
    actor = actor_of_user(user)
    if actor is None:
        raise NotAllowed("you need a local account on this server to do this")
    return actor


def amas_for(user) -> QuerySet:
    """Published AMAs, plus the drafts the user hosts (admins see every draft). Never deleted ones."""
    alive = Ama.objects.filter(deleted_at__isnull=True)
    if is_admin(user):
        return alive
    actor = actor_of_user(user)
    if actor is None:
        return Ama.objects.visible()
    return alive.filter(~Q(state=Ama.State.DRAFT) | Q(host=actor) | Q(cohosts=actor)).distinct()


def questions_for(ama: Ama, *, moderator: bool) -> QuerySet:
    """Moderators see every question of the AMA; everyone else sees shown questions only."""
    if moderator:
        return Question.objects.filter(ama=ama)
    return Question.objects.shown().filter(ama=ama)


def votable_questions() -> QuerySet:
    return Question.objects.shown().filter(ama__deleted_at__isnull=True).exclude(ama__state=Ama.State.DRAFT)
