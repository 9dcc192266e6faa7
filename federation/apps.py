from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = "Federation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import handlers  # noqa: F401  registers Follow/Accept/Reject/Undo/Delete(actor)
        from .outbox import stored_at_batch_end
        from .routing import wrap_batches

        wrap_batches(stored_at_batch_end)  # an inbox batch's shared rows' activities: written at its end, together
