"""manage.py ap_follow USER TARGET: a local account follows a remote one (handle via WebFinger, or actor id)."""

from federation import social

from ._social import SocialCommand


class Command(SocialCommand):
    help = "Follow a remote account: TARGET is user@domain, @user@domain, acct:user@domain or an actor id."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("target")

    def act(self, actor, *, target, **options):
        follow = social.follow(actor, target)
        return {"follow": follow.ap_id, "followed": follow.followed.ap_id, "state": follow.state}
