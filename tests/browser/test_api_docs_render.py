"""In real Chromium, /api/docs/ renders the API from this server alone, under a script-src 'self' policy."""

from urllib.parse import urlsplit

import pytest
from csp.utils import build_policy

pytestmark = [pytest.mark.browser]
SITE_POLICY = {"default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"],
               "img-src": ["'self'", "https:"], "object-src": ["'none'"]}


def with_a_strict_policy(view_replacements):
    """Serve the page with the site's CSP header; a strict one (plus the view's own exceptions) when none is set."""
    def handle(route):
        response = route.fetch()
        headers = dict(response.headers)
        headers.setdefault("content-security-policy", build_policy(config=SITE_POLICY, replace=view_replacements))
        route.fulfill(response=response, headers=headers)
    return handle


def test_docs_render_from_our_own_origin(live_server, client, chromium, db):
    replacements = client.get("/api/docs/")._csp_replace
    page = chromium.new_page(viewport={"width": 1280, "height": 800})
    requested, refused = [], []
    page.on("requestfinished", lambda request: requested.append(request.url))  # CSP-blocked ones never finish
    page.on("console", lambda message: refused.append(message.text) if "script-src" in message.text else None)
    page.route("**/api/docs/", with_a_strict_policy(replacements))
    page.goto(f"{live_server.url}/api/docs/")
    page.get_by_role("heading", name="fediama API (0.1.0)").wait_for(timeout=20000)
    page.get_by_role("heading", name="amas_list").wait_for()  # the schema was fetched and rendered
    ours = urlsplit(live_server.url).netloc
    assert [url for url in requested if urlsplit(url).scheme in ("http", "https")
            and urlsplit(url).netloc != ours] == []
    assert refused == []
