"""Domain policy: which remote domains are blocked or limited. Subdomains are covered; IDN and
punycode spellings of a name are the same domain."""

import functools

from django.db.models import Q

from . import caches
from .models import DomainBlock


@functools.lru_cache(maxsize=4096)  # asked of every inbox request's sender; IDNA encoding is slow
def normalize_domain(domain: str) -> str:
    """Lower-case punycode without port or trailing dot; "" when the name cannot be encoded."""
    name = (domain or "").strip().lower().rstrip(".")
    if name.startswith("[") or name.count(":") > 1:
        return name  # IPv6 literal
    name = name.split(":")[0]
    try:
        return name.encode("idna").decode("ascii")
    except UnicodeError:
        return ""


def _suffixes(domain: str) -> list[str]:
    parts = domain.split(".")
    return [".".join(parts[i:]) for i in range(len(parts))]


def severity_for(domain: str, table: dict[str, str] | None = None) -> str | None:
    """The severity of the most specific active entry covering `domain` (itself or a parent), or None.
    `table` is {domain: severity} as caches.read_domain_policies() gives it; by default the per-process
    cache, which another process's change reaches within caches.DOMAIN_POLICY_TTL."""
    name = normalize_domain(domain)
    if not name:
        return None
    table = caches.active_domain_policies() if table is None else table
    return next((table[suffix] for suffix in _suffixes(name) if suffix in table), None)


def is_blocked(domain: str, table: dict[str, str] | None = None) -> bool:
    return severity_for(domain, table) == DomainBlock.Severity.SUSPEND


def is_limited(domain: str) -> bool:
    return severity_for(domain) == DomainBlock.Severity.LIMIT


def blocked_domains_filter(field: str) -> Q:
    """A Q that matches rows whose `field` (a domain) is blocked, for excluding them in bulk."""
    q = Q(pk__in=[])
    for name in DomainBlock.objects.filter(is_draft=False, severity=DomainBlock.Severity.SUSPEND).values_list(
            "domain", flat=True):
        q |= Q(**{field: name}) | Q(**{f"{field}__endswith": "." + name}) | Q(**{f"{field}__startswith": name + ":"})
    return q
