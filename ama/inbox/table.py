"""The AMA's inbox handlers, in order, registered with federation.routing by AmaConfig.ready().

For an activity, routing runs the handlers listed for (its type, its object's type) first, then those for
(its type, any object), each in the order below, until one returns a result (not None); a handler raises
Ignore when it understood the activity and there is nothing to do. The Group's handlers (community.py)
come before the generic ones they wrap, and a claim code before the question it would otherwise be."""

from federation.routing import Handler, register

from . import announces, answer_likes, community, edits, flags, placements, questions, remote_hosts, votes

HANDLERS: list[tuple[str, str | None, Handler]] = [
    # (activity type, object type or None for any, handler)
    ("Create", "Note", remote_hosts.on_claim_code),
    ("Create", None, placements.on_comment),  # a comment under our post in a community elsewhere
    ("Create", None, questions.on_create),
    ("ReplyRequest", None, questions.on_reply_request),
    ("Update", None, edits.on_update),
    ("Delete", None, community.on_group_delete),
    ("Delete", None, edits.on_delete),
    ("Remove", None, community.on_group_remove),
    ("Like", None, community.on_group_like),
    ("Like", None, votes.on_like),
    ("Like", None, answer_likes.on_like),  # a Like of no question may be of an answer
    ("Dislike", None, community.on_group_dislike),
    ("Dislike", None, votes.on_dislike),
    ("Undo", "Like", community.on_group_undo),
    ("Undo", "Like", votes.undo_vote),
    ("Undo", "Like", answer_likes.undo_like),
    ("Undo", "Dislike", community.on_group_undo),
    ("Undo", "Dislike", votes.undo_vote),
    ("Undo", None, community.on_group_undo),
    ("Undo", None, votes.on_undo_by_id),
    ("Undo", None, answer_likes.on_undo_by_id),
    ("Announce", None, placements.on_community_moderation),  # a community's Lock, Block, removals
    ("Announce", None, announces.on_announce),
    ("Flag", None, flags.on_flag),
]


def register_handlers() -> None:
    """Called once, by AmaConfig.ready()."""
    for activity_type, object_type, handler in HANDLERS:
        register(activity_type, object_type)(handler)
