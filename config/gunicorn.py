"""gunicorn settings for the web process (docker-compose's `web`, bench/inbox.py):

    gunicorn -c config/gunicorn.py config.asgi:application

Two processes (WEB_CONCURRENCY) of uvicorn's worker, each an event loop that reads requests (httptools) and
hands them to config/asgi.py: inbox POSTs to a pool of WEB_THREADS inbox threads, pages to Django's WSGI
application on another pool of WEB_THREADS threads. A thread waiting on a remote key fetch holds neither the
loop nor the other threads. bench/inbox.py, 32 kept-alive senders, thirteen pairs of same-hour runs: this
took 13-38 % less CPU per accepted activity than gunicorn's threaded WSGI worker (`gthread`, 2 threads) and
accepted 16-59 % more activities per second on PostgreSQL, because gthread's handing of each request from
its poller to a pool thread and back cost more than the inbox's own work. Command-line flags override these.
Environment: FEDIAMA_BIND (default 127.0.0.1:$PORT: loopback only; docker-compose binds 0.0.0.0:8000), PORT,
WEB_CONCURRENCY, WEB_THREADS (config/settings.py, used by config/asgi.py); all read through config/env.py."""

import os

from config import env

bind = env.web_bind()
workers = env.integer("WEB_CONCURRENCY", 2, minimum=1)
# uvicorn's worker with a bounded request head (414/431 past 8 KiB a line, 64 KiB in all): config/bounded_http.py;
# it serves config/asgi.py, which sizes its thread pools by settings.WEB_THREADS
worker_class = "config.bounded_http.BoundedUvicornWorker"
keepalive = 5  # seconds an idle kept-alive connection is held
backlog = 2048
# each worker's main loop touches a heartbeat file per iteration: keep it in memory where there is a tmpfs
# (gunicorn's own advice for containers, whose /tmp may be an overlay on disk)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
# newer gunicorn (27 here) would share one control socket under $HOME between instances; older ones ignore this
control_socket_disable = True
