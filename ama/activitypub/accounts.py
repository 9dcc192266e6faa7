"""Accounts on other servers named by their handle (user@server) or actor id, looked up over the network
(WebFinger, then the actor: federation.social), for the services and commands that name remote hosts."""

from federation import social
from federation.models import Actor

AccountNotFound = social.SocialError


def find_account(account: str) -> Actor:
    """The stored actor of `account`; AccountNotFound says why there is none."""
    return social.find_actor(account)
