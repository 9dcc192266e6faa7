from celery import shared_task

from . import services
from .live.events import purge_old_events


@shared_task(name="ama.tasks.advance_ama_states")
def advance_ama_states():
    return services.ama_advance_states()


@shared_task(name="ama.tasks.purge_live_events")
def purge_live_events():
    return purge_old_events()


@shared_task(name="ama.tasks.refresh_tallies")
def refresh_tallies():
    """Beat, every 15 s: one remote-tally refresh cycle (ama/tallies; a cycle already running makes it return)."""
    from .tallies.run import refresh_due

    report = refresh_due()
    return {"skipped": report.skipped, **report.outcomes}


@shared_task(name="ama.tasks.send_notifications")
def send_notifications():
    """Beat, every FEDIAMA_NOTIFY_EVERY_MINUTES: the hosts' digests that are due (ama/services/notifications.py)."""
    from .services.notifications import notifications_send

    return notifications_send()
