"""manage.py ap_like USER OBJECT_ID [--undo]: a local account likes (or un-likes) a post."""

from federation import social

from ._social import SocialCommand


class Command(SocialCommand):
    help = "Like a post (sent to its author and to each --notify account), or undo that Like with --undo."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("object_id")
        parser.add_argument("--notify", action="append", default=[], help="also deliver to this account")
        parser.add_argument("--undo", action="store_true")

    def act(self, actor, *, object_id, notify, undo, **options):
        if undo:
            return social.undo_like(actor, object_id)
        return social.like(actor, object_id, notify=notify)
