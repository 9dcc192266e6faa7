"""scores_changed: the remote tallies changed several questions' scores at once. One event per AMA for a
refresher's batch (its rows as votes_changed's), instead of one votes_changed per question: a cycle that moves
2,000 scores writes a few dozen events, not 2,000. Direct votes keep their own coalesced votes_changed."""

from collections import defaultdict

from ..models import Question
from .events import publish
from .fragments import scores_data

KIND = "scores_changed"


def scores_changed(questions: list[Question]) -> None:
    """Call in the service's transaction, after their remote_like_count was written (each with its `ama`
    loaded). The questions the public page does not show are left out (one query for all)."""
    if not questions:
        return
    shown = set(Question.objects.on_page().filter(pk__in=[question.pk for question in questions]).values_list(
        "pk", flat=True))
    by_ama = defaultdict(list)
    for question in questions:
        if question.pk in shown:
            by_ama[question.ama_id].append(question)
    for rows in by_ama.values():
        publish(rows[0].ama, KIND, data=scores_data(rows[0].ama, rows))
