"""Every feed a page announces parses cleanly with feedparser (a feed reader's parser: `bozo` set on any
malformed XML, undeclared entity or wrong content type), as RSS 2.0 or Atom 1.0, with the items the pages show:
the AMA's answered questions, and the AMAs of its host (RSS and Atom alike)."""

from urllib.parse import urlsplit

import feedparser
import pytest
from django.urls import reverse

from tests.ama.qa_data import populate
from tests.ama.test_sharing import head_of


@pytest.fixture
def qa(open_ama):
    return populate(open_ama)


def parsed(client, url: str) -> feedparser.FeedParserDict:
    response = client.get(urlsplit(url).path)
    assert response.status_code == 200, url
    result = feedparser.parse(response.content, response_headers={"content-type": response["Content-Type"]})
    assert not result.bozo, f"{url}: {result.get('bozo_exception')}"
    return result


def announced_feeds(client, ama) -> dict[str, str]:
    """title → address of every feed the AMA page links in its head."""
    head = head_of(client, reverse("ama", args=[ama.slug]))
    return {link["title"]: link["href"] for link in head.links
            if link.get("rel") == "alternate" and link["type"] in ("application/rss+xml", "application/atom+xml")}


def test_every_announced_feed_parses_as_rss_or_atom(client, open_ama, qa, host):
    feeds = announced_feeds(client, open_ama)
    assert set(feeds) == {"Ask me about open models (RSS)", "Ask me about open models (Atom)",
                          f"{host.handle} (RSS)", f"{host.handle} (Atom)"}
    versions = {title: parsed(client, url).version for title, url in feeds.items()}
    assert versions == {"Ask me about open models (RSS)": "rss20", "Ask me about open models (Atom)": "atom10",
                        f"{host.handle} (RSS)": "rss20", f"{host.handle} (Atom)": "atom10"}


def test_the_amas_feeds_carry_the_same_answered_questions(client, open_ama, qa):
    feeds = announced_feeds(client, open_ama)
    rss, atom = (parsed(client, feeds[f"Ask me about open models ({kind})"]) for kind in ("RSS", "Atom"))
    links = [entry.link.rsplit("/", 1)[1] for entry in rss.entries]
    assert links == [str(qa.second.pk), str(qa.answered.pk)]
    assert [entry.link for entry in atom.entries] == [entry.link for entry in rss.entries]
    assert all(entry.published_parsed for entry in rss.entries + atom.entries)


def test_the_hosts_feeds_list_their_published_amas(client, open_ama, qa, host, make_host):
    from tests.ama.test_pages import make_ama

    make_ama(host, "Draft AMA", opens_in=1, publish=False)
    make_ama(make_host("bea", "Bea"), "Bea's AMA", opens_in=2)
    later = make_ama(host, "Second AMA with Alice", opens_in=3)
    feeds = announced_feeds(client, open_ama)
    for kind in ("RSS", "Atom"):
        result = parsed(client, feeds[f"{host.handle} ({kind})"])
        assert result.feed.title == "AMAs with Alice"
        assert [entry.title for entry in result.entries] == [later.title, open_ama.title]
    assert client.get(reverse("host-feed-rss", args=["nobody"])).status_code == 404


def test_the_parser_flags_a_broken_feed():
    """The check above can fail: feedparser marks malformed XML."""
    broken = feedparser.parse(b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title><item>',
                              response_headers={"content-type": "application/rss+xml"})
    assert broken.bozo
