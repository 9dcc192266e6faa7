"""The AMA posted in existing communities (Lemmy, Mbin, PieFed) by the host's account, as a member of that
community posts: `Follow` of the Group, `Create`/`Update`/`Delete` of a `Page` addressed to the Group (and
`audience` it), sent to the Group's inbox. The Group announces it to its subscribers; we moderate nothing
there. Pure builders and `send_*` (inside the service's transaction: deliveries are enqueued on commit)."""

from federation import follows, outbox
from federation.activities import PUBLIC, activity
from federation.models import Delivery, Follow

from ..models import Ama, Placement, Question
from . import ids
from .documents import LEMMY_CONTEXT
from .group import is_closed, page_document

ENDED_NOTICE = ("<p><strong>This AMA has ended: new questions are no longer taken here. Its answers stay on "
                '<a href="{url}">its page</a>.</strong></p>')


def post_id(placement: Placement) -> str:
    return ids.placement_post_id(placement)


def placement_page(placement: Placement) -> dict:
    """The AMA as a post of the host's in that community: Lemmy's Page (name, HTML content with a Markdown
    `source`, `url` to our page, `language`, `audience` and `to` the Group and Public)."""
    ama, community = placement.ama, placement.community
    page = page_document(ama)
    page.pop("context", None)
    content = page["content"]
    if is_closed(ama):
        content = ENDED_NOTICE.format(url=ama.ap_id) + content
    page.update({"id": placement.post_ap_id or post_id(placement), "attributedTo": ama.host.ap_id,
                 "content": content, "url": ama.ap_id, "to": [community.ap_id, PUBLIC], "cc": [],
                 "audience": community.ap_id, "stickied": False})
    return page


def post_activity(placement: Placement, kind: str, obj, **extra) -> dict:
    """The host's activity about the post, addressed as Lemmy addresses a member's: the Group and Public."""
    ama, community = placement.ama, placement.community
    if isinstance(obj, dict):
        obj = {key: value for key, value in obj.items() if key != "@context"}
    body = activity(kind, actor=ama.host.ap_id, obj=obj, to=[community.ap_id, PUBLIC], cc=[],
                    audience=community.ap_id, **extra)
    body["@context"] = LEMMY_CONTEXT
    return body


def post_created(placement: Placement) -> dict:
    """The Create of the post (served again at its id, ids.create_id of the post's)."""
    page = placement_page(placement)
    return post_activity(placement, "Create", page, ap_id=ids.create_id(page["id"]))


def _send(placement: Placement, kind: str, obj, **extra) -> None:
    body = post_activity(placement, kind, obj, **extra)
    outbox.publish(body, sender=placement.ama.host, recipients=[placement.community])


def send_follow(placement: Placement) -> Follow:
    """The host follows the community, so that what is said under the post reaches us (its Announces)."""
    return follows.follow_remote(follower=placement.ama.host, target_ap_id=placement.community.ap_id)


def send_post_created(placement: Placement) -> None:
    outbox.publish(post_created(placement), sender=placement.ama.host, recipients=[placement.community])


def _posted(ama: Ama) -> list[Placement]:
    """The communities the AMA is posted in, each holding this `ama` (its edits may not be saved yet)."""
    placements = list(ama.placements.filter(state=Placement.State.POSTED).select_related("community"))
    for placement in placements:
        placement.ama = ama
    return placements


def send_ama_updated(ama: Ama) -> None:
    """An edit, or the end (the Page then says so; `commentsEnabled` false only a moderator can apply)."""
    for placement in _posted(ama):
        _send(placement, "Update", placement_page(placement))


def send_post_deleted(placement: Placement) -> None:
    _send(placement, "Delete", placement.post_ap_id)


def send_ama_deleted(ama: Ama) -> None:
    for placement in _posted(ama):
        send_post_deleted(placement)


# ---- reads -----------------------------------------------------------------------------------------

def placement_of(question: Question) -> Placement | None:
    """The community a question was asked in (its thread's root replies to our post there)."""
    root = question
    while root.parent_id is not None:
        root = root.parent
    if not root.in_reply_to:
        return None
    return Placement.objects.filter(post_ap_id=root.in_reply_to, ama_id=question.ama_id).select_related(
        "community").first()


def follow_state(placement: Placement) -> str:
    """'accepted', 'pending', 'rejected' (our Follow's row is gone after a Reject) or '' (not sent)."""
    if not placement.follow_ap_id:
        return ""
    follow = Follow.objects.filter(follower=placement.ama.host, followed=placement.community).first()
    return follow.state if follow is not None else Follow.State.REJECTED


def delivery_refusal(placement: Placement) -> str:
    """Why the community's server refused the post (a permanent failure: 4xx), or '' when it did not."""
    if not placement.post_ap_id:
        return ""
    refused = Delivery.objects.filter(activity__ap_id=ids.create_id(placement.post_ap_id),
                                      state__in=[Delivery.State.FAILED, Delivery.State.DEAD]).first()
    if refused is None:
        return ""
    status = f"HTTP {refused.last_status}: " if refused.last_status else ""
    return (status + (refused.last_error or "no reason given"))[:500]
