"""A remote host's personal link to their notification choices: they have no account here, so the direct
messages we send them carry a signed token (django.core.signing) naming their verified claim and its link
version. It expires after LINK_MAX_AGE; raising the claim's version (rotating) refuses every link sent before;
revoking the claim refuses them too. The only writer of `RemoteHostClaim.preferences_link_version`."""

from datetime import timedelta

from django.core import signing
from django.db.models import F
from django.utils.translation import gettext_lazy as _

from federation.urls_helper import absolute_reverse

from ..models import RemoteHostClaim
from .errors import ServiceError

SALT = "ama.remote-host-notification-choices"
LINK_MAX_AGE = timedelta(days=30)


class LinkRefused(ServiceError):
    """The link cannot be used; `reason` is one of REASONS, each with the HTTP status the page answers."""

    REASONS = {"invalid": 400, "expired": 410, "replaced": 410, "gone": 410}

    def __init__(self, reason: str, message):
        super().__init__(message)
        self.reason, self.status = reason, self.REASONS[reason]


def preferences_token(claim: RemoteHostClaim) -> str:
    return signing.dumps({"claim": claim.pk, "version": claim.preferences_link_version}, salt=SALT)


def preferences_link(claim: RemoteHostClaim) -> str:
    return absolute_reverse("remote-notifications", token=preferences_token(claim))


def claim_for_token(token: str) -> RemoteHostClaim:
    """The verified claim the token names, or LinkRefused saying why not."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LINK_MAX_AGE)
    except signing.SignatureExpired as error:
        raise LinkRefused("expired", _("This link has expired. The next message about your AMA brings a new "
                                       "one.")) from error
    except signing.BadSignature as error:
        raise LinkRefused("invalid", _("This link is not valid: it may have been cut or changed. Open the "
                                       "link from your latest message whole.")) from error
    claim = (RemoteHostClaim.objects.verified().select_related("ama", "actor")
             .filter(pk=data.get("claim")).first())
    if claim is None:
        raise LinkRefused("gone", _("This account no longer hosts that AMA, so it is not told about it."))
    if claim.preferences_link_version != data.get("version"):
        raise LinkRefused("replaced", _("This link was replaced by a newer one. The next message about your "
                                        "AMA brings it."))
    return claim


def preferences_link_rotate(claim: RemoteHostClaim) -> None:
    """Every link sent before stops working; the next message carries a new one."""
    RemoteHostClaim.objects.filter(pk=claim.pk).update(preferences_link_version=F("preferences_link_version") + 1)
    claim.refresh_from_db(fields=["preferences_link_version"])
