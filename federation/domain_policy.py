"""Domain policy: which remote domains are blocked or limited, read on every inbox request and delivery, and
the writing of it (set, remove, approve drafts, Mastodon's blocklist CSV), the only writer of DomainBlock.

Subdomains are covered; names are stored in punycode (normalize_domain), so IDN and punycode spellings of a
name are one entry."""

import csv
import functools
import io

from django.db import transaction
from django.db.models import Q

from . import caches
from .models import DomainBlock

# ---- reading ------------------------------------------------------------------------------------

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


def _suspended_names() -> list[str]:
    return caches.once_per_batch(("suspended domains",), lambda: list(DomainBlock.objects.filter(
        is_draft=False, severity=DomainBlock.Severity.SUSPEND).values_list("domain", flat=True)))


def blocked_domains_filter(field: str) -> Q:
    """A Q that matches rows whose `field` (a domain) is blocked, for excluding them in bulk: the name, one of
    its subdomains, or it with a port."""
    q = Q(pk__in=[])
    for name in _suspended_names():
        q |= Q(**{field: name}) | Q(**{f"{field}__endswith": "." + name}) | Q(**{f"{field}__startswith": name + ":"})
    return q


def is_suspended(domain: str) -> bool:
    """Whether blocked_domains_filter matches `domain` (one row's, known in hand: one small query)."""
    return any(domain == name or domain.endswith("." + name) or domain.startswith(name + ":")
               for name in _suspended_names())


# ---- writing ------------------------------------------------------------------------------------

CSV_HEADER = ["#domain", "#severity", "#reject_media", "#reject_reports", "#public_comment", "#obfuscate"]
SEVERITIES = {"suspend": DomainBlock.Severity.SUSPEND, "silence": DomainBlock.Severity.LIMIT,
              "limit": DomainBlock.Severity.LIMIT, "block": DomainBlock.Severity.SUSPEND}


class DomainPolicyError(ValueError):
    """A domain or severity that cannot be stored; the message is meant for the operator."""


def snapshot(block: DomainBlock | None) -> dict | None:
    if block is None:
        return None
    return {"domain": block.domain, "severity": block.severity, "public_comment": block.public_comment,
            "private_comment": block.private_comment, "is_draft": block.is_draft}


def clean_domain(domain: str) -> str:
    name = normalize_domain(domain)
    if not name or "." not in name and not name.startswith("["):
        raise DomainPolicyError(f"not a domain name: {domain!r}")
    return name


def domain_policy_set(*, domain: str, severity: str = DomainBlock.Severity.SUSPEND, public_comment: str = "",
                      private_comment: str = "", is_draft: bool = False) -> tuple[DomainBlock, dict | None]:
    """Create or replace the entry for `domain`; returns it and what was there before (None if new)."""
    if severity not in DomainBlock.Severity.values:
        raise DomainPolicyError(f"unknown severity {severity!r}")
    name = clean_domain(domain)
    with transaction.atomic():
        block = DomainBlock.objects.select_for_update().filter(domain=name).first()
        before = snapshot(block)
        block = block or DomainBlock(domain=name)
        block.severity, block.is_draft = severity, is_draft
        block.public_comment, block.private_comment = public_comment, private_comment
        block.save()
    return block, before


def domain_policy_remove(*, domain: str) -> dict | None:
    """Remove the entry (the domain is open again); returns what was removed (None if nothing)."""
    name = normalize_domain(domain)
    with transaction.atomic():
        block = DomainBlock.objects.select_for_update().filter(domain=name).first()
        before = snapshot(block)
        if block is not None:
            block.delete()
    return before


def domain_policy_approve(*, domains) -> list[str]:
    """Drafts become policy; returns the domains that were drafts."""
    with transaction.atomic():
        names = list(DomainBlock.objects.filter(domain__in=list(domains), is_draft=True)
                     .values_list("domain", flat=True))
        DomainBlock.objects.filter(domain__in=names).update(is_draft=False)
        caches.forget_domain_policies()  # .update() sends no post_save; forget now and again once committed
        transaction.on_commit(caches.forget_domain_policies)
    return names


def export_csv(blocks=None) -> str:
    """Mastodon's blocklist format (drafts are not exported unless passed in)."""
    rows = blocks if blocks is not None else DomainBlock.objects.filter(is_draft=False).order_by("domain")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for block in rows:
        writer.writerow([block.domain, block.severity, "false", "false", block.public_comment, "false"])
    return out.getvalue()


def _rows(text: str):
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = None
    for row in reader:
        if not row or not row[0].strip():
            continue
        if header is None and row[0].strip().lstrip("#").lower() == "domain":
            header = [name.strip().lstrip("#").lower() for name in row]
            continue
        yield dict(zip(header or ["domain"], [cell.strip() for cell in row], strict=False))


def import_csv(text: str) -> dict:
    """Blocklist CSV (Mastodon's, or one domain a line) → draft entries. Domains already listed are left as
    they are; `noop` rows and unreadable names are skipped. Returns {"added": [...], "skipped": [...]}."""
    added, skipped = [], []
    with transaction.atomic():
        for row in _rows(text):
            raw = row.get("domain", "")
            severity = SEVERITIES.get((row.get("severity") or "suspend").lower())
            try:
                name = clean_domain(raw)
            except DomainPolicyError:
                skipped.append(raw)
                continue
            if severity is None or DomainBlock.objects.filter(domain=name).exists():
                skipped.append(name)
                continue
            DomainBlock.objects.create(domain=name, severity=severity, public_comment=row.get("public_comment", ""),
                                       private_comment="imported", is_draft=True)
            added.append(name)
    return {"added": added, "skipped": skipped}
