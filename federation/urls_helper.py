"""Absolute URLs on this server. The domain and scheme are read at call time (tests override them)."""

from django.conf import settings
from django.urls import reverse


def base_url() -> str:
    return f"{settings.FEDIAMA_SCHEME}://{settings.FEDIAMA_DOMAIN}"


def absolute(path: str) -> str:
    return base_url() + path


def absolute_reverse(name: str, *args, **kwargs) -> str:
    return absolute(reverse(name, args=args or None, kwargs=kwargs or None))


def local_domain() -> str:
    return settings.FEDIAMA_DOMAIN


def is_local_url(url: str) -> bool:
    return url.startswith(base_url() + "/") or url == base_url()
