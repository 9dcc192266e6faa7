"""Sharing an AMA: preview-card tags, the share button, RSS and Atom feeds, oEmbed and the embeddable widget (the
only page another site may frame). Nothing a public page hides leaks through any of them."""

import json
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from ama import services
from ama.models import Answer
from tests.ama.qa_data import SECRETS, populate
from tests.ama.test_csp import policy

ATOM = "{http://www.w3.org/2005/Atom}"


class Head(HTMLParser):
    """The <meta> and <link> elements of a page, and its share link."""

    def __init__(self, html: str):
        super().__init__()
        self.meta, self.links, self.share = {}, [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta[attrs.get("property") or attrs["name"]] = attrs.get("content")
        elif tag == "link":
            self.links.append(attrs)
        elif tag == "a" and "data-share-copy" in attrs:
            self.share = attrs

    def alternate(self, kind: str) -> str:
        """The first alternate link of this type (the AMA's own feed comes before its host's)."""
        return next(link["href"] for link in self.links if link.get("rel") == "alternate" and link["type"] == kind)


@pytest.fixture
def qa(open_ama):
    return populate(open_ama)


def head_of(client, path: str) -> Head:
    response = client.get(path)
    assert response.status_code == 200, path
    return Head(response.content.decode())


# ---- preview cards and the share button ------------------------------------------------------------------

def test_ama_page_has_its_preview_card(client, open_ama, qa, settings):
    head = head_of(client, reverse("ama", args=[open_ama.slug]))
    url = f"{settings.FEDIAMA_SCHEME}://{settings.FEDIAMA_DOMAIN}/amas/{open_ama.slug}"
    assert head.meta["og:title"] == head.meta["twitter:title"] == "Ask me about open models"
    assert head.meta["og:url"] == url and head.meta["og:type"] == "website"
    assert head.meta["twitter:card"] == "summary" and head.meta["fediverse:creator"] == open_ama.host.handle
    description = head.meta["og:description"]
    assert description.startswith(f"Live AMA with Alice ({open_ama.host.handle}) · 3 questions, 2 answered")
    assert description.endswith("I train open models.") and head.meta["description"] == description
    assert {"rel": "canonical", "href": url} in head.links


def test_question_and_answer_pages_have_their_cards(client, open_ama, qa):
    question = head_of(client, reverse("question", args=[open_ama.slug, qa.answered.pk]))
    assert question.meta["og:title"] == "Question from Sam · Ask me about open models"
    assert question.meta["og:type"] == "article" and question.meta["og:url"].endswith(f"/questions/{qa.answered.pk}")
    assert question.meta["og:description"] == "5 votes · answered · Which GPUs do you train on?"
    answer = Answer.objects.get(question=qa.answered)
    card = head_of(client, urlsplit(answer.ap_id).path)
    assert card.meta["og:title"] == "Answer by Alice · Ask me about open models"
    assert card.meta["og:url"] == answer.ap_id and card.meta["og:description"] == "Mostly rented A100s."


def test_cards_are_in_french_for_a_french_visitor(client, open_ama, qa):
    response = client.get(reverse("ama", args=[open_ama.slug]), HTTP_ACCEPT_LANGUAGE="fr")
    head = Head(response.content.decode())
    assert head.meta["og:description"].startswith("AMA en direct avec Alice")
    assert "3 questions, 2 avec réponse" in head.meta["og:description"]


def test_share_button_is_a_plain_link_carrying_the_handle(client, open_ama, qa):
    head = head_of(client, reverse("ama", args=[open_ama.slug]))
    assert head.share["href"] == head.meta["og:url"]
    assert head.share["data-share-copy"] == f"Ask me about open models · {open_ama.host.handle} {head.meta['og:url']}"
    question = head_of(client, reverse("question", args=[open_ama.slug, qa.answered.pk]))
    assert question.share["href"] == question.meta["og:url"]


# ---- feeds -----------------------------------------------------------------------------------------------

def feed(client, path: str) -> ET.Element:
    response = client.get(path)
    assert response.status_code == 200, path
    return ET.fromstring(response.content)


def test_rss_feed_has_the_answered_shown_questions_only(client, open_ama, qa):
    head = head_of(client, reverse("ama", args=[open_ama.slug]))
    rss = feed(client, urlsplit(head.alternate("application/rss+xml")).path)
    assert rss.tag == "rss" and rss.get("version") == "2.0"
    items = rss.findall("channel/item")
    assert [item.findtext("link").rsplit("/", 1)[1] for item in items] == [str(qa.second.pk), str(qa.answered.pk)]
    assert items[1].findtext("title") == "Which GPUs do you train on?"
    assert "Mostly <em>rented</em> A100s." in items[1].findtext("description")
    assert not any(secret in ET.tostring(rss, encoding="unicode") for secret in SECRETS)


def test_atom_feed_parses_and_matches(client, open_ama, qa):
    head = head_of(client, reverse("ama", args=[open_ama.slug]))
    atom = feed(client, urlsplit(head.alternate("application/atom+xml")).path)
    assert atom.tag == f"{ATOM}feed" and atom.findtext(f"{ATOM}title") == "Ask me about open models"
    entries = atom.findall(f"{ATOM}entry")
    assert [entry.findtext(f"{ATOM}id").rsplit("/", 1)[1] for entry in entries] == [str(qa.second.pk),
                                                                                   str(qa.answered.pk)]
    assert all(entry.findtext(f"{ATOM}updated") for entry in entries)
    assert entries[1].findtext(f"{ATOM}author/{ATOM}name") == "@sam@mastodon.example"
    assert not any(secret in ET.tostring(atom, encoding="unicode") for secret in SECRETS)


def test_an_answer_deleted_leaves_the_feed(client, open_ama, qa):
    services.answer_delete(answer=Answer.objects.get(question=qa.second))
    rss = feed(client, reverse("ama-feed-rss", args=[open_ama.slug]))
    assert [item.findtext("link").rsplit("/", 1)[1] for item in rss.findall("channel/item")] == [str(qa.answered.pk)]


def test_feeds_are_conditional_like_the_pages(client, open_ama, qa):
    path = reverse("ama-feed-atom", args=[open_ama.slug])
    first = client.get(path)
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    services.answer_publish(question=qa.waiting, author=open_ama.host, body="Later.")
    again = client.get(path, HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 200 and b"Later." in again.content


def test_feeds_of_unknown_and_draft_amas_are_404(client, open_ama, host):
    from tests.ama.test_pages import make_ama

    draft = make_ama(host, "Draft", opens_in=1, publish=False)
    for slug in ("nope", draft.slug):
        assert client.get(reverse("ama-feed-rss", args=[slug])).status_code == 404
        assert client.get(reverse("ama-feed-atom", args=[slug])).status_code == 404


def test_host_feed_lists_their_published_amas(client, open_ama, host, make_host):
    from tests.ama.test_pages import make_ama

    make_ama(host, "Draft AMA", opens_in=1, publish=False)
    other = make_ama(make_host("bea", "Bea"), "Bea's AMA", opens_in=2)
    head = head_of(client, reverse("ama", args=[open_ama.slug]))
    host_feed = next(link["href"] for link in head.links if link["href"].endswith("/hosts/alice/amas.atom"))
    atom = feed(client, urlsplit(host_feed).path)
    assert atom.findtext(f"{ATOM}title") == "AMAs with Alice"
    titles = [entry.findtext(f"{ATOM}title") for entry in atom.findall(f"{ATOM}entry")]
    assert titles == ["Ask me about open models"] and other.title not in titles
    assert client.get(reverse("host-feed-atom", args=["nobody"])).status_code == 404


# ---- oEmbed ------------------------------------------------------------------------------------------------

def oembed(client, **query):
    return client.get(reverse("oembed"), query)


def test_oembed_is_discovered_and_answers_per_the_spec(client, open_ama, qa, settings):
    head = head_of(client, reverse("question", args=[open_ama.slug, qa.answered.pk]))
    discovered = urlsplit(head.alternate("application/json+oembed"))
    assert parse_qs(discovered.query)["format"] == ["json"]
    response = client.get(discovered.path, parse_qs(discovered.query))
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    document = json.loads(response.content)
    assert document["version"] == "1.0" and document["type"] == "rich"
    assert (document["width"], document["height"]) == (560, 640) and document["provider_name"] == "fediama"
    embed_url = f"{settings.FEDIAMA_SCHEME}://{settings.FEDIAMA_DOMAIN}/amas/{open_ama.slug}/embed"
    assert document["html"].startswith(f'<iframe src="{embed_url}" width="560" height="640"')
    assert document["title"] == "Ask me about open models" and document["author_name"] == "Alice"


def test_oembed_keeps_within_the_consumers_maximum(client, open_ama):
    document = json.loads(oembed(client, url=open_ama.ap_id, maxwidth="400", maxheight="900").content)
    assert (document["width"], document["height"]) == (400, 640)
    assert 'width="400" height="640"' in document["html"]
    refused = oembed(client, url=open_ama.ap_id, maxwidth="wide")
    assert refused.status_code == 400 and b"maxwidth" in refused.content


def test_oembed_unknown_urls_are_404_and_other_formats_501(client, open_ama, host):
    from tests.ama.test_pages import make_ama

    draft = make_ama(host, "Draft", opens_in=1, publish=False)
    for url in ("https://elsewhere.example/amas/" + open_ama.slug, open_ama.ap_id.replace(open_ama.slug, "nope"),
                draft.ap_id or open_ama.ap_id.replace(open_ama.slug, draft.slug), open_ama.ap_id + "/moderation"):
        assert oembed(client, url=url).status_code == 404, url
    assert oembed(client, url=open_ama.ap_id, format="xml").status_code == 501
    assert oembed(client).status_code == 400


# ---- the widget, and framing ---------------------------------------------------------------------------------

def test_widget_shows_the_top_answered_questions_only(client, open_ama, qa):
    html = client.get(reverse("ama-embed", args=[open_ama.slug])).content.decode()
    assert html.index("Which GPUs") < html.index("Do you publish the data?")  # 5 votes before 0
    assert "Mostly <em>rented</em> A100s." in html and "What comes next?" not in html
    assert not any(secret in html for secret in SECRETS)


def test_only_the_widget_can_be_framed(client, open_ama, qa):
    embed = reverse("ama-embed", args=[open_ama.slug])
    for _render_then_cached_copy in range(2):
        response = client.get(embed)
        assert response.status_code == 200 and "X-Frame-Options" not in response
        assert policy(response)["frame-ancestors"] == "*"
    revalidated = client.get(embed, HTTP_IF_NONE_MATCH=response["ETag"])
    assert revalidated.status_code == 304 and "X-Frame-Options" not in revalidated
    for path in (reverse("ama", args=[open_ama.slug]), reverse("question", args=[open_ama.slug, qa.answered.pk]),
                 "/", reverse("ama-feed-rss", args=[open_ama.slug])):
        response = client.get(path)
        assert response["X-Frame-Options"] == "DENY", path
        assert policy(response)["frame-ancestors"] == "'none'", path


def test_widget_of_a_draft_is_404(client, host):
    from tests.ama.test_pages import make_ama

    draft = make_ama(host, "Draft", opens_in=1, publish=False)
    assert client.get(reverse("ama-embed", args=[draft.slug])).status_code == 404
