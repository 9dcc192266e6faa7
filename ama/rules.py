"""Moderation rules applied to an incoming question: what state it starts in, and which rule said so."""

import re
from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from federation import domain_policy
from federation.caches import batch_senders, in_batch, once_per_batch, once_per_batch_for_senders
from federation.models import Actor

from .models import ActorPolicy, Ama, KeywordFilter, Question


@dataclass(frozen=True)
class Decision:
    state: str
    rule: str = ""


def actor_policies(actor: Actor, ama: Ama) -> list[ActorPolicy]:
    """Policies for this actor that apply to this AMA: its own and the global one (in an inbox batch, read once
    for all its senders)."""
    def read(actor_ids) -> dict[int, list[ActorPolicy]]:
        by_actor: dict[int, list[ActorPolicy]] = {}
        for policy in ActorPolicy.objects.filter(Q(ama=ama) | Q(ama__isnull=True), actor_id__in=actor_ids):
            by_actor.setdefault(policy.actor_id, []).append(policy)
        return by_actor
    return once_per_batch_for_senders(("actor policies", ama.pk), actor.pk, read).get(actor.pk, [])


def is_banned(actor: Actor, ama: Ama, policies: list[ActorPolicy] | None = None) -> bool:
    """`policies`: actor_policies(actor, ama) when the caller has read them already."""
    now = timezone.now()
    policies = actor_policies(actor, ama) if policies is None else policies
    return any(p.banned and (p.banned_until is None or p.banned_until > now) for p in policies)


def keyword_filters(ama: Ama) -> list[KeywordFilter]:
    """The AMA's filters and the global ones, in the order they are tried (read once per inbox batch)."""
    return once_per_batch(("keyword filters", ama.pk), lambda: list(
        KeywordFilter.objects.filter(Q(ama=ama) | Q(ama__isnull=True)).order_by("action", "pk")))


def keyword_match(ama: Ama, text: str) -> KeywordFilter | None:
    for rule in keyword_filters(ama):
        pattern = rule.pattern if rule.is_regex else r"\b" + re.escape(rule.pattern) + r"\b"
        try:
            if re.search(pattern, text, flags=re.IGNORECASE):
                return rule
        except re.error:
            continue
    return None


def over_rate_limit(ama: Ama, actor: Actor) -> bool:
    """More questions from `actor` in the last hour than the AMA allows (in an inbox batch, counted once for all
    its senders, and each question the batch stores counted in: question_received)."""
    return _recent_questions(ama, actor).get(actor.pk, 0) >= ama.rate_limit_per_hour


def _recent_key(ama: Ama) -> tuple:
    return ("questions in the last hour", ama.pk)


def _recent_questions(ama: Ama, actor: Actor) -> dict[int, int]:
    def count(actor_ids) -> dict[int, int]:
        since = timezone.now() - timedelta(hours=1)
        return dict(Question.objects.filter(ama=ama, author_id__in=actor_ids, received_at__gte=since).values(
            "author_id").annotate(n=Count("pk")).values_list("author_id", "n"))
    return once_per_batch_for_senders(_recent_key(ama), actor.pk, count)


def question_received(ama: Ama, actor: Actor) -> None:
    """A question from `actor` was stored: the next one in this inbox batch counts it (over_rate_limit)."""
    counts = in_batch(_recent_key(ama))
    if counts is not None and actor.pk in batch_senders():
        counts[actor.pk] = counts.get(actor.pk, 0) + 1


def first_question(actor: Actor) -> bool:
    return not Question.objects.filter(author=actor).exists()


def decide(ama: Ama, actor: Actor, text: str) -> Decision:
    """Order matters: bans and mutes first, then explicit trust, then rules, then the AMA's mode."""
    policies = actor_policies(actor, ama)
    if is_banned(actor, ama, policies):
        return Decision(Question.State.REJECTED, "actor banned")
    if any(p.muted for p in policies):
        return Decision(Question.State.HIDDEN, "actor muted")
    keyword = keyword_match(ama, text)
    if keyword and keyword.action == KeywordFilter.Action.REJECT:
        return Decision(Question.State.REJECTED, f"keyword filter: {keyword.pattern}")
    trust = next((p.trust for p in policies if p.trust), "")
    if trust == ActorPolicy.Trust.ALWAYS_ALLOW:
        return Decision(Question.State.PUBLISHED, "trusted actor")
    held = _hold_reason(ama, actor, text, keyword, trust)
    if held:
        return Decision(Question.State.PENDING, held)
    if ama.moderation_mode == Ama.Moderation.POST:
        return Decision(Question.State.PUBLISHED)
    return Decision(Question.State.PENDING)


def _hold_reason(ama: Ama, actor: Actor, text: str, keyword: KeywordFilter | None, trust: str) -> str:
    if trust == ActorPolicy.Trust.ALWAYS_HOLD:
        return "actor always held"
    if domain_policy.is_limited(actor.domain):
        return "domain limited"
    if keyword:
        return f"keyword filter: {keyword.pattern}"
    if len(text) > ama.max_question_length:
        return f"longer than {ama.max_question_length} characters"
    if over_rate_limit(ama, actor):
        return f"rate limit: more than {ama.rate_limit_per_hour} questions in an hour"
    if ama.hold_first_question and ama.moderation_mode == Ama.Moderation.POST and first_question(actor):
        return "first question from a new actor"
    return ""
