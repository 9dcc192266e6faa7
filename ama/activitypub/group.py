"""The AMA as a community (FEP-1b12): each AMA is also a `Group` actor, !ama-<slug>@DOMAIN, in which the
AMA is a `Page`. This module builds the Group's and the Page's documents and the activities a moderator
posts in it; what the Group announces is publish_group.py (questions: group_questions.py), what its
endpoints serve group_content.py."""

from federation import actors
from federation.activities import PUBLIC, activity
from federation.models import Actor

from ..models import Ama, Answer, Question
from . import ids
from .documents import LEMMY_CONTEXT, iso, language_properties, tombstone

PAGE_KEY = "page"


def group_username(slug: str) -> str:
    """ama-<slug>, without doubling the prefix when the slug already has it (a title "AMA: open models" makes
    the slug ama-open-models and the community !ama-open-models, not !ama-ama-open-models)."""
    return (slug if slug == "ama" or slug.startswith("ama-") else f"ama-{slug}")[:100]


def free_group_username(slug: str) -> str:
    """group_username, or (taken by another local actor, e.g. the Group of the AMA whose slug is open-models,
    or by an older Group as its clean name) ama-<slug>, then ama-<slug>-2…: a new Group's name. Existing Groups
    keep theirs (an actor is never renamed)."""
    def taken(name: str) -> bool:
        return (Actor.objects.filter(is_local=True, username__iexact=name).exists()
                or group_by_clean_name(name) is not None)

    for candidate in [group_username(slug), f"ama-{slug}"[:100]]:
        if not taken(candidate):
            return candidate
    n = 2
    while taken(f"ama-{slug}"[:96] + f"-{n}"):
        n += 1
    return f"ama-{slug}"[:96] + f"-{n}"


# Groups made before the prefix stopped doubling are named ama-ama-<rest> (an AMA titled "AMA: …"). Renaming
# them is unsafe (Mastodon identifies an account by user@domain: a new preferredUsername would be another
# account for its followers; Lemmy forbids renaming communities for the same reason), so they keep their name and
# id, and ama-<rest> is another name for them: WebFinger answers it (federation/handle_aliases.py), the pages show
# it. A local actor really named ama-<rest> always wins over it.

def clean_name(username: str) -> str | None:
    """ama-<rest> for a Group named ama-ama-<rest> (ama for ama-ama); None for any other name."""
    lowered = username.lower()
    return username[4:] if lowered == "ama-ama" or lowered.startswith("ama-ama-") else None


def group_by_clean_name(name: str) -> Actor | None:
    """The older Group `name` is the clean name of, unless a local actor is really named `name`."""
    lowered = name.lower()
    if not (lowered == "ama" or lowered.startswith("ama-")):
        return None
    local = Actor.objects.filter(is_local=True)
    if local.filter(username__iexact=name).exists():
        return None
    return local.filter(actor_type=Actor.Type.GROUP, username__iexact=f"ama-{name}").first()


def clean_names_of(group: Actor) -> list[str]:
    """The Group's other name, when it has one that is still its own."""
    name = clean_name(group.username) if group.is_local and group.actor_type == Actor.Type.GROUP else None
    return [name] if name and group_by_clean_name(name) == group else []


def community_handle(group: Actor) -> str:
    """The Group as Lemmy, Mbin and PieFed users type it: !name@domain, by its clean name when it has one (both
    names find the same Group; WebFinger's subject stays its own name)."""
    name = next(iter(clean_names_of(group)), group.username)
    return f"!{name}@{group.handle_domain or group.domain}"


def group_actor_create(ama: Ama) -> Actor:
    """The AMA's Group; keys are generated after commit (or on first use)."""
    group = actors.create_local_actor(username=free_group_username(ama.slug), actor_type=Actor.Type.GROUP,
                                      display_name=ama.title, summary=ama.intro_html, generate_keys_now=False)
    group.url = ama.ap_id
    group.save(update_fields=["url"])
    ama.group, ama.page_ap_id = group, group.ap_id + f"/objects/{PAGE_KEY}"
    return group


def has_group(ama: Ama) -> bool:
    return ama.group_id is not None and ama.published_at is not None


def page_author(ama: Ama) -> Actor:
    """Who posts the Page: a local Person moderator (Lemmy accepts posts only from a Person listed in the
    moderators collection): the host, a local co-host, or, for an AMA held wholly elsewhere, the instance actor."""
    if ama.host.is_local:
        return ama.host
    return ama.cohosts.filter(is_local=True).first() or actors.instance_actor()


def moderators(ama: Ama) -> list[Actor]:
    found = [page_author(ama), ama.host, *ama.cohosts.all()]
    return list({actor.ap_id: actor for actor in found}.values())


def group_extra(ama: Ama) -> dict:
    extra = {"name": ama.title, "summary": ama.intro_html, "content": ama.intro_html, "mediaType": "text/html",
             "url": ama.ap_id, "published": iso(ama.created_at)}
    if tag := language_properties(ama.language, "").get("language"):
        extra["language"] = [tag]  # a community lists the languages it accepts
    return extra


def is_closed(ama: Ama) -> bool:
    return ama.state in (Ama.State.ENDED, Ama.State.ARCHIVED) or bool(ama.deleted_at)


def page_document(ama: Ama) -> dict:
    """The AMA as Lemmy's deserializer wants a post: name, content, audience the Group, to the Group and
    Public; never `inReplyTo` (a Page with one is not a post)."""
    group = ama.group
    footer = f'<p><a href="{ama.ap_id}">{ama.ap_id}</a></p>'
    page = {
        "@context": LEMMY_CONTEXT, "id": ama.page_ap_id, "type": "Page", "attributedTo": page_author(ama).ap_id,
        "name": ama.title[:200], "content": ama.intro_html + footer, "mediaType": "text/html",
        "source": {"content": ama.intro, "mediaType": "text/markdown"},
        "to": [group.ap_id, PUBLIC], "cc": [], "audience": group.ap_id, "context": ids.context_id(ama),
        "commentsEnabled": not is_closed(ama), "sensitive": False, "stickied": False,
        **language_properties(ama.language, ama.intro_html + footer),
        "published": iso(ama.published_at or ama.created_at), "startTime": iso(ama.opens_at),
        "endTime": iso(ama.closes_at),
    }
    if ama.updated_at:
        page["updated"] = iso(ama.updated_at)
    return page


def page_tombstone(ama: Ama) -> dict:
    return tombstone(ama.page_ap_id, "Page", ama.deleted_at)


def by_page_author(ama: Ama, kind: str, obj, **extra) -> dict:
    """An activity by the Page author (a moderator). Not stored or sent on its own (it would show in the
    host's outbox and timeline): the Group's Announce carries it embedded, as Lemmy does."""
    author, group = page_author(ama), ama.group
    return activity(kind, actor=author.ap_id, obj=obj, to=[group.ap_id, PUBLIC], cc=[], audience=group.ap_id,
                    **extra)


def received_create(item: Question | Answer) -> dict | None:
    """The Create that brought this question or answer, as its author signed it (Lemmy re-announces that);
    None when it came another way (a ReplyRequest, an Announce, our own host)."""
    return as_received(item.received_message, "Create", item.ap_id)


def as_received(message, kind: str, object_id: str) -> dict | None:
    """The `kind` activity (Create, Update) of the object `object_id` stored in `message`, as its author
    signed it; None when the message is gone or holds something else (an Announce, a ReplyRequest)."""
    body = message.body if message is not None else {}
    inner = body.get("object")
    if body.get("type") == kind and isinstance(inner, dict) and inner.get("id") == object_id:
        return body
    return None
