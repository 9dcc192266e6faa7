"""Print the delivery queue and inbox backlog for operators."""

from django.core.management.base import BaseCommand
from django.db.models import Count
from django.utils import timezone

from federation.models import Delivery, DomainHealth, InboxMessage

STATES = [Delivery.State.PENDING, Delivery.State.IN_FLIGHT, Delivery.State.RETRYING, Delivery.State.DEAD]


class Command(BaseCommand):
    help = "Show pending / in-flight / retrying / dead deliveries by domain, failing domains and the inbox backlog."

    def handle(self, *args, **options):
        self.queue()
        self.breakers()
        backlog = InboxMessage.objects.values("state").annotate(n=Count("id")).order_by("state")
        self.stdout.write("inbox: " + (", ".join(f"{r['state']} {r['n']}" for r in backlog) or "empty"))

    def queue(self):
        rows = (Delivery.objects.filter(state__in=STATES).values("domain", "state").annotate(n=Count("id"))
                .order_by("domain"))
        table: dict[str, dict[str, int]] = {}
        for row in rows:
            table.setdefault(row["domain"], {})[row["state"]] = row["n"]
        self.stdout.write(f"{'domain':40} {'pending':>8} {'inflight':>8} {'retrying':>8} {'dead':>8}")
        for domain, counts in table.items():
            self.stdout.write(f"{domain:40} " + " ".join(f"{counts.get(s, 0):>8}" for s in STATES))
        totals = [sum(counts.get(s, 0) for counts in table.values()) for s in STATES]
        self.stdout.write(f"{'total':40} " + " ".join(f"{n:>8}" for n in totals))

    def breakers(self):
        now = timezone.now()
        for health in DomainHealth.objects.filter(consecutive_failures__gt=0).order_by("domain"):
            if health.unavailable:
                label = "UNAVAILABLE"
            elif health.paused_until and health.paused_until > now:
                label = f"paused until {health.paused_until:%Y-%m-%d %H:%M:%S}"
            else:
                label = "failing"
            self.stdout.write(f"breaker {health.domain}: {health.consecutive_failures} failures, {label}")
