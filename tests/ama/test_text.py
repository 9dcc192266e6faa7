"""ama/text.py: answers' Markdown as Lemmy renders it, to the HTML subset we emit; what the host types as raw
HTML never becomes markup."""

import uuid

import pytest
from django.test import Client

from ama import services
from ama.text import render_markdown
from federation.delivery_batch import attempt
from federation.models import Actor, Delivery

REL = 'rel="nofollow noopener noreferrer"'


@pytest.mark.parametrize(("source", "html"), [
    ("> What was the hardest part?\n\nThe data.",
     "<blockquote>\n<p>What was the hardest part?</p>\n</blockquote>\n<p>The data.</p>"),
    ("Run `pip install <pkg>` first.", "<p>Run <code>pip install &lt;pkg&gt;</code> first.</p>"),
    ("```python\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass\n</code></pre>"),
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
    ("3. three\n4. four", '<ol start="3">\n<li>three</li>\n<li>four</li>\n</ol>'),
    ("first line\nsecond line", "<p>first line<br>\nsecond line</p>"),
    ("*em*, **strong** and ~~struck~~", "<p><em>em</em>, <strong>strong</strong> and <del>struck</del></p>"),
    ("[the paper](https://example.com/paper)", f'<p><a href="https://example.com/paper" {REL}>the paper</a></p>'),
    ("see https://example.com/a_b_c.", f'<p>see <a href="https://example.com/a_b_c" {REL}>https://example.com/a_b_c</a>.</p>'),
    ("<https://example.com>", f'<p><a href="https://example.com" {REL}>https://example.com</a></p>'),
], ids=["blockquote", "inline code", "fenced code", "list", "numbered list", "line break", "emphasis", "link",
        "bare url", "autolink"])
def test_each_markdown_construct_renders_as_in_lemmy(source, html):
    assert render_markdown(source) == html


@pytest.mark.parametrize(("source", "forbidden", "shown"), [
    ("<script>alert(1)</script>", "<script", "&lt;script&gt;alert(1)&lt;/script&gt;"),
    ("<img src=x onerror=alert(1)>", "<img", "&lt;img src=x onerror=alert(1)&gt;"),
    ('<div onclick="alert(1)">\nhi\n</div>', "<div", "&lt;div onclick=\"alert(1)\"&gt;"),
    ("[x](javascript:alert(1))", "javascript:", f"<a {REL}>x</a>"),
    ("[x](data:text/html,<script>alert(1)</script>)", "href", "<a"),
    ("[x](/admin/)", "href", f"<a {REL}>x</a>"),
], ids=["script", "img onerror", "html block", "javascript link", "data link", "relative link"])
def test_raw_html_and_unsafe_links_are_neutralised(source, forbidden, shown):
    html = render_markdown(source)
    assert forbidden not in html and shown in html


@pytest.fixture
def approved_question(open_ama, remote_actor):
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    question = services.question_receive(ama=open_ama, author=bob, ap_id=f"{remote_actor.peer.base}/notes/{uuid.uuid4()}",
                                         content_html="<p>Which licence for weights?</p>", in_reply_to=open_ama.ap_id)
    return services.question_approve(question=question)


QUOTING_ANSWER = "> Which licence for weights?\n\n`Apache-2.0`, mostly."
QUOTING_HTML = "<blockquote>\n<p>Which licence for weights?</p>\n</blockquote>\n<p><code>Apache-2.0</code>, mostly.</p>"


def test_an_answer_quoting_the_question_federates_the_same_html(approved_question, open_ama, peer):
    services.answer_publish(question=approved_question, author=open_ama.host, body=QUOTING_ANSWER)
    for delivery_id in Delivery.objects.filter(state=Delivery.State.PENDING).values_list("pk", flat=True):
        attempt(delivery_id)
    create = next(post.json for post in peer.inbox_posts() if post.json["type"] == "Create")
    assert create["object"]["content"].endswith(QUOTING_HTML)


def test_the_page_and_the_preview_show_the_quote(client, approved_question, open_ama):
    host_client = Client()
    host_client.login(username="alice", password="correct-horse-battery")
    preview = host_client.post(f"/dashboard/{open_ama.slug}/questions/{approved_question.pk}/answer/",
                               {"body": QUOTING_ANSWER, "preview": "1"})
    assert preview.status_code == 200 and QUOTING_HTML in preview.content.decode()
    services.answer_publish(question=approved_question, author=open_ama.host, body=QUOTING_ANSWER)
    page = client.get(f"/amas/{open_ama.slug}")
    assert page.status_code == 200 and QUOTING_HTML in page.content.decode()
