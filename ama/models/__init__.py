from .amas import Ama, AmaQuerySet
from .moderation import (
    ActorPolicy,
    AuditEntry,
    KeywordFilter,
    ModeratorAssignment,
    Report,
)
from .threads import Answer, AnswerLike, Question, QuestionQuerySet, QuestionRevision, Vote

__all__ = [
    "Ama", "AmaQuerySet", "Question", "QuestionQuerySet", "QuestionRevision", "Answer", "AnswerLike", "Vote",
    "ActorPolicy", "AuditEntry", "KeywordFilter", "ModeratorAssignment", "Report",
]
from .remote_hosts import RemoteHostClaim  # noqa: E402

__all__ += ["RemoteHostClaim"]
from .actors import AskerActor  # noqa: E402

__all__ += ["AskerActor"]
from .live import LiveEvent  # noqa: E402

__all__ += ["LiveEvent"]
from .tallies import TallyOrigin, TallyRun, TallyState  # noqa: E402

__all__ += ["TallyOrigin", "TallyRun", "TallyState"]
from .placements import Placement  # noqa: E402

__all__ += ["Placement"]
from .notifications import NotificationDigest, NotificationPreference  # noqa: E402

__all__ += ["NotificationDigest", "NotificationPreference"]
