"""The moderation panel: queues, actor cards, domain policy, keyword filters, reports, roles, audit log.

Every action is a small `@admin.action` calling a service in ama.services; roles come from ama.permissions."""

from django.contrib import admin

from . import actors, audit_log, avatars, domains, questions, reports, rules, users  # noqa: F401

# The lists need the width (a 1280 px screen shows the whole question list beside its filters); the index and the
# breadcrumbs lead everywhere the sidebar did.
admin.site.enable_nav_sidebar = False
