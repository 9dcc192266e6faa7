"""manage.py remotehost SLUG ACCOUNT: name an account on another server as host or co-host of an AMA."""

from django.core.management.base import BaseCommand, CommandError

from ama import services
from ama.activitypub.accounts import AccountNotFound, find_account
from ama.models import Ama, RemoteHostClaim
from ama.services.errors import ServiceError


class Command(BaseCommand):
    help = ("Name a fediverse account on another server (user@server or an actor URL) as host or co-host of an "
            "AMA, and print the code it must post to prove it; --revoke ends it.")

    def add_arguments(self, parser):
        parser.add_argument("slug", help="the AMA's slug (its page is /amas/SLUG)")
        parser.add_argument("account", help="user@server, or the account's actor URL")
        parser.add_argument("--role", choices=RemoteHostClaim.Role.values, default=RemoteHostClaim.Role.COHOST)
        parser.add_argument("--revoke", action="store_true", help="remove the account's claim and co-hosting")

    def handle(self, *args, slug, account, role, revoke, **options):
        ama = Ama.objects.filter(slug=slug).first()
        if ama is None:
            raise CommandError(f"no AMA with the slug {slug!r}")
        if revoke:
            try:
                actor = find_account(account)
            except AccountNotFound as error:
                raise CommandError(f"could not find that account: {error}") from error
            services.remote_host_revoke(ama=ama, actor=actor)
            self.stdout.write(f"{actor.handle} is no longer a host of {ama.slug}")
            return
        try:
            claim = services.remote_host_claim_start(ama=ama, account=account, role=role)
        except ServiceError as error:
            raise CommandError(str(error)) from error
        if claim.verified_at:
            self.stdout.write(f"{claim.actor.handle} is already a verified {claim.role} of {ama.slug}")
            return
        self.stdout.write(
            f"{claim.actor.handle} is named {claim.role} of {ama.slug}, waiting for proof.\n"
            f"  code: {claim.code}\n"
            f"  From that account, post a note containing the code that mentions {ama.host.handle}"
            f" (a direct message is fine), or comment it in the AMA's community.\n"
            f"  Once it arrives, that account's replies to approved questions are published as answers.")
