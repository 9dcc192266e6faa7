"""manage.py ap_post USER TEXT: a local account publishes a public note (or a reply); prints the note."""

from django.utils.html import escape

from federation import social

from ._social import SocialCommand


class Command(SocialCommand):
    help = "Publish a public Note. TEXT is HTML when it starts with '<', else plain text."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("text")
        parser.add_argument("--in-reply-to", default=None, help="id of the post replied to")
        parser.add_argument("--mention", action="append", default=[], help="handle or actor id (repeatable)")

    def act(self, actor, *, text, in_reply_to, mention, **options):
        mentioned = [social.find_actor(target) for target in mention]
        content = text if text.lstrip().startswith("<") else f"<p>{escape(text)}</p>"
        if mentioned:
            content = " ".join(f'<a href="{escape(m.url or m.ap_id)}" class="mention">@{escape(m.username)}</a>'
                               for m in mentioned) + content
        return social.post_note(actor, content, in_reply_to=in_reply_to,
                                cc=[actor.followers_url] + [m.ap_id for m in mentioned],
                                tag=[social.mention_tag(m) for m in mentioned])
