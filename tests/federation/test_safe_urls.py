"""federation.safe_urls.http_url: the one check for every URL another server gives us."""

import pytest

from federation.safe_urls import http_url

HOSTILE = [
    "javascript:alert(1)",
    " JaVaScRiPt:alert(1)",
    "\tjavascript:alert(1)",
    "java\nscript:alert(1)",
    "javascript://social.example/%0aalert(1)",
    "data:text/html,<script>alert(1)</script>",
    "vbscript:msgbox(1)",
    "/users/bob",
    "//social.example/@bob",
    "social.example/@bob",
    "https:///@bob",
    "https:@bob",
    "http://",
    " https://social.example/@bob",
    "https://social.example/@bob ",
    "https://social.example/\x00@bob",
    "https://social.example/\u200b@bob",
    "https:\\\\social.example\\@bob",
    "https://social.example:99999/@bob",
    "ftp://social.example/bob",
    "https://social.example/" + "a" * 500,
    "",
]


@pytest.mark.parametrize("value", HOSTILE)
def test_anything_but_an_absolute_http_url_with_a_host_is_none(value):
    assert http_url(value) is None


@pytest.mark.parametrize("value", [
    "https://social.example/@bob", "http://127.0.0.1:8001/users/bob", "HTTPS://Social.Example/@bob",
    "https://xn--caf-dma.example/@bob?x=1#top", "https://café.example/@bob",
])
def test_http_urls_are_kept_as_given(value):
    assert http_url(value) == value


@pytest.mark.parametrize("value, expected", [
    ({"type": "Link", "href": "https://social.example/@bob"}, "https://social.example/@bob"),
    ({"type": "Link", "href": "javascript:alert(1)"}, None),
    ({"type": "Image", "url": "https://files.example/a.png"}, "https://files.example/a.png"),
    ({"type": "Image", "url": {"type": "Link", "href": "data:image/png;base64,AAAA"}}, None),
    ([{"type": "Link", "href": "javascript:alert(1)"}, {"type": "Link", "href": "https://social.example/n/1"}],
     "https://social.example/n/1"),
    ([{"type": "Link", "href": "javascript:alert(1)"}, "data:text/html,x"], None),
    ([], None), (None, None), (42, None), ({"type": "Link"}, None),
    ({"type": "Image", "url": {"url": {"url": {"url": "https://deep.example/"}}}}, None),  # deeper than servers go
])
def test_links_objects_and_lists_give_their_first_http_url(value, expected):
    assert http_url(value) == expected
