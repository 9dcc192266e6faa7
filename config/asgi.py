"""The ASGI application gunicorn serves in production (config/gunicorn.py runs uvicorn's worker):

- live event streams (GET /amas/<slug>/events, /dashboard/<slug>/events): ama/live/asgi.py, on the event loop
  itself, no thread per viewer (README "Live updates");
- anonymous revalidations of the AMA's cached pages and API lists (If-None-Match / If-Modified-Since):
  ama/conditional_asgi.py answers the 304s on the event loop (one version read on its own two threads), the
  rest passes through (README "A cache or a proxy in front");
- inbox POSTs: federation/asgi.py, on a pool of WEB_THREADS (settings.WEB_THREADS) inbox threads per process;
- everything else: Django's WSGI application (config/wsgi.py) through a2wsgi, on a pool of WEB_THREADS
  threads per process, so pages keep WSGI's semantics (one persistent database connection per thread,
  synchronous middleware and views) exactly as under a WSGI server.
"""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()  # before the imports below, which load models (ama.live)

from a2wsgi import WSGIMiddleware  # noqa: E402
from django.conf import settings  # noqa: E402

from ama.conditional_asgi import Revalidations  # noqa: E402
from ama.live.asgi import LiveEvents  # noqa: E402
from config.wsgi import application as wsgi_application  # noqa: E402
from federation.asgi import AsgiInboxDoor  # noqa: E402

THREADS = settings.WEB_THREADS

application = LiveEvents(Revalidations(
    AsgiInboxDoor(WSGIMiddleware(wsgi_application, workers=THREADS), threads=THREADS)))
