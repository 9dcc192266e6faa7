"""Writing domain policy (DomainBlock rows): set, remove, approve drafts, and Mastodon's blocklist CSV.

The only writer of DomainBlock. Names are stored in punycode (federation.policy.normalize_domain), so IDN and
punycode spellings are one entry; an entry covers its subdomains (federation.policy reads them)."""

import csv
import io

from django.db import transaction

from . import caches
from .models import DomainBlock
from .policy import normalize_domain

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
