"""RSS 2.0 and Atom feeds (django.contrib.syndication): the answered questions of an AMA, newest answer first,
and the AMAs of a host. Only what the public pages show: shown questions, live answers, published AMAs."""

from django.contrib.syndication.views import Feed
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext

from federation.models import Actor
from federation.urls_helper import absolute

from . import sharing
from .activitypub import ids
from .mentions import question_display_html
from .models import Ama, Answer, Question

FEED_ITEMS = 50


def answered_questions(ama: Ama):
    """The AMA's shown questions that have a live answer, newest answer first, their answers attached."""
    live = Answer.objects.filter(deleted_at__isnull=True).select_related("author").order_by("created_at", "pk")
    return (Question.objects.shown().answered().filter(ama=ama, answers__deleted_at__isnull=True).distinct()
            .select_related("author").prefetch_related(Prefetch("answers", queryset=live, to_attr="live_answers"))
            .order_by("-answered_at", "-pk"))


class AnsweredQuestionsRss(Feed):
    def get_object(self, request, slug):
        return get_object_or_404(Ama.objects.visible().select_related("host"), slug=slug)

    def title(self, ama):
        return ama.title

    def link(self, ama):
        return ids.ama_id(ama)

    def feed_url(self, ama):
        return absolute(reverse("ama-feed-rss", args=[ama.slug]))

    def description(self, ama):
        return gettext("Answered questions of the AMA with %(host)s (%(handle)s)") % {
            "host": sharing.host_name(ama), "handle": ama.host.handle}

    def author_name(self, ama):
        return sharing.host_name(ama)

    def author_link(self, ama):
        return ama.host.ap_id

    def items(self, ama):
        """The rows share one AMA instance (the feed instance serves every request: no state on it), so the
        AMA's accounts, whose leading mentions are taken off the text, are read once."""
        questions = list(answered_questions(ama)[:FEED_ITEMS])
        for question in questions:
            question.ama = ama
        return questions

    def item_title(self, question):
        return sharing.excerpt(question_display_html(question, question.ama), chars=120)

    def item_description(self, question):
        return render_to_string("ama/feed_item.html", {"question": question, "ama": question.ama})

    def item_link(self, question):
        return ids.question_page(question)

    def item_guid(self, question):
        return ids.question_page(question)

    def item_pubdate(self, question):
        return question.answered_at

    def item_updateddate(self, question):
        return max(answer.updated_at or answer.created_at for answer in question.live_answers)

    def item_author_name(self, question):
        return question.author.handle

    def item_author_link(self, question):
        return question.author.ap_id


class AnsweredQuestionsAtom(AnsweredQuestionsRss):
    feed_type = Atom1Feed
    subtitle = AnsweredQuestionsRss.description

    def feed_url(self, ama):
        return absolute(reverse("ama-feed-atom", args=[ama.slug]))


class HostAmasRss(Feed):
    """The published AMAs a local account hosts or co-hosts, the most recently opened first."""

    def get_object(self, request, username):
        host = Actor.objects.filter(is_local=True, actor_type=Actor.Type.PERSON, username=username).first()
        if host is None:
            raise Http404("no such host")
        return host

    def title(self, host):
        return gettext("AMAs with %(host)s") % {"host": host.display_name or host.username}

    def description(self, host):
        return gettext("Every AMA %(handle)s hosts on this server") % {"handle": host.handle}

    def link(self, host):
        return host.ap_id

    def feed_url(self, host):
        return sharing.host_feed_urls(host)["rss"]

    def items(self, host):
        return Ama.objects.visible().hosted_by(host).select_related("host").order_by("-opens_at", "-pk")[:FEED_ITEMS]

    def item_title(self, ama):
        return ama.title

    def item_description(self, ama):
        intro = sharing.excerpt(ama.intro_html)
        return f"{sharing.state_phrase(ama)}. {intro}" if intro else sharing.state_phrase(ama)

    def item_link(self, ama):
        return ids.ama_id(ama)

    def item_pubdate(self, ama):
        return ama.published_at or ama.opens_at

    def item_updateddate(self, ama):
        return ama.changed_at

    def item_author_name(self, ama):
        return ama.host.handle


class HostAmasAtom(HostAmasRss):
    feed_type = Atom1Feed
    subtitle = HostAmasRss.description

    def feed_url(self, host):
        return sharing.host_feed_urls(host)["atom"]
