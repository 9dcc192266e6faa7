"""Other names WebFinger answers for a local actor, besides its own (`preferredUsername`, which never changes:
Mastodon identifies an account by user@domain, and Lemmy forbids renaming communities, so a renamed actor would
be another account there). The app that names actors supplies the two functions once, at start (`provide`);
until then no actor has another name. Nothing here knows why an actor has one."""

from collections.abc import Callable
from dataclasses import dataclass

from .models import Actor


@dataclass
class Aliases:
    """`actor_named(name)`: the local actor another name points to (None: none); `names_of(actor)`: its other
    names. A real username always wins: WebFinger asks these only for names no local actor has."""

    actor_named: Callable[[str], Actor | None] = lambda name: None
    names_of: Callable[[Actor], list[str]] = lambda actor: []


aliases = Aliases()


def provide(*, actor_named: Callable[[str], Actor | None], names_of: Callable[[Actor], list[str]]) -> None:
    aliases.actor_named, aliases.names_of = actor_named, names_of
