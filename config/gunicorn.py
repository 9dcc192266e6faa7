"""gunicorn settings for the web process (docker-compose's `web`, bench/inbox.py):

    gunicorn -c config/gunicorn.py config.wsgi:application

Two processes of two threads each on a 2-core machine. bench/inbox.py (32 senders on kept-alive connections)
measured 2 threads per process at ~1,550 accepted/s with a p99 under 50 ms; 4 or 8 threads took no more and
doubled the p99 (the threads only contend for the GIL), one sync thread cannot keep a connection alive.
A second thread still serves requests while the first waits on a remote key fetch. Command-line flags
override these. Environment: PORT, WEB_CONCURRENCY (processes), WEB_THREADS (threads per process)."""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("WEB_THREADS", "2"))
keepalive = 5  # seconds an idle kept-alive connection is held
backlog = 2048
# each worker's main loop touches a heartbeat file per iteration: keep it in memory where there is a tmpfs
# (gunicorn's own advice for containers, whose /tmp may be an overlay on disk)
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None
# newer gunicorn (27 here) would share one control socket under $HOME between instances; older ones ignore this
control_socket_disable = True
