"""Who may do what: one place for the roles, used by the admin, the pages and the API alike.

admin: a superuser. moderator: a user with a ModeratorAssignment for all AMAs (ama empty) or for chosen
ones (the admin site also needs the staff flag; the pages and the API do not). host and co-host: the local
actor of the signed-in user hosts or co-hosts the AMA."""

from django.db.models import Q

from federation.models import Actor

from .models import Ama, ModeratorAssignment


class NotAllowed(PermissionError):
    """The user lacks the right for this action; the message says which."""


def actor_of_user(user) -> Actor | None:
    if user is None or not user.is_authenticated:
        return None
    return Actor.objects.filter(user=user, is_local=True, actor_type=Actor.Type.PERSON).first()


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def moderates(user, ama: Ama | None) -> bool:
    """Admins and moderators whose scope covers this AMA (ama None: moderates across all AMAs)."""
    if is_admin(user):
        return True
    if not (user and user.is_authenticated):
        return False
    scopes = ModeratorAssignment.objects.filter(user=user)
    if ama is None:
        return scopes.filter(ama__isnull=True).exists()
    return scopes.filter(ama__isnull=True).exists() or scopes.filter(ama=ama).exists()


def amas_moderated_by(user):
    """The AMAs whose questions `user` may moderate, i.e. whose dashboards they may open (as
    can_moderate_questions decides one by one)."""
    if not (user and user.is_authenticated):
        return Ama.objects.none()
    if moderates(user, None):
        return Ama.objects.all()
    actor = actor_of_user(user)
    hosting = (Q(host=actor) | Q(cohosts=actor)) if actor is not None else Q(pk__in=[])
    return Ama.objects.filter(hosting | Q(pk__in=ModeratorAssignment.objects.filter(user=user).values("ama"))) \
        .distinct()


def hosts(user, ama: Ama) -> bool:
    return ama.is_host(actor_of_user(user))


def can_moderate_questions(user, ama: Ama) -> bool:
    """Approve, reject, hide, star, "now answering": hosts, co-hosts and moderators."""
    return moderates(user, ama) or hosts(user, ama)


def can_answer(user, ama: Ama) -> bool:
    return hosts(user, ama)


def can_edit_ama(user, ama: Ama) -> bool:
    return is_admin(user) or (actor_of_user(user) is not None and actor_of_user(user).pk == ama.host_id)


def can_police_actors(user, ama: Ama | None = None) -> bool:
    """Bans, mutes, trust overrides: moderators and admins only, never hosts."""
    return moderates(user, ama)


def can_set_domain_policy(user) -> bool:
    return is_admin(user) or moderates(user, None)


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise NotAllowed(f"you are not allowed to {what}")


def can_edit_answer(user, answer) -> bool:
    """Edit or delete an answer: the AMA's host, an admin, or its author while they still co-host the AMA
    (a co-host removed by the host keeps their name on what they wrote, not the right to change it)."""
    return answer_edit_rule(user, answer.question.ama)(answer)


def answer_edit_rule(user, ama: Ama):
    """can_edit_answer for the answers of one AMA, as a predicate (the user's roles read once, for lists)."""
    if is_admin(user):
        return lambda answer: True
    actor = actor_of_user(user)
    if actor is None or not ama.is_host(actor):
        return lambda answer: False
    if actor.pk == ama.host_id:
        return lambda answer: True
    return lambda answer: answer.author_id == actor.pk
