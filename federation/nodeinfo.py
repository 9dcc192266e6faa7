"""NodeInfo 2.1 with real counts."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from .models import Actor, OutboxActivity


def document() -> dict:
    local_people = Actor.objects.filter(is_local=True, actor_type=Actor.Type.PERSON)
    month_ago = timezone.now() - timedelta(days=30)
    half_year_ago = timezone.now() - timedelta(days=180)
    active = lambda since: OutboxActivity.objects.filter(  # noqa: E731
        created_at__gte=since, actor__actor_type=Actor.Type.PERSON).values("actor").distinct().count()
    return {
        "version": "2.1",
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
