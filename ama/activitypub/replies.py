"""The AMA's collections: its replies (approved questions) and its context (FEP-7888: the moderated thread)."""

from federation.documents import ordered_collection

from ..models import Ama, Question
from . import ids


def shown_thread(ama: Ama):
    return Question.objects.shown().filter(ama=ama).select_related("author")


def question_ref(question: Question) -> str:
    return question.ap_id


def replies_collection(ama: Ama, page: str | None) -> dict:
    rows = shown_thread(ama).filter(parent__isnull=True).order_by("published_at", "pk")
    return ordered_collection(ids.replies_id(ama), rows, question_ref, page=page)


def context_collection(ama: Ama, page: str | None) -> dict:
    """FEP-7888: the moderated thread, the AMA note first, then approved questions and their answers."""
    items = [ama.ap_id]
    for question in shown_thread(ama).order_by("published_at", "pk").prefetch_related("answers"):
        items.append(question.ap_id)
        items.extend(a.ap_id for a in question.answers.all() if not a.deleted_at)
    document = ordered_collection(ids.context_id(ama), items, _itself, page=page, page_size=100)
    document["attributedTo"] = ama.host.ap_id
    return document


def _itself(item: str) -> str:
    return item
