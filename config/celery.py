"""The Celery app. Tasks take ids; retry times live in database rows, never in long countdowns."""

import os
import warnings

from celery import Celery
from celery.exceptions import CPendingDeprecationWarning
from celery.signals import celeryd_after_setup
from kombu import Queue

from . import broker  # registers fediama's broker transports (folders and Redis)

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
    # A broker outage is waited out, however long: the worker retries the connection forever (Celery's default
    # gives up after 100 tries and exits), and the tasks running through it finish: they write their outcome to
    # database rows, not to the broker (cancelling them would only leave leases for the sweeper).
    broker_connection_retry_on_startup=True,
    broker_connection_retry=True,
    broker_connection_max_retries=None,
    worker_cancel_long_running_tasks_on_connection_loss=False,
    beat_schedule={
        "sweep-deliveries": {"task": "federation.tasks.sweep_deliveries", "schedule": 60.0},
        "sweep-inbox": {"task": "federation.tasks.sweep_inbox", "schedule": 60.0},
        "purge-delivered": {"task": "federation.tasks.purge_delivered", "schedule": 3600.0},
        "purge-inbox": {"task": "federation.tasks.purge_inbox", "schedule": 3600.0},
        "purge-unused-avatars": {"task": "federation.tasks.purge_unused_avatars", "schedule": 3600.0},
        "advance-ama-states": {"task": "ama.tasks.advance_ama_states", "schedule": 60.0},
        "purge-live-events": {"task": "ama.tasks.purge_live_events", "schedule": 3600.0},
        "refresh-tallies": {"task": "ama.tasks.refresh_tallies", "schedule": 15.0},
    },
    timezone="UTC",
)
app.autodiscover_tasks()


@celeryd_after_setup.connect
def _quiet_about_a_chosen_setting(**kwargs):
    """Celery warns at every connection loss that worker_cancel_long_running_tasks_on_connection_loss will
    default to True in Celery 6; it is set above. (After the worker's logging setup, which shows all warnings.)"""
    warnings.filterwarnings("ignore", r"\s*In Celery 5.1 we introduced an optional breaking change",
                            CPendingDeprecationWarning)


@app.on_after_configure.connect
def _schedule_notifications(sender, **kwargs):
    """The hosts' digests (ama/services/notifications.py), at the operator's FEDIAMA_NOTIFY_EVERY_MINUTES (read
    once settings are loaded: importing config must not load them)."""
    from django.conf import settings

    sender.conf.beat_schedule["send-notifications"] = {
        "task": "ama.tasks.send_notifications", "schedule": 60.0 * settings.FEDIAMA_NOTIFY_EVERY_MINUTES}


@app.on_after_configure.connect
def _poll_folders_often(sender, **kwargs):
    """The filesystem broker (embedded default) is polled: every 0.1 s instead of kombu's 1 s, so a
    fan-out is not paced at one batch of messages per second. Redis pushes, and needs no polling."""
    if str(sender.conf.broker_url).startswith(("filesystem", broker.ALIAS)):
        options = dict(sender.conf.broker_transport_options or {})
        options.setdefault("polling_interval", 0.1)
        sender.conf.broker_transport_options = options
