from django.apps import AppConfig


class AmaConfig(AppConfig):
    name = "ama"
    verbose_name = "AMAs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # the Group's handlers register first: they wrap the generic ones (routing runs them in order)
        from . import inbound_group  # noqa: F401, I001
        from . import inbound  # noqa: F401  registers the AMA's inbox handlers
        from . import inbound_flag  # noqa: F401  Flag → Report
        from federation.activity_views import provide_gone_check
        from .activitypub.documents import object_gone
        from .activitypub.group_content import install_group_content
        install_group_content()  # what the Groups' endpoints serve
        provide_gone_check(object_gone)  # activities showing something deleted here answer 410
