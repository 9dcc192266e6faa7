"""manage.py ap_fetch URL [--items]: fetch an ActivityPub document, signed as this server's instance actor."""

import json

from django.core.management.base import BaseCommand, CommandError

from federation import actors, http
from federation.activities import id_of

MAX_PAGES = 50


def collection_items(document: dict) -> list:
    """Every item of a (paged) collection, following `first` and `next` (embedded or by id)."""
    items = list(document.get("orderedItems") or document.get("items") or [])
    page = document.get("first")
    for _ in range(MAX_PAGES):
        if page is None:
            break
        page = page if isinstance(page, dict) else actors.fetch(page)
        items += page.get("orderedItems") or page.get("items") or []
        following = page.get("next")
        page = following if following and id_of(following) != page.get("id") else None
    return items


class Command(BaseCommand):
    help = "Fetch a document (signed GET as the instance actor) and print it; --items lists a collection's items."

    def add_arguments(self, parser):
        parser.add_argument("url")
        parser.add_argument("--items", action="store_true", help="print the ids of a collection's items")

    def handle(self, *args, url, items, **options):
        try:
            document = actors.fetch(url)
            result = [id_of(item) or item for item in collection_items(document)] if items else document
        except http.FetchError as error:
            raise CommandError(f"{url}: {error}") from error
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))
