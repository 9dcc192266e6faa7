"""Text in and out: incoming HTML sanitized to Mastodon's allowlist, Markdown rendered to the same subset."""

import html
import re
import xml.etree.ElementTree as etree
from collections.abc import Collection

import markdown
import nh3
from markdown.inlinepatterns import InlineProcessor, SimpleTagInlineProcessor

# Mastodon's sanitizer allowlist (Sanitize::Config::MASTODON_STRICT, 4.x)
ALLOWED_TAGS = {"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i", "em",
                "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5"}
ALLOWED_ATTRIBUTES = {"a": {"href", "translate"}, "span": {"translate"},  # class: ALLOWED_CLASSES
                      "ol": {"start", "reversed"}, "li": {"value"}}
ALLOWED_CLASSES = {"a": {"h-card", "u-url", "mention", "hashtag", "u-uid"},
                   "span": {"h-card", "invisible", "ellipsis", "mention"}}
URL_SCHEMES = {"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"}
DROP_WITH_CONTENT = {"script", "style", "template", "iframe", "object", "embed", "noscript", "svg", "math"}


def sanitize(fragment: str, *, url_schemes: set[str] = URL_SCHEMES, url_relative: str = "pass_through") -> str:
    return nh3.clean(
        fragment or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, allowed_classes=ALLOWED_CLASSES,
        url_schemes=url_schemes, url_relative=url_relative, clean_content_tags=DROP_WITH_CONTENT,
        link_rel="nofollow noopener noreferrer", strip_comments=True)


def plain_text(fragment: str) -> str:
    """Visible text of a sanitized fragment, paragraphs kept as line breaks."""
    with_breaks = (fragment or "").replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n").replace(
        "</p>", "\n\n")
    return html.unescape(nh3.clean(with_breaks, tags=set())).strip()


def render_markdown(source: str) -> str:
    """Markdown as Lemmy renders it (quotes, code spans and blocks, lists, links, ~~strike~~, a newline is a
    line break), sanitized to the subset Mastodon keeps with http(s) links only. Raw HTML in the source is
    shown as text, never as markup."""
    converter = markdown.Markdown(extensions=["sane_lists", "nl2br", "fenced_code"], output_format="html")
    converter.preprocessors.deregister("html_block")  # raw HTML stays text, escaped on output
    converter.inlinePatterns.deregister("html")
    for image in ("image_link", "image_reference", "short_image_ref"):  # ![alt](url): "!" and a link
        converter.inlinePatterns.deregister(image)
    converter.inlinePatterns.register(BareUrl(BARE_URL, converter), "bare_url", 115)
    converter.inlinePatterns.register(SimpleTagInlineProcessor(r"()~~(.+?)~~", "del"), "del", 65)
    return sanitize(converter.convert(source or ""), url_schemes={"http", "https"}, url_relative="deny")


BARE_URL = r"\bhttps?://[^\s<>\x00-\x1f]*[^\s<>\x00-\x1f.,;:!?'\")\]]"


class BareUrl(InlineProcessor):
    """A bare http(s) URL in the text is a link (Lemmy's linkify); not inside a link already."""

    ANCESTOR_EXCLUDES = ("a",)

    def handleMatch(self, match, data):  # noqa: N802 (Markdown's name)
        link = etree.Element("a", {"href": match.group(0)})
        link.text = match.group(0)
        return link, match.start(0), match.end(0)


MENTION_AT_START = re.compile(
    r"\s*(?:<span\b[^>]*\bh-card\b[^>]*>\s*(?P<wrapped><a\b[^>]*>.*?</a>)\s*</span>"  # Mastodon
    r"|(?P<link><a\b[^>]*>.*?</a>)"  # Misskey, Lemmy, Pleroma
    r"|(?P<plain>@[\w.-]+(?:@[\w.-]+(?::\d+)?)?)(?=\s|<|$))", re.S | re.I)
HREF = re.compile(r"""\bhref=(?:"([^"]*)"|'([^']*)')""", re.I)
OPENING = re.compile(r"\s*(?:<p>)?(?:\s*<span>)?")  # Misskey wraps text in <span>
AFTER_MENTIONS = re.compile(r"(?:\s|<br>)*")


def without_leading_mentions(fragment: str, accounts: Collection[str]) -> str:
    """A sanitized fragment without the mentions of `accounts` it starts with ("@hana What…" → "What…"), for
    display. `accounts` holds ids, profile URLs and handles ("@hana@ama.example", "@hana"): a linked mention is
    known by its href, a plain-text one by its text. Other mentions in the leading run stay; a fragment that is
    nothing but those mentions is returned whole."""
    wanted = {account.lower() for account in accounts}
    opening = OPENING.match(fragment).end()
    position, kept, dropped = opening, [], False
    while match := MENTION_AT_START.match(fragment, position):
        mention = mention_identity(match)
        if mention is None:
            break
        if mention.lower() in wanted:
            dropped = True
        else:
            kept.append(match.group(0).strip())
        position = match.end()
    if not dropped:
        return fragment
    rest = fragment[AFTER_MENTIONS.match(fragment, position).end():]
    shown = fragment[:opening] + " ".join(kept) + (" " if kept else "") + rest
    shown = re.sub(r"^\s*<p>\s*</p>\s*", "", shown)  # the paragraph held only the mentions
    return shown if plain_text(shown) else fragment


def mention_identity(match: re.Match) -> str | None:
    """What a leading mention names: a link's href (None for a link that is not a mention), or a plain handle."""
    if match.group("plain"):
        return match.group("plain")
    link = match.group("wrapped") or match.group("link")
    if not plain_text(link).startswith("@"):
        return None
    href = HREF.search(link)
    return html.unescape(href.group(1) or href.group(2)) if href else None
