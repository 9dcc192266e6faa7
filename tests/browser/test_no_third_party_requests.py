"""No page makes the visitor's browser contact another server: every public page, the stage view and the host's
dashboard pages, loaded in Chromium, request only our origin (fonts, scripts, styles and avatars are ours). The
askers in the tour have remote avatars and profile URLs, so a hotlinked avatar would be caught; so would one
the browser has not fetched yet (lazy, or inside a closed <details>): the resources the DOM names are checked
too."""

from urllib.parse import urlsplit

import pytest

from tests.browser.site_tour import REMOTE_AVATAR, STATUS, dashboard_paths, public_paths, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.timeout(120)]

NAMED_RESOURCES = """() => [...document.querySelectorAll(
    'img[src], img[srcset], source[srcset], source[src], script[src], iframe[src], video[poster], audio[src], '
    + 'link[rel~=stylesheet], link[rel~=icon], link[rel~=preload], link[rel~=modulepreload], link[rel~=manifest], '
    + 'object[data], embed[src], input[type=image]')]
  .flatMap(node => [node.src, node.href, node.data, node.poster,
                    ...(node.srcset || '').split(',').map(part => part.trim().split(/\\s+/)[0])])
  .filter(Boolean).map(url => new URL(url, document.baseURI).href)"""


def elsewhere(urls, ours: str) -> list[str]:
    """The http(s)/ws(s) URLs whose origin is not `ours` (data:, blob: and about: never leave the browser)."""
    origin = urlsplit(ours)
    return [url for url in urls if urlsplit(url).scheme in ("http", "https", "ws", "wss")
            and (urlsplit(url).hostname, urlsplit(url).port) != (origin.hostname, origin.port)]


def test_every_page_requests_only_our_origin(live_site, tour, chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))

    page.goto(live_site.url + "/")  # the listener itself is tested: a hotlinked avatar is caught
    with page.expect_request(REMOTE_AVATAR.format(username="canary")):
        page.evaluate("src => { const img = new Image(); img.src = src; document.body.append(img); }",
                      REMOTE_AVATAR.format(username="canary"))
    assert elsewhere(requested, live_site.url) == [REMOTE_AVATAR.format(username="canary")]
    assert elsewhere(page.evaluate(NAMED_RESOURCES), live_site.url) == [REMOTE_AVATAR.format(username="canary")]

    found, visited = {}, 0
    for signed_in, paths in ((False, public_paths(tour)), (True, dashboard_paths(tour))):
        if signed_in:
            sign_in(page, live_site.url, tour)
        for name, path in paths.items():
            requested.clear()
            assert page.goto(live_site.url + path).status == STATUS.get(name, 200), name
            others = elsewhere(requested + page.evaluate(NAMED_RESOURCES), live_site.url)
            if others:
                found[f"{name} ({path})"] = sorted(set(others))
            visited += 1
    assert visited == len(public_paths(tour)) + len(dashboard_paths(tour))
    assert found == {}
    context.close()
