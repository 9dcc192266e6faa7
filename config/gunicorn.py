"""gunicorn settings for the web process (docker-compose's `web`, bench/inbox.py):

    gunicorn -c config/gunicorn.py config.wsgi:application

Command-line flags override these. Environment: PORT, WEB_CONCURRENCY (worker processes, default 2)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
backlog = 2048
