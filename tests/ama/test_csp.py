"""Every page carries a Content-Security-Policy with no inline script or style, and no template needs one."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from ama import services
from ama.models import Question

STRICT = {"default-src": "'self'", "script-src": "'self'", "style-src": "'self'", "img-src": "'self' data:",
          "object-src": "'none'", "base-uri": "'none'", "frame-ancestors": "'none'"}
TEMPLATE_DIRS = [Path(settings.BASE_DIR) / app / "templates" for app in ("ama", "federation")]


def policy(response) -> dict[str, str]:
    header = response["Content-Security-Policy"]
    return dict((part.strip().split(" ", 1) + [""])[:2] for part in header.split(";") if part.strip())


@pytest.fixture
def question(open_ama, host):
    from federation.actors import create_local_actor

    asker = create_local_actor(username="sam", display_name="Sam", generate_keys_now=False)
    found = services.question_receive(ama=open_ama, author=asker, ap_id=open_ama.ap_id + "/q/1",
                                      content_html="<p>Which GPUs?</p>")
    services.question_approve(question=found)
    return Question.objects.get(pk=found.pk)


def pages(open_ama, question) -> dict[str, str]:
    return {"home": "/", "AMA page": reverse("ama", args=[open_ama.slug]),
            "question page": reverse("question", args=[open_ama.slug, question.pk]),
            "dashboard": "/dashboard/", "AMA dashboard": f"/dashboard/{open_ama.slug}/",
            "admin login": "/admin/login/", "sign in": "/accounts/login/"}


def test_every_page_has_the_strict_policy(client, open_ama, question, host):
    client.force_login(host.user)
    for name, path in pages(open_ama, question).items():
        response = client.get(path)
        assert response.status_code == 200, name
        directives = policy(response)
        assert {key: directives.get(key) for key in STRICT} == STRICT, name
        assert "unsafe-inline" not in response["Content-Security-Policy"], name
        expected_form_action = "'self' https:" if name in ("AMA page", "question page") else "'self'"
        assert directives["form-action"].replace(" http:", "") == expected_form_action, name


def test_the_ask_box_redirect_is_allowed_only_where_the_box_is(client, open_ama):
    """The box posts to our ask view, which redirects to the visitor's server: browsers check that redirect
    against the AMA page's form-action, and the 400 re-render of the page keeps it."""
    for _render_then_cached_copy in range(2):
        assert "https:" in policy(client.get(reverse("ama", args=[open_ama.slug])))["form-action"]
    refused = client.post(reverse("ama-ask", args=[open_ama.slug]), {"handle": "not a handle"})
    assert refused.status_code == 400 and "https:" in policy(refused)["form-action"]
    assert "https:" not in policy(client.get("/"))["form-action"]


def test_the_vote_box_redirect_is_allowed_on_the_question_page_and_its_error(client, open_ama, question):
    """The "vote from your account" box sits on every question: the AMA page and the question's permalink."""
    assert "https:" in policy(client.get(reverse("question", args=[open_ama.slug, question.pk])))["form-action"]
    refused = client.post(reverse("question-vote-from-account", args=[open_ama.slug, question.pk]), {"handle": "x"})
    assert refused.status_code == 400 and "https:" in policy(refused)["form-action"]


def test_api_docs_run_only_scripts_from_this_server(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert policy(response)["script-src"] == "'self'"


def _templates():
    return [path for folder in TEMPLATE_DIRS for path in folder.rglob("*.html")]


INLINE = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.parametrize("path", _templates(), ids=lambda path: str(path.relative_to(settings.BASE_DIR)))
def test_no_template_has_inline_script_or_style(path):
    text = path.read_text()
    found = [name for name, pattern in INLINE.items() if pattern.search(text)]
    assert not found, found


def test_the_scan_catches_what_it_looks_for():
    samples = {"inline script": "<script>alert(1)</script>", "event handler attribute": '<a onclick="x()">',
               "style attribute": '<p style="color:red">', "style element": "<style>p{}</style>",
               "javascript: URL": '<a href="javascript:x()">'}
    for name, sample in samples.items():
        assert INLINE[name].search(sample), name
    assert not INLINE["inline script"].search('<script src="/static/ama/live.js"></script>')
