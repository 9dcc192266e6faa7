"""The only writers of AMA data. Each function is `<entity>_<verb>(*, keyword_only)`, runs in one
transaction, and federates through ama/activitypub's send_* functions (deliveries enqueued on commit)."""

from .amas import (
    ama_advance_states,
    ama_close,
    ama_create,
    ama_delete,
    ama_open,
    ama_publish,
    ama_update,
)
from .answer_likes import answer_like_add, answer_like_remove
from .answers import answer_delete, answer_edit, answer_edit_received, answer_publish
from .errors import ServiceError
from .hosts import host_create
from .questions import (
    question_approve,
    question_delete_received,
    question_edit_received,
    question_hide,
    question_receive,
    question_reject,
    question_unhide,
)
from .votes import vote_add, vote_add_at_batch_end, vote_remove

__all__ = [
    "ServiceError", "host_create",
    "ama_advance_states", "ama_close", "ama_create", "ama_delete", "ama_open", "ama_publish", "ama_update",
    "answer_delete", "answer_edit", "answer_edit_received", "answer_like_add", "answer_like_remove",
    "answer_publish",
    "question_approve", "question_delete_received", "question_edit_received", "question_hide",
    "question_receive", "question_reject", "question_unhide",
    "vote_add", "vote_add_at_batch_end", "vote_remove",
]
from .remote_hosts import (  # noqa: E402
    is_verified_remote_host,
    remote_host_claim_start,
    remote_host_claim_verify,
    remote_host_revoke,
)

__all__ += ["is_verified_remote_host", "remote_host_claim_start", "remote_host_claim_verify", "remote_host_revoke"]
from .moderation import (  # noqa: E402
    question_edit_display,
    question_lock,
    question_mark_answered,
    question_mark_unanswered,
    question_merge,
    question_now_answering,
    question_star,
)
from .moderation_actors import (  # noqa: E402
    actor_ban,
    actor_mute,
    actor_note,
    actor_remove_content,
    actor_set_trust,
    actor_unban,
    actor_unmute,
    domain_approve_drafts,
    domain_block,
    domain_import,
    domain_limit,
    domain_unblock,
)
from .moderation_reports import (  # noqa: E402
    audit_undo,
    keyword_filter_delete,
    keyword_filter_save,
    report_assign,
    report_create,
    report_forward,
    report_receive,
    report_resolve,
)

__all__ += [
    "question_edit_display", "question_lock", "question_mark_answered", "question_mark_unanswered",
    "question_merge", "question_now_answering", "question_star",
    "actor_ban", "actor_mute", "actor_note", "actor_remove_content", "actor_set_trust", "actor_unban",
    "actor_unmute", "domain_approve_drafts", "domain_block", "domain_import", "domain_limit", "domain_unblock",
    "audit_undo", "keyword_filter_delete", "keyword_filter_save", "report_assign", "report_create",
    "report_forward", "report_receive", "report_resolve",
]
from .tallies import question_tally_recount, questions_tally_keep, questions_tally_update  # noqa: E402

__all__ += ["question_tally_recount", "questions_tally_keep", "questions_tally_update"]
from .placements import (  # noqa: E402
    community_find,
    placement_add,
    placement_end,
    placement_locked,
    placement_withdraw,
    placements_publish,
    question_removed_by_community,
)

__all__ += ["community_find", "placement_add", "placement_end", "placement_locked", "placement_withdraw",
            "placements_publish", "question_removed_by_community"]
from .team import ama_cohost_add, ama_cohost_remove, ama_moderator_add, ama_moderator_remove  # noqa: E402

__all__ += ["ama_cohost_add", "ama_cohost_remove", "ama_moderator_add", "ama_moderator_remove"]
