"""The AMA as a community (FEP-1b12): each AMA is also a `Group` actor, !ama-<slug>@DOMAIN, in which the
AMA is a `Page`. The Group announces what its moderators approve: the Page and its updates, answers, votes
and the `Lock` on closing; questions (their approval, edits, removals and restoring) are in
ama.group_questions.

`send_*` functions run inside the service's transaction, like those of ama.federation, which calls them."""

from federation import actors, outbox
from federation.activities import AS_CONTEXT, PUBLIC, activity, id_of
from federation.activity_views import embedded_announce_id
from federation.models import Actor, OutboxActivity
from federation.urls_helper import absolute

from . import urls_ap
from .models import Ama, Answer, Question

LEMMY_CONTEXT = [AS_CONTEXT, {"lemmy": "https://join-lemmy.org/ns#", "pt": "https://joinpeertube.org/ns#",
                              "sc": "http://schema.org/", "sensitive": "as:sensitive", "stickied": "lemmy:stickied",
                              "commentsEnabled": "pt:commentsEnabled", "distinguished": "lemmy:distinguished",
                              "language": "sc:inLanguage", "identifier": "sc:identifier"}]  # Lemmy's own IRIs
PAGE_KEY = "page"


# ---- the Group actor ---------------------------------------------------------------------------

def group_username(slug: str) -> str:
    return f"ama-{slug}"[:100]


def group_actor_create(ama: Ama) -> Actor:
    """The AMA's Group; keys are generated after commit (or on first use)."""
    group = actors.create_local_actor(username=group_username(ama.slug), actor_type=Actor.Type.GROUP,
                                      display_name=ama.title, summary=ama.intro_html, generate_keys_now=False)
    group.url = ama.ap_id
    group.save(update_fields=["url"])
    ama.group, ama.page_ap_id = group, group.ap_id + f"/objects/{PAGE_KEY}"
    return group


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
    return {"name": ama.title, "summary": ama.intro_html, "content": ama.intro_html, "mediaType": "text/html",
            "language": [{"identifier": ama.language, "name": ama.language}], "url": ama.ap_id,
            "published": _iso(ama.created_at)}


def _iso(moment) -> str | None:
    from .federation import iso
    return iso(moment)


def is_closed(ama: Ama) -> bool:
    return ama.state in (Ama.State.ENDED, Ama.State.ARCHIVED) or bool(ama.deleted_at)


# ---- the Page ----------------------------------------------------------------------------------

def page_document(ama: Ama) -> dict:
    """The AMA as Lemmy's deserializer wants a post: name, content, audience the Group, to the Group and
    Public; never `inReplyTo` (a Page with one is not a post)."""
    group = ama.group
    footer = f'<p><a href="{ama.ap_id}">{ama.ap_id}</a></p>'
    page = {
        "@context": LEMMY_CONTEXT, "id": ama.page_ap_id, "type": "Page", "attributedTo": page_author(ama).ap_id,
        "name": ama.title[:200], "content": ama.intro_html + footer, "mediaType": "text/html",
        "source": {"content": ama.intro, "mediaType": "text/markdown"},
        "to": [group.ap_id, PUBLIC], "cc": [], "audience": group.ap_id, "context": urls_ap.context_id(ama),
        "commentsEnabled": not is_closed(ama), "sensitive": False, "stickied": False,
        "language": {"identifier": ama.language, "name": ama.language},
        "published": _iso(ama.published_at or ama.created_at), "startTime": _iso(ama.opens_at),
        "endTime": _iso(ama.closes_at),
    }
    if ama.updated_at:
        page["updated"] = _iso(ama.updated_at)
    return page


def page_tombstone(ama: Ama) -> dict:
    from .federation import tombstone
    return tombstone(ama.page_ap_id, "Page", ama.deleted_at)


# ---- announcing ---------------------------------------------------------------------------------

def has_group(ama: Ama) -> bool:
    return ama.group_id is not None and ama.published_at is not None


def announce(ama: Ama, inner: dict, *, recipients=()) -> OutboxActivity:
    """The Group's Announce of `inner` to its followers (FEP-1b12: the Announce is the approval)."""
    group = ama.group
    inner = {key: value for key, value in inner.items() if key != "@context"}
    body = activity("Announce", actor=group.ap_id, obj=inner, to=[PUBLIC], cc=[group.followers_url],
                    audience=group.ap_id, ap_id=_carrier_id(inner))
    return outbox.publish(body, sender=group, to_followers=True, recipients=recipients)


def _carrier_id(inner: dict) -> str | None:
    """A moderator's activity minted here (by_page_author) is stored only inside this Announce, whose id
    then derives from its own so that both ids answer (federation.activity_views)."""
    inner_id = inner.get("id") or ""
    return embedded_announce_id(inner_id) if inner_id.startswith(absolute("/activities/")) else None


def by_page_author(ama: Ama, kind: str, obj, **extra) -> dict:
    """An activity by the Page author (a moderator). Not stored or sent on its own (it would show in the
    host's outbox and timeline): the Group's Announce carries it embedded, as Lemmy does."""
    author, group = page_author(ama), ama.group
    return activity(kind, actor=author.ap_id, obj=obj, to=[group.ap_id, PUBLIC], cc=[], audience=group.ap_id,
                    **extra)


def send_page_created(ama: Ama) -> None:
    if has_group(ama):
        announce(ama, by_page_author(ama, "Create", page_document(ama)))


def send_page_updated(ama: Ama) -> None:
    if not has_group(ama):
        return
    announce(ama, by_page_author(ama, "Update", page_document(ama)))
    if is_closed(ama):
        send_page_locked(ama)


def send_page_locked(ama: Ama) -> None:
    """Closing the AMA locks the post (Lemmy `Lock`), once."""
    if OutboxActivity.objects.filter(actor=ama.group, activity_type="Announce", body__object__type="Lock").exists():
        return
    announce(ama, by_page_author(ama, "Lock", ama.page_ap_id))


def send_page_deleted(ama: Ama) -> None:
    if has_group(ama):
        announce(ama, by_page_author(ama, "Delete", ama.page_ap_id))


# ---- questions and answers in the community ------------------------------------------------------

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


def _answer_create(answer: Answer) -> dict:
    """The author's Create as they signed it; else the one the host sent (its note names the community as
    `audience`), the same document its id serves."""
    from .federation import answer_create
    if not answer.author.is_local:
        raw = received_create(answer)
        if raw:
            return raw
    return answer_create(answer)


def send_answer_created(answer: Answer) -> None:
    if has_group(answer.question.ama):
        announce(answer.question.ama, _answer_create(answer))


def send_answer_updated(answer: Answer, *, received: dict | None = None) -> None:
    """A host's edited answer: the community gets the author's Update (`received`: a remote host's, as they
    signed it; their own server tells their followers)."""
    ama = answer.question.ama
    if has_group(ama) and received is not None:
        announce(ama, received)
    elif has_group(ama) and answer.author.is_local:
        from .federation import answer_note
        note = answer_note(answer)
        announce(ama, activity("Update", actor=answer.author.ap_id, obj=note, to=note["to"], cc=note["cc"],
                               audience=note["audience"]))


def send_answer_deleted(answer: Answer, *, received: dict | None = None) -> None:
    """A deleted answer is deleted in the community too (its author's Delete, as Lemmy relays a comment's:
    `received`, as a remote author signed it, or ours)."""
    ama = answer.question.ama
    if has_group(ama):
        announce(ama, received or activity("Delete", actor=answer.author.ap_id, obj=answer.ap_id,
                                           to=[ama.group.ap_id, PUBLIC], cc=[], audience=ama.group.ap_id))


def send_received(ama: Ama, received: dict) -> None:
    """Re-announce an activity received in the community (votes, their undoing, an author's Delete)."""
    if has_group(ama):
        announce(ama, received)


# ---- what the Group's endpoints serve (federation.group_views hooks) ------------------------------

def _ama_of(group: Actor) -> Ama | None:
    return Ama.objects.filter(group=group).select_related("host").first()


def _moderator_ids(group: Actor) -> list[str]:
    ama = _ama_of(group)
    return [actor.ap_id for actor in moderators(ama)] if ama else []


def _featured(group: Actor) -> list[dict]:
    ama = _ama_of(group)
    if ama is None or ama.deleted_at or not ama.published_at:
        return []
    return [page_document(ama)]


def _moderated_set(ama: Ama) -> set[str]:
    shown = Question.objects.shown().filter(ama=ama)
    answers = Answer.objects.filter(question__in=shown, deleted_at__isnull=True).values_list("ap_id", flat=True)
    return {ama.page_ap_id, *shown.values_list("ap_id", flat=True), *answers}


def _outbox(group: Actor) -> list[dict]:
    """The Group's Announces of what is still in the moderated thread: the Page, approved questions and
    answers, the Lock (votes and removals are delivered, not listed)."""
    ama = _ama_of(group)
    if ama is None or ama.deleted_at:
        return []
    visible = _moderated_set(ama)
    rows = OutboxActivity.objects.filter(actor=group, public=True, activity_type="Announce")
    items = []
    for row in rows.order_by("-created_at", "-pk")[:500]:
        inner = row.body.get("object") if isinstance(row.body.get("object"), dict) else {}
        kind, target = inner.get("type"), id_of(inner.get("object"))
        if (kind == "Create" and target in visible) or kind == "Lock":
            items.append(row.body)
    return items


def _object(group: Actor, key: str) -> dict | None:
    ama = _ama_of(group)
    if ama is None:
        return None
    if key != PAGE_KEY:
        return None
    return page_tombstone(ama) if ama.deleted_at else (page_document(ama) if ama.published_at else None)


def provide_group_content() -> None:
    from federation import group_views
    group_views.provide(extra=lambda group: group_extra(ama) if (ama := _ama_of(group)) else {},
                        moderators=_moderator_ids, featured=_featured, outbox=_outbox, object=_object)
