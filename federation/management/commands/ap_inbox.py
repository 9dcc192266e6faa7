"""manage.py ap_inbox: print received inbox messages as JSON (newest last), optionally waiting for them."""

import json
import time

from django.core.management.base import BaseCommand, CommandError

from federation.activities import id_of, ids_of
from federation.models import InboxMessage


def matches(message: InboxMessage, *, kind: str, actor: str, object_id: str, to: str) -> bool:
    body = message.body
    return ((not kind or message.activity_type == kind) and (not actor or message.actor_ap_id == actor)
            and (not object_id or id_of(body.get("object")) == object_id)
            and (not to or to in ids_of(body.get("to")) + ids_of(body.get("cc"))))


def as_json(message: InboxMessage) -> dict:
    return {"pk": message.pk, "id": message.ap_id, "type": message.activity_type, "actor": message.actor_ap_id,
            "state": message.state, "result": message.result, "received_via": message.received_via,
            "received_at": message.received_at.isoformat(), "body": message.body}


class Command(BaseCommand):
    help = "Print received inbox messages as JSON. With --wait, wait until --count of them match (or fail)."

    def add_arguments(self, parser):
        parser.add_argument("--type", default="", help="activity type, e.g. Create, Announce")
        parser.add_argument("--actor", default="", help="actor id")
        parser.add_argument("--object", default="", help="id of the activity's object")
        parser.add_argument("--to", default="", help="an id among the activity's to/cc")
        parser.add_argument("--since", type=int, default=0, help="only messages with pk greater than this")
        parser.add_argument("--limit", type=int, default=100)
        parser.add_argument("--wait", type=float, default=0, help="seconds to wait for --count matches")
        parser.add_argument("--count", type=int, default=1)

    def found(self, options) -> list[dict]:
        rows = InboxMessage.objects.filter(pk__gt=options["since"]).order_by("-pk")[:max(options["limit"], 1) * 10]
        wanted = dict(kind=options["type"], actor=options["actor"], object_id=options["object"], to=options["to"])
        return [as_json(m) for m in reversed(rows) if matches(m, **wanted)][-options["limit"]:]

    def handle(self, *args, **options):
        deadline = time.monotonic() + options["wait"]
        found = self.found(options)
        while options["wait"] and len(found) < options["count"] and time.monotonic() < deadline:
            time.sleep(0.2)
            found = self.found(options)
        self.stdout.write(json.dumps(found, indent=2, ensure_ascii=False))
        if options["wait"] and len(found) < options["count"]:
            raise CommandError(f"{len(found)} of {options['count']} matching messages after {options['wait']:g}s")
