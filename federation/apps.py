from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "federation"
    verbose_name = "Federation"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import handlers  # noqa: F401  registers Follow/Accept/Reject/Undo/Delete(actor)
