"""manage.py ap_delete USER NOTE_ID: a local account deletes one of its notes (Delete with a Tombstone)."""

from federation import social

from ._social import SocialCommand


class Command(SocialCommand):
    help = "Delete one of the account's notes: a Delete goes to everyone it was sent to; its URL answers 410."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("note_id")

    def act(self, actor, *, note_id, **options):
        return social.delete_note(actor, note_id)
