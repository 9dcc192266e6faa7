"""Text in and out: incoming HTML sanitized to Mastodon's allowlist, Markdown rendered to the same subset."""

import html

import markdown
import nh3

# Mastodon's sanitizer allowlist (Sanitize::Config::MASTODON_STRICT, 4.x)
ALLOWED_TAGS = {"p", "br", "span", "a", "del", "s", "pre", "blockquote", "code", "b", "strong", "u", "i", "em",
                "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5"}
ALLOWED_ATTRIBUTES = {"a": {"href", "translate"}, "span": {"translate"},  # class: ALLOWED_CLASSES
                      "ol": {"start", "reversed"}, "li": {"value"}}
ALLOWED_CLASSES = {"a": {"h-card", "u-url", "mention", "hashtag", "u-uid"},
                   "span": {"h-card", "invisible", "ellipsis", "mention"}}
URL_SCHEMES = {"http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini"}
DROP_WITH_CONTENT = {"script", "style", "template", "iframe", "object", "embed", "noscript", "svg", "math"}


def sanitize(fragment: str) -> str:
    return nh3.clean(
        fragment or "", tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, allowed_classes=ALLOWED_CLASSES,
        url_schemes=URL_SCHEMES, clean_content_tags=DROP_WITH_CONTENT, link_rel="nofollow noopener noreferrer",
        strip_comments=True)


def plain_text(fragment: str) -> str:
    """Visible text of a sanitized fragment, paragraphs kept as line breaks."""
    with_breaks = (fragment or "").replace("<br>", "\n").replace("<br/>", "\n").replace("<br />", "\n").replace(
        "</p>", "\n\n")
    return html.unescape(nh3.clean(with_breaks, tags=set())).strip()


def render_markdown(source: str) -> str:
    """Markdown to the HTML subset Mastodon keeps (raw HTML in the source is escaped first)."""
    rendered = markdown.markdown(html.escape(source or "", quote=False), extensions=["sane_lists", "nl2br"],
                                 output_format="html")
    return sanitize(rendered)
