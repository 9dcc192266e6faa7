"""NodeInfo 2.0 and 2.1 with real counts (2.0 for servers that read only its link, e.g. Takahē)."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Actor, OutboxActivity

VERSIONS = ("2.0", "2.1")
SCHEMA = "http://nodeinfo.diaspora.software/ns/schema/{}"


def document(version: str = "2.1") -> dict:
    """The NodeInfo document of `version` (one of VERSIONS): the same fields in both."""
    local_people = Actor.objects.filter(is_local=True, actor_type=Actor.Type.PERSON)
    month_ago = timezone.now() - timedelta(days=30)
    half_year_ago = timezone.now() - timedelta(days=180)
    active = lambda since: OutboxActivity.objects.filter(  # noqa: E731
        created_at__gte=since, actor__actor_type=Actor.Type.PERSON).values("actor").distinct().count()
    return {
        "version": version,
        "software": {"name": "fediama", "version": settings.FEDIAMA_VERSION},
        "protocols": ["activitypub"],
        "services": {"inbound": [], "outbound": []},
        "openRegistrations": False,
        "usage": {
            "users": {"total": local_people.count(), "activeMonth": active(month_ago),
                      "activeHalfyear": active(half_year_ago)},
            "localPosts": OutboxActivity.objects.filter(activity_type="Create").count(),
        },
        "metadata": {"nodeName": settings.FEDIAMA_DOMAIN},
    }
