"""Pages: public AMA pages (negotiated with ActivityPub) and the host dashboard."""

from .dashboard import ama_dashboard, ama_switch, answer, answer_delete, answer_edit, index, moderate
from .public import (
    ama_page,
    answer_page,
    ask,
    authorization,
    context,
    home,
    question_page,
    replies,
    vote,
    vote_from_account,
)

__all__ = ["ama_dashboard", "ama_switch", "answer", "answer_delete", "answer_edit", "index", "moderate",
           "ama_page", "answer_page", "ask", "authorization", "context", "home", "question_page", "replies", "vote",
           "vote_from_account"]
