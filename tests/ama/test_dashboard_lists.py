"""The dashboard's lists and the moderation log stay small however long they grow: 50 questions (100 log
entries) to a page, filtered by state and text, page links that keep the filters, no 500 on a bad page."""

import re

import pytest
from django.utils import timezone

from ama import audit, services
from ama.models import Question
from federation.models import Actor

PAGE_BYTES = 250_000  # 50 questions with their forms; the whole list of 500 would be ten times that


@pytest.fixture
def host_client(client, host):
    client.force_login(host.user)
    return client


@pytest.fixture
def asker(db):
    return Actor.objects.create(ap_id="https://mastodon.example/users/bob", username="bob",
                                domain="mastodon.example", inbox="https://mastodon.example/users/bob/inbox")


def bulk_pending(ama, author, count: int, text: str = "Pending question") -> None:
    now = timezone.now()
    Question.objects.bulk_create(Question(
        ama=ama, author=author, ap_id=f"https://mastodon.example/notes/bulk-{n}", content_html=f"<p>{text} {n}</p>",
        content_text=f"{text} {n}", received_at=now) for n in range(count))


def ask(ama, author, text, n):
    return services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{n}",
                                     content_html=f"<p>{text}</p>", in_reply_to=ama.ap_id)


def articles(html: str) -> list[str]:
    return re.findall(r'<article class="question pending" id="q-(\d+)"', html)


def next_link(html: str) -> str:
    return re.search(r'<a rel="next" href="([^"]+)"', html).group(1).replace("&amp;", "&")


def test_five_hundred_pending_questions_show_fifty_a_page(host_client, open_ama, asker):
    bulk_pending(open_ama, asker, 500)
    response = host_client.get(f"/dashboard/{open_ama.slug}/")
    html = response.content.decode()
    assert response.status_code == 200
    assert len(articles(html)) == 50
    assert "500 questions waiting for review" in html and "Page 1 of 10" in html
    assert len(response.content) < PAGE_BYTES
    second = host_client.get(f"/dashboard/{open_ama.slug}/{next_link(html)}").content.decode()
    assert len(articles(second)) == 50 and set(articles(second)).isdisjoint(articles(html))


@pytest.mark.parametrize("number", ["999", "-3", "0", "abc", "1e9", "99999999999999999999"])
def test_a_bad_page_number_gives_a_page_not_an_error(host_client, open_ama, asker, number):
    bulk_pending(open_ama, asker, 60)
    response = host_client.get(f"/dashboard/{open_ama.slug}/?pending_page={number}")
    assert response.status_code == 200
    assert len(articles(response.content.decode())) in (50, 10)


def test_filters_by_state_and_text_and_the_links_keep_them(host_client, open_ama, asker):
    bulk_pending(open_ama, asker, 120, text="About datasets")
    for n in range(3):
        ask(open_ama, asker, f"About licences {n}", 1000 + n)
    rejected = ask(open_ama, asker, "Buy cheap pills", 2000)
    services.question_reject(question=rejected, reason="spam")
    approved = services.question_approve(question=ask(open_ama, asker, "Which licence, approved?", 3000))

    html = host_client.get(f"/dashboard/{open_ama.slug}/?state=pending&q=licences").content.decode()
    assert len(articles(html)) == 3 and "About datasets" not in html and "Which licence, approved?" not in html

    html = host_client.get(f"/dashboard/{open_ama.slug}/?state=pending&q=datasets").content.decode()
    assert "120 questions waiting for review" in html and "Questions on the page" not in html
    assert parse(next_link(html)) == {"state": "pending", "q": "datasets", "pending_page": "2"}

    html = host_client.get(f"/dashboard/{open_ama.slug}/?state=approved").content.decode()
    assert "Which licence, approved?" in html and articles(html) == [] and "Buy cheap pills" not in html
    html = host_client.get(f"/dashboard/{open_ama.slug}/?state=rejected").content.decode()
    assert "Buy cheap pills" in html and "Which licence, approved?" not in html and articles(html) == []
    html = host_client.get(f"/dashboard/{open_ama.slug}/?q=@bob@mastodon.example&state=approved").content.decode()
    assert f'id="q-{approved.pk}"' in html


def parse(link: str) -> dict:
    from urllib.parse import parse_qsl
    return dict(parse_qsl(link.lstrip("?")))


def test_the_moderation_log_filters_and_pages_keep_the_filter(client, open_ama, host):
    for n in range(250):
        audit.record(user=host.user, action="question.reject" if n % 2 else "question.approve", ama=open_ama,
                     reason=f"off-topic {n}" if n % 2 else "", public=True)
    html = client.get(f"/amas/{open_ama.slug}/moderation?action=question.reject").content.decode()
    table = html.split("<table")[1]
    assert len(re.findall(r"<tr[ >]", table)) == 1 + 100 and "approved a question" not in table
    assert parse(next_link(html)) == {"action": "question.reject", "page": "2"}
    html = client.get(f"/amas/{open_ama.slug}/moderation?q=off-topic").content.decode()
    assert parse(next_link(html)) == {"q": "off-topic", "page": "2"}
    assert "off-topic 249<" in html and "off-topic 247<" in html and "approved a question" not in html.split("<table")[1]
    assert client.get(f"/amas/{open_ama.slug}/moderation?page=abc").status_code == 200


def test_the_list_of_amas_is_paged_too(host_client, open_ama):
    from datetime import timedelta
    now = timezone.now()
    for n in range(55):
        services.ama_create(host=open_ama.host, title=f"Session {n}", intro="", language="en",
                            opens_at=now + timedelta(days=n + 1), closes_at=now + timedelta(days=n + 2), publish=True)
    html = host_client.get("/dashboard/").content.decode()
    assert html.count('<li class="card">') == 50 and "Page 1 of 2" in html
    assert host_client.get("/dashboard/" + next_link(html)).content.decode().count('<li class="card">') == 6
