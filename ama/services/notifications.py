"""The only writer of notification preferences and digests: per person and AMA, one message summarising the
questions that became pending since their last digest (and, once, that the AMA opened); by e-mail for local
accounts, by direct message for verified remote hosts (with their personal link to their choices,
notification_links.py). A failed send leaves the digest waiting for the next run."""

import logging
import smtplib
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from federation.models import Actor

from ..activitypub.ids import ama_id
from ..activitypub.messages import send_direct_message
from ..models import (
    Ama,
    ModeratorAssignment,
    NotificationDigest,
    NotificationPreference,
    Question,
    RemoteHostClaim,
)
from .notification_links import preferences_link

log = logging.getLogger(__name__)
Channel = NotificationPreference.Channel
LOCAL_CHANNELS = (Channel.EMAIL, Channel.NONE)  # a local account's choices; a remote host's: DM or none
DIGEST_MINUTES_MIN, DIGEST_MINUTES_MAX = 5, 7 * 24 * 60  # the periods anyone may choose


@dataclass(frozen=True)
class Person:
    """Who is told: a local user (e-mail) or a remote actor (direct message)."""

    user: object = None
    actor: Actor | None = None

    @property
    def keys(self) -> dict:
        return {"user": self.user} if self.user else {"actor": self.actor}


def preference_for(person: Person, ama: Ama) -> tuple[str, int]:
    """The person's channel and digest period for `ama`: their choice for it, else for every AMA, else defaults."""
    chosen = (NotificationPreference.objects.filter(**person.keys, ama__in=[ama]).first()
              or NotificationPreference.objects.filter(**person.keys, ama__isnull=True).first())
    if chosen:
        return chosen.channel, chosen.digest_minutes
    return (Channel.EMAIL if person.user else Channel.DM), settings.FEDIAMA_NOTIFY_DIGEST_MINUTES


def preference_set(*, user=None, actor: Actor | None = None, ama: Ama | None, channel: str,
                   digest_minutes: int) -> NotificationPreference:
    """A local user's choice, or a remote host's (actor, from their personal link), for `ama` or every AMA."""
    person = Person(user=user, actor=actor)
    preference, _created = NotificationPreference.objects.update_or_create(
        **person.keys, ama=ama, defaults={"channel": channel, "digest_minutes": digest_minutes})
    return preference


def people_of(ama: Ama) -> list[Person]:
    """The host and co-hosts (local accounts, and remote ones with a verified claim), and the AMA's
    moderators who chose to be told (they have a preference)."""
    verified = set(RemoteHostClaim.objects.verified().filter(ama=ama).values_list("actor_id", flat=True))
    people = []
    for actor in [ama.host, *ama.cohosts.all()]:
        if actor.is_local and actor.user_id:
            people.append(Person(user=actor.user))
        elif not actor.is_local and actor.pk in verified:
            people.append(Person(actor=actor))
    moderators = ModeratorAssignment.objects.filter(ama=ama, user__notification_preferences__isnull=False)
    people += [Person(user=row.user) for row in moderators.select_related("user").distinct()]
    return list({(p.user and p.user.pk, p.actor and p.actor.pk): p for p in people}.values())


def _message(ama: Ama, opened: bool, questions: list[Question]) -> tuple[str, str]:
    """The subject and body, in the AMA's language."""
    with translation.override(ama.language or settings.LANGUAGE_CODE):
        subject = _("Your AMA “%(title)s”") % {"title": ama.title}
        lines = [_("Your AMA “%(title)s” is open.") % {"title": ama.title}] if opened else []
        if questions:
            lines.append(ngettext("%(count)d new question waits for you:", "%(count)d new questions wait for you:",
                                  len(questions)) % {"count": len(questions)})
            lines += [f"- {q.content_text[:140]}" for q in questions]
        lines.append(ama_id(ama))
        return subject, "\n".join(lines)


def _choices_link(ama: Ama, actor: Actor) -> tuple[str, str]:
    """The line and the link to a remote host's notification choices, in the AMA's language."""
    claim = RemoteHostClaim.objects.verified().get(ama=ama, actor=actor)
    with translation.override(ama.language or settings.LANGUAGE_CODE):
        return _("How often you are told, or not at all (your own link, do not share it):"), preferences_link(claim)


def _send(person: Person, channel: str, ama: Ama, subject: str, body: str) -> None:
    if channel == Channel.DM and person.actor:
        send_direct_message(ama, person.actor, body, links=[_choices_link(ama, person.actor)])
    elif channel == Channel.EMAIL and person.user and person.user.email:
        send_mail(subject, body, None, [person.user.email])


def _waiting(ama: Ama, digest: NotificationDigest) -> list[Question]:
    rows = Question.objects.pending().filter(ama=ama).order_by("received_at")
    if digest.questions_until:
        rows = rows.filter(received_at__gt=digest.questions_until)
    return list(rows)


def digest_send(person: Person, ama: Ama, *, now) -> bool:
    """One digest for `person` and `ama` if its period has passed and something is new; True when sent."""
    channel, minutes = preference_for(person, ama)
    if channel == Channel.NONE:
        return False
    digest, _created = NotificationDigest.objects.get_or_create(**person.keys, ama=ama)
    opened = ama.state == Ama.State.LIVE and not digest.opened_notice_sent
    if digest.sent_at and not opened and now - digest.sent_at < timedelta(minutes=minutes):
        return False  # the opening is told at once; waiting questions once per period
    questions = _waiting(ama, digest)
    if not opened and not questions:
        return False
    try:
        with transaction.atomic():
            _send(person, channel, ama, *_message(ama, opened, questions))
            digest.sent_at, digest.opened_notice_sent = now, digest.opened_notice_sent or opened
            digest.questions_until = questions[-1].received_at if questions else digest.questions_until
            digest.save()
    except (smtplib.SMTPException, OSError) as error:
        log.warning("notification to %s about AMA %s not sent, kept for the next run: %s",
                    person.user or person.actor, ama.slug, error)
        return False
    return True


def notifications_send(now=None) -> int:
    """Beat entry: every scheduled or live AMA's digests; the number sent."""
    now = now or timezone.now()
    amas = Ama.objects.visible().filter(state__in=[Ama.State.SCHEDULED, Ama.State.LIVE]).select_related("host")
    return sum(digest_send(person, ama, now=now) for ama in amas for person in people_of(ama))
