"""Shared bits of the ap_* commands: act as a local account of this server, print JSON."""

import json

from django.core.management.base import BaseCommand, CommandError

from federation import social
from federation.models import Actor


class SocialCommand(BaseCommand):
    """A command run as one local account (the first argument), turning SocialError into CommandError."""

    def add_arguments(self, parser):
        parser.add_argument("username", help="the local account that acts (see manage.py createhost)")

    def local_actor(self, username: str) -> Actor:
        actor = Actor.objects.filter(is_local=True, username=username, actor_type=Actor.Type.PERSON).first()
        if actor is None:
            raise CommandError(f"no local account named {username!r}")
        return actor

    def handle(self, *args, username, **options):
        try:
            result = self.act(self.local_actor(username), **options)
        except social.SocialError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(json.dumps(result, indent=2, ensure_ascii=False))

    def act(self, actor: Actor, **options):
        raise NotImplementedError
