"""manage.py createhost NAME: a local account that can hold AMAs."""

import secrets

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ama.services.hosts import host_create, host_name_problem

UNKNOWN_DOMAIN = ("which server is this account for? Its id is built from the server's domain and can never change: "
                  "start the server once with `make run` (it records its domain in var/server.env), or set "
                  "FEDIAMA_DOMAIN (or PORT) as the server has it.")


class Command(BaseCommand):
    help = "Create a host account (a local fediverse account that can hold AMAs) and print its password."

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--display-name", default="")
        parser.add_argument("--password", default="", help="use this password instead of a generated one")
        parser.add_argument("--token", action="store_true", help="also create and print an API token")
        parser.add_argument("--no-admin", action="store_true",
                            help="do not let the account into /admin/ (hosts moderate their own AMAs there)")

    def handle(self, *args, name, display_name, password, token, no_admin, **options):
        if not settings.FEDIAMA_DOMAIN_GIVEN:
            raise CommandError(UNKNOWN_DOMAIN)
        if get_user_model().objects.filter(username=name).exists():
            raise CommandError(f"the name {name!r} is taken")
        if problem := host_name_problem(name):
            raise CommandError(problem)
        password = password or secrets.token_urlsafe(12)
        with transaction.atomic():
            user = get_user_model().objects.create_user(username=name, password=password)
            actor = host_create(user=user, display_name=display_name, staff=not no_admin, generate_keys_now=True)
        self.stdout.write(f"host {actor.handle} created\n  actor: {actor.ap_id}\n  password: {password}")
        if token:
            from rest_framework.authtoken.models import Token
            self.stdout.write(f"  API token: {Token.objects.create(user=user).key}")
