"""/api/docs/ is Redoc served from this server (drf-spectacular-sidecar): nothing is loaded from elsewhere."""

import re

import pytest

pytestmark = pytest.mark.django_db
REFERENCE = re.compile(r'<(?:script|link|img)\b[^>]*?\b(?:src|href)="([^"]+)"')


def referenced(html: str) -> list[str]:
    return REFERENCE.findall(html)


def test_docs_reference_only_our_own_origin(client):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    urls = referenced(response.content.decode())
    assert any(url.endswith("redoc.standalone.js") for url in urls)
    assert [url for url in urls if not url.startswith("/") or url.startswith("//")] == []
    assert "fonts.googleapis" not in response.content.decode()


def test_every_referenced_file_is_served(client):
    for url in referenced(client.get("/api/docs/").content.decode()):
        assert client.get(url).status_code == 200, url


def test_docs_relax_only_styles_and_the_search_worker_never_scripts(client):
    response = client.get("/api/docs/")
    replaced = response._csp_replace  # read by django-csp's middleware
    assert "script-src" not in replaced and "default-src" not in replaced
    assert replaced["worker-src"] == ["'self'", "blob:"] and replaced["img-src"] == ["'self'", "data:"]
    meta = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', response.content.decode()).group(1)
    assert "script-src 'self';" in meta and "https:" not in meta
