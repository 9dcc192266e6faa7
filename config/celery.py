"""The Celery app. Tasks take ids; retry times live in database rows, never in long countdowns."""

import os

from celery import Celery
from kombu import Queue

from . import broker  # noqa: F401  registers the embedded broker transport

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fediama")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.update(
    task_queues=(Queue("inbox"), Queue("deliver"), Queue("default")),
    task_default_queue="default",
    task_routes={
        "federation.tasks.process_inbox_message": {"queue": "inbox"},
        "federation.tasks.drain_inbox": {"queue": "inbox"},
        "federation.tasks.deliver": {"queue": "deliver"},
        "federation.tasks.fan_out": {"queue": "deliver"},
    },
    task_acks_late=True,
    task_reject_on_worker_lost=True,
    worker_prefetch_multiplier=1,
    task_time_limit=120,
    task_soft_time_limit=90,
    task_ignore_result=True,
    result_backend=None,
    broker_connection_retry_on_startup=True,
    beat_schedule={
        "sweep-deliveries": {"task": "federation.tasks.sweep_deliveries", "schedule": 60.0},
        "sweep-inbox": {"task": "federation.tasks.sweep_inbox", "schedule": 60.0},
        "purge-delivered": {"task": "federation.tasks.purge_delivered", "schedule": 3600.0},
        "purge-inbox": {"task": "federation.tasks.purge_inbox", "schedule": 3600.0},
        "advance-ama-states": {"task": "ama.tasks.advance_ama_states", "schedule": 60.0},
        "purge-live-events": {"task": "ama.tasks.purge_live_events", "schedule": 3600.0},
    },
    timezone="UTC",
)
app.autodiscover_tasks()


@app.on_after_configure.connect
def _poll_folders_often(sender, **kwargs):
    """The filesystem broker (embedded default) is polled: every 0.1 s instead of kombu's 1 s, so a
    fan-out is not paced at one batch of messages per second. Redis pushes, and needs no polling."""
    if str(sender.conf.broker_url).startswith("filesystem"):
        options = dict(sender.conf.broker_transport_options or {})
        options.setdefault("polling_interval", 0.1)
        sender.conf.broker_transport_options = options
