"""The moderators' view of an actor: the actor card in the admin."""

from django.utils.translation import gettext_lazy as _

from federation.models import Actor


class AskerActor(Actor):
    """A proxy of federation's Actor, so the moderation panel has its own actor card."""

    class Meta:
        proxy = True
        verbose_name = _("actor card")
        verbose_name_plural = _("actor cards")
