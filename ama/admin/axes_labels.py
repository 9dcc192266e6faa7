"""French for the django-axes admin labels its own catalogue leaves in English: listed here so makemessages puts
them in ours, which Django reads first (LOCALE_PATHS). Never imported for its value."""

from django.utils.translation import gettext_noop

AXES_LABELS = (
    gettext_noop("access attempt expiration"),
    gettext_noop("Locked Out"),
    gettext_noop("Session key hash (sha256)"),
)
