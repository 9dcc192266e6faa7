"""manage.py placement add SLUG COMMUNITY: hold an AMA in an existing community on another server too;
manage.py placement list SLUG: where it is held, and how each community answered."""

from django.core.management.base import BaseCommand, CommandError

from ama import services
from ama.models import Ama
from ama.services.errors import ServiceError
from ama.views.placements import placement_rows


class Command(BaseCommand):
    help = ("Post an AMA in an existing Lemmy, Mbin or PieFed community (!name@server or its URL) as its host, "
            "or list the communities it is held in.")

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["add", "list"])
        parser.add_argument("slug", help="the AMA's slug (its page is /amas/SLUG)")
        parser.add_argument("community", nargs="?", default="", help="!name@server, or the community's URL")

    def handle(self, *args, action, slug, community, **options):
        ama = Ama.objects.filter(slug=slug, deleted_at__isnull=True).first()
        if ama is None:
            raise CommandError(f"no AMA with the slug {slug!r}")
        if action == "add":
            try:
                placement = services.placement_add(ama=ama, target=community)
            except ServiceError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(f"{ama.slug} is held in {placement.community.handle} too ({placement.state})")
        for row in placement_rows(ama) if action == "list" else ():
            problem = row["refusal"] or row["placement"].refused_reason
            self.stdout.write(f"{row['handle']}\t{row['placement'].state}\tfollow {row['follow'] or '-'}\t"
                              f"{row['questions']} questions" + (f"\t{problem}" if problem else ""))
