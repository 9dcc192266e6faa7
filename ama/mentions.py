"""The accounts a question addresses by mentioning them (the AMA's host, co-hosts and Group), and the question's
text as shown to readers: without those leading mentions ("@hana What…" reads "What…"). The stored question and
what we federate keep them."""

from .text import without_leading_mentions


def ama_accounts(ama) -> frozenset[str]:
    """Ids, profile URLs and handles (full and short) of the accounts of `ama`; computed once per instance."""
    if "_mention_accounts" not in ama.__dict__:
        actors = [ama.host, *ama.cohosts.all(), *([ama.group] if ama.group_id else [])]
        ama.__dict__["_mention_accounts"] = frozenset(
            name for actor in actors for name in (actor.ap_id, actor.url, actor.handle, f"@{actor.username}") if name)
    return ama.__dict__["_mention_accounts"]


def question_display_html(question, ama=None) -> str:
    """The question's shown HTML (a moderator's edit or the original) without leading mentions of the AMA."""
    return without_leading_mentions(question.shown_html, ama_accounts(ama or question.ama))
