"""Domain names reserved for documentation, examples and testing (RFC 2606; RFC 6761 §6.2-6.5): the `.example`,
`.invalid` and `.test` top-level domains and example.com, example.net, example.org with their subdomains.

No server of the fediverse lives there: the demo's made-up accounts do (seed_demo: mastodon.example, inboxes
under .invalid), so what would be fetched from them is skipped before any network (a DNS lookup that fails, or
worse, a resolver that answers for them). `.localhost` is left out: it names this machine (RFC 6761 §6.3), where
development peers run."""

EXAMPLE_TLDS = frozenset({"example", "invalid", "test"})
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org")


def is_reserved_for_examples(domain: str) -> bool:
    """`domain`: a host or host:port as federation.activities.host_of gives it (any case, a final dot allowed)."""
    host = domain.rpartition(":")[0] if domain.count(":") == 1 else domain  # host:port; an IPv6 literal stays
    host = host.rstrip(".").lower()
    return host.rpartition(".")[2] in EXAMPLE_TLDS or any(
        host == name or host.endswith("." + name) for name in EXAMPLE_DOMAINS)
