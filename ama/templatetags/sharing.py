"""`{% load sharing %}`: the preview-card tags of a page (`{% share_meta ama %}`, with `question=` or `answer=`),
its share button (`{% share_button ama %}`, same arguments) and the AMA's feed, export and embed links
(`{% share_links ama %}`). The values come from ama/sharing.py."""

from django import template

from .. import sharing

register = template.Library()


def _card(ama, question=None, answer=None) -> sharing.Card:
    if answer is not None:
        return sharing.answer_card(ama, answer)
    if question is not None:
        return sharing.question_card(ama, question)
    return sharing.ama_card(ama)


@register.inclusion_tag("ama/_share_meta.html")
def share_meta(ama, question=None, answer=None) -> dict:
    card = _card(ama, question, answer)
    return {"card": card, "site_name": sharing.SITE_NAME, "oembed": sharing.oembed_url(card.url),
            "feeds": sharing.feed_urls(ama), "host_feeds": sharing.host_feed_urls(ama.host)}


@register.inclusion_tag("ama/_share_button.html")
def share_button(ama, question=None, answer=None) -> dict:
    card = _card(ama, question, answer)
    return {"url": card.url, "copy": f"{card.title} · {ama.host.handle} {card.url}"}


@register.inclusion_tag("ama/_share_links.html")
def share_links(ama) -> dict:
    return {"ama": ama, "feeds": sharing.feed_urls(ama)}
