"""gunicorn settings for the web process (docker-compose's `web`, bench/inbox.py):

    gunicorn -c config/gunicorn.py config.wsgi:application

Two processes of four threads each on a 2-core machine: a thread waiting on the database or the broker
leaves the core to another (bench/inbox.py measured more accepted/s and a lower p99 than 2 sync workers),
and senders that keep their connection open are served without holding a worker. Command-line flags
override these. Environment: PORT, WEB_CONCURRENCY (processes), WEB_THREADS (threads per process)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "4"))
keepalive = 5  # seconds an idle kept-alive connection is held
backlog = 2048
# newer gunicorn (27 here) would share one control socket under $HOME between instances; older ones ignore this
control_socket_disable = True
