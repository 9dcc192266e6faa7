from django.apps import AppConfig


class AmaConfig(AppConfig):
    name = "ama"
    verbose_name = "AMAs"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from federation.activity_views import provide_gone_check
        from federation.caches import forget_batch_reads_on
        from federation.routing import share_batches, wrap_batches

        from . import avatar_pages
        from .activitypub.documents import object_gone
        from .activitypub.group_content import install_group_content
        from .inbox.questions import shared_replies
        from .inbox.table import register_handlers
        from .inbox.votes import shared_votes, votes_in_batch
        from .live.events import stored_once_per_batch
        from .models import RemoteHostClaim
        from .services.questions import inserted_at_batch_end

        register_handlers()  # the AMA's inbox handlers, in the order ama/inbox/table.py lists them
        wrap_batches(stored_once_per_batch)  # an inbox batch's live events: each AMA's version moved once, at its end
        wrap_batches(inserted_at_batch_end)  # an inbox batch's new questions: inserted at its end, together
        wrap_batches(votes_in_batch)  # an inbox batch's votes: questions read at once, counted and announced once each
        share_batches(shared_votes)  # votes on published questions share a batch's transaction, on PostgreSQL too
        share_batches(shared_replies)  # and replies to an AMA (new questions: their events wait for the batch's end)
        forget_batch_reads_on(RemoteHostClaim)  # a claim verified in a batch: its later rows see it (has_waiting_claim)
        install_group_content()  # what the Groups' endpoints serve
        provide_gone_check(object_gone)  # activities showing something deleted here answer 410
        avatar_pages.connect()  # a new avatar moves the versions of the pages showing it
