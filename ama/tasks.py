from celery import shared_task

from . import services


@shared_task(name="ama.tasks.advance_ama_states")
def advance_ama_states():
    return services.ama_advance_states()
