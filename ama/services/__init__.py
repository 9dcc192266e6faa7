"""The only writers of AMA data. Each function is `<entity>_<verb>(*, keyword_only)`, runs in one
transaction, and federates through ama.federation (deliveries enqueued on commit)."""

from .amas import (
    ama_advance_states,
    ama_close,
    ama_create,
    ama_delete,
    ama_open,
    ama_publish,
    ama_update,
)
from .answers import answer_delete, answer_edit, answer_publish
from .errors import ServiceError
from .questions import (
    question_approve,
    question_delete_received,
    question_edit_received,
    question_hide,
    question_receive,
    question_reject,
    question_unhide,
)
from .votes import vote_add, vote_remove

__all__ = [
    "ServiceError",
    "ama_advance_states", "ama_close", "ama_create", "ama_delete", "ama_open", "ama_publish", "ama_update",
    "answer_delete", "answer_edit", "answer_publish",
    "question_approve", "question_delete_received", "question_edit_received", "question_hide",
    "question_receive", "question_reject", "question_unhide",
    "vote_add", "vote_remove",
]
