"""The moderation panel: queues, actor cards, domain policy, keyword filters, reports, roles, audit log.

Every action is a small `@admin.action` calling a service in ama.services; roles come from ama.permissions."""

from . import actors, audit_log, domains, questions, reports, rules, users  # noqa: F401
