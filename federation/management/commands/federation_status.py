"""Print the delivery queue and inbox backlog for operators."""

from django.core.management.base import BaseCommand
from django.db.models import Count

from federation.models import Delivery, DomainHealth, InboxMessage


class Command(BaseCommand):
    help = "Show pending / retrying / dead deliveries by domain, paused domains and the inbox backlog."

    def handle(self, *args, **options):
        states = [Delivery.State.PENDING, Delivery.State.IN_FLIGHT, Delivery.State.RETRYING, Delivery.State.DEAD]
        rows = (Delivery.objects.filter(state__in=states).values("domain", "state").annotate(n=Count("id"))
                .order_by("domain"))
        table: dict[str, dict[str, int]] = {}
        for row in rows:
            table.setdefault(row["domain"], {})[row["state"]] = row["n"]
        self.stdout.write(f"{'domain':40} {'pending':>8} {'inflight':>8} {'retrying':>8} {'dead':>8}")
        for domain, counts in table.items():
            self.stdout.write(f"{domain:40} " + " ".join(f"{counts.get(s, 0):>8}" for s in states))
        if not table:
            self.stdout.write("(no deliveries waiting)")
        for health in DomainHealth.objects.filter(consecutive_failures__gt=0).order_by("domain"):
            label = "UNAVAILABLE" if health.unavailable else "paused until %s" % health.paused_until
            self.stdout.write(f"breaker {health.domain}: {health.consecutive_failures} failures, {label}")
        backlog = InboxMessage.objects.values("state").annotate(n=Count("id")).order_by("state")
        self.stdout.write("inbox: " + (", ".join(f"{r['state']} {r['n']}" for r in backlog) or "empty"))
