"""ama/text.py: answers' Markdown as Lemmy renders it, to the HTML subset we emit; what the host types as raw
HTML never becomes markup."""

import uuid

import pytest
from django.test import Client
from rest_framework.test import APIClient

from ama import services
from ama.activitypub import group
from ama.mentions import ama_accounts
from ama.text import render_markdown, sanitize, without_leading_mentions
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


# ---- leading mentions of the AMA's accounts, stripped for display ------------------------------------------

HANA = "https://ama.example/users/hana"
ACCOUNTS = {HANA, "@hana@ama.example", "@hana", "https://ama.example/users/kai", "@kai@ama.example", "@kai"}


def mastodon_mention(href: str, name: str) -> str:
    return f'<span class="h-card" translate="no"><a href="{href}" class="u-url mention">@<span>{name}</span></a></span>'


@pytest.mark.parametrize(("fragment", "shown"), [
    (f"<p>{mastodon_mention(HANA, 'hana')} What was the hardest part?</p>", "<p>What was the hardest part?</p>"),
    (f'<p><a href="{HANA}" class="u-url mention">@hana@ama.example</a><span> What was the hardest part?</span></p>',
     "<p><span> What was the hardest part?</span></p>"),
    ("<p>@hana@ama.example What was the hardest part?</p>", "<p>What was the hardest part?</p>"),
    ("<p>@hana What was the hardest part?</p>", "<p>What was the hardest part?</p>"),
    (f"<p>{mastodon_mention(HANA, 'hana')} {mastodon_mention('https://ama.example/users/kai', 'kai')} Both of you?</p>",
     "<p>Both of you?</p>"),
    (f"<p>{mastodon_mention(HANA, 'hana')}</p><p>On its own line?</p>", "<p>On its own line?</p>"),
    (f"<p>{mastodon_mention(HANA, 'hana')}<br>After a break?</p>", "<p>After a break?</p>"),
], ids=["mastodon", "misskey", "plain handle", "plain short", "host and co-host", "own paragraph", "line break"])
def test_leading_mentions_of_the_ama_accounts_are_stripped(fragment, shown):
    assert without_leading_mentions(sanitize(fragment), ACCOUNTS) == shown


@pytest.mark.parametrize("fragment", [
    f"<p>{mastodon_mention('https://other.example/@bob', 'bob')} what do you think?</p>",
    f"<p>{mastodon_mention('https://other.example/@hana', 'hana')} another hana, on another server</p>",
    f"<p>What was it like, {mastodon_mention(HANA, 'hana')}?</p>",
    "<p>What was it like, @hana?</p>",
    f"<p>{mastodon_mention(HANA, 'hana')}</p>",
    '<p><a href="https://ama.example/users/hana">her profile</a> says otherwise</p>',
], ids=["someone else", "same name elsewhere", "host in the middle", "plain in the middle", "only the mention",
        "a link, not a mention"])
def test_other_mentions_and_mentions_later_on_are_kept(fragment):
    assert without_leading_mentions(sanitize(fragment), ACCOUNTS) == sanitize(fragment)


def test_only_the_ama_accounts_leave_a_run_of_mentions():
    fragment = sanitize(f"<p>{mastodon_mention('https://other.example/@bob', 'bob')} "
                        f"{mastodon_mention(HANA, 'hana')} What do you both think?</p>")
    shown = without_leading_mentions(fragment, ACCOUNTS)
    assert shown.startswith("<p><span class=\"h-card\"") and "bob" in shown and "hana" not in shown
    assert shown.endswith("</span> What do you both think?</p>")


def test_the_ama_accounts_are_its_host_co_hosts_and_group(open_ama, make_host):
    assert group.has_group(open_ama)
    kai = make_host("kai")
    open_ama.cohosts.add(kai)
    accounts = ama_accounts(open_ama)
    assert {open_ama.host.ap_id, open_ama.host.handle, "@alice", kai.ap_id, kai.handle, "@kai",
            open_ama.group.ap_id, open_ama.group.handle} <= accounts


@pytest.fixture
def addressed_question(open_ama, remote_actor):
    """bob's question, starting with a Mastodon mention of the host."""
    bob = Actor.objects.get(ap_id=remote_actor.ap_id)
    html = f"<p>{mastodon_mention(open_ama.host.ap_id, 'alice')} What was the hardest part?</p>"
    question = services.question_receive(ama=open_ama, author=bob, ap_id=f"{remote_actor.peer.base}/notes/{uuid.uuid4()}",
                                         content_html=html, in_reply_to=open_ama.ap_id)
    return services.question_approve(question=question)


def test_pages_show_the_question_without_the_mention_and_keep_the_original(client, open_ama, addressed_question):
    host_client = Client()
    host_client.login(username="alice", password="correct-horse-battery")
    for viewer, path in [(client, f"/amas/{open_ama.slug}"), (client, f"/amas/{open_ama.slug}/questions/{addressed_question.pk}"),
                         (host_client, f"/dashboard/{open_ama.slug}/"),
                         (host_client, f"/dashboard/{open_ama.slug}/questions/{addressed_question.pk}/answer/")]:
        html = viewer.get(path).content.decode()
        assert ">What was the hardest part?</" in html and "@<span>alice</span>" not in html, path
    addressed_question.refresh_from_db()
    assert addressed_question.content_html.startswith('<p><span class="h-card"')


def test_the_api_gives_the_original_and_the_display_html(open_ama, addressed_question):
    response = APIClient().get(f"/api/amas/{open_ama.slug}/questions/{addressed_question.pk}/")
    question = response.json()
    assert question["content_html"] == addressed_question.content_html
    assert question["content_display"] == "<p>What was the hardest part?</p>"
    listed = APIClient().get(f"/api/amas/{open_ama.slug}/questions/").json()["results"]
    assert [q["content_display"] for q in listed] == ["<p>What was the hardest part?</p>"]
