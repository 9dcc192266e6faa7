"""The moderators' view of an actor: the actor card in the admin."""

from federation.models import Actor


class AskerActor(Actor):
    """A proxy of federation's Actor, so the moderation panel has its own actor card."""

    class Meta:
        proxy = True
        verbose_name = "actor card"
        verbose_name_plural = "actor cards"
