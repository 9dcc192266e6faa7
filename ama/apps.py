from django.apps import AppConfig


class AmaConfig(AppConfig):
    name = "ama"
    verbose_name = "AMAs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import inbound  # noqa: F401  registers the AMA's inbox handlers
