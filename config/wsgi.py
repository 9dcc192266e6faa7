"""The WSGI application gunicorn serves: Django's, with inbox POSTs served by federation.wsgi."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from federation.wsgi import WsgiInboxDoor  # noqa: E402  (after Django is set up)

application = WsgiInboxDoor(get_wsgi_application())
