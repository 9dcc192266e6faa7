"""The figures pages and their SVG charts (ama/figures.py, ama/views/figures.py): drawn with zero, one and 2,000
questions; the public charts count only shown questions; the team's only for who can moderate; both languages
and both themes; each SVG has no script and is the only response allowed inline styles."""

import xml.etree.ElementTree as ET
from datetime import timedelta

import pytest
from django.urls import reverse

from ama import figures, services
from ama.models import Question, Vote
from tests.ama.qa_data import ask, remote

SVG = "{http://www.w3.org/2000/svg}"


def chart(client, ama, name, scope="public", **query):
    route = "ama-figures-chart" if scope == "public" else "dashboard-figures-chart"
    response = client.get(reverse(route, args=[ama.slug, name]), query)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"].startswith("image/svg+xml")
    return response


def texts(response) -> str:
    """Every text the SVG shows (parsed: a malformed document fails here)."""
    root = ET.fromstring(response.content)
    assert root.tag == f"{SVG}svg"
    assert not list(root.iter(f"{SVG}script"))
    return " | ".join("".join(node.itertext()) for node in root.iter(f"{SVG}text"))


def every_chart(client, ama, scope="public", **query) -> dict[str, str]:
    return {name: texts(chart(client, ama, name, scope, **query)) for name in figures.CHARTS}


def test_zero_questions_draws_every_chart_as_no_data_yet(client, open_ama):
    for name, shown in every_chart(client, open_ama).items():
        assert "No data yet" in shown, name


def test_one_question_draws_its_series(client, open_ama):
    question = ask(open_ama, "One question?", author=remote("ann", "one.example"))
    services.vote_add(question=question, actor=remote("voter", "two.example"))
    shown = every_chart(client, open_ama)
    assert "Questions" in shown["activity"] and "Votes" in shown["activity"]
    assert "Waiting for an answer" in shown["status"] and "Answered" not in shown["status"].replace(
        "Answered and waiting", "")
    assert "No data yet" in shown["answer-time"]
    assert "one.example" in shown["servers"] and "en" in shown["languages"]


@pytest.fixture
def crowd(open_ama):
    """2,000 shown questions from 30 servers in 14 languages over four days, 300 of them answered, with votes."""
    askers = [remote(f"crowd{n}", f"server{n}.example") for n in range(30)]
    start = open_ama.opens_at - timedelta(days=4)
    rows = [Question(ama=open_ama, author=askers[n % 30], ap_id=f"https://x.example/notes/{n}",
                     content_html="<p>q</p>", content_text="q", language=f"l{n % 14}",
                     state=Question.State.PUBLISHED, received_at=start + timedelta(minutes=3 * n),
                     answered_at=start + timedelta(minutes=3 * n + n % 200) if n % 7 == 0 else None)
            for n in range(2000)]
    questions = Question.objects.bulk_create(rows)
    Vote.objects.bulk_create(Vote(question=q, actor=askers[0], created_at=q.received_at) for q in questions[:500])
    return questions


def test_two_thousand_questions_draw_the_largest_groups_and_the_others(client, open_ama, crowd):
    shown = every_chart(client, open_ama)
    assert "Questions" in shown["activity"] and "Votes" in shown["activity"]
    assert "Answered" in shown["status"] and "Waiting for an answer" in shown["status"]
    assert "Answered questions" in shown["answer-time"] and "under 15 min" in shown["answer-time"]
    for name in ("servers", "languages"):
        assert "others" in shown[name] and "No data yet" not in shown[name], name
    assert "server0.example" in shown["servers"]


def test_a_pending_question_never_shows_in_the_public_charts(client, open_ama, make_host):
    ask(open_ama, "Shown", author=remote("ann", "shown.example"))
    secret = services.question_receive(ama=open_ama, author=remote("pat", "pending-secret.example"),
                                       ap_id="https://pending-secret.example/notes/1", content_html="<p>s</p>",
                                       language="xq")
    assert secret.state == Question.State.PENDING
    public = " ".join(every_chart(client, open_ama).values())
    assert "pending-secret.example" not in public and "xq" not in public and "Waiting for review" not in public
    client.force_login(open_ama.host.user)
    team = every_chart(client, open_ama, "team")
    assert "pending-secret.example" in team["servers"] and "xq" in team["languages"]
    assert "Waiting for review" in team["status"]


def test_the_team_figures_are_refused_to_a_stranger(client, open_ama, make_host):
    stranger = make_host("bob", "Bob")
    client.force_login(stranger.user)
    assert client.get(reverse("dashboard-figures", args=[open_ama.slug])).status_code == 403
    assert client.get(reverse("dashboard-figures-chart", args=[open_ama.slug, "status"])).status_code == 403
    client.logout()
    response = client.get(reverse("dashboard-figures-chart", args=[open_ama.slug, "status"]))
    assert response.status_code == 302


def test_the_pages_link_every_chart_in_both_themes(client, open_ama):
    page = client.get(reverse("ama-figures", args=[open_ama.slug])).content.decode()
    for name in figures.CHARTS:
        url = reverse("ama-figures-chart", args=[open_ama.slug, name])
        assert f'src="{url}"' in page and f'srcset="{url}?theme=dark"' in page
    assert reverse("ama-figures", args=[open_ama.slug]) in client.get(
        reverse("ama", args=[open_ama.slug])).content.decode()
    client.force_login(open_ama.host.user)
    dashboard = client.get(reverse("dashboard-ama", args=[open_ama.slug])).content.decode()
    assert reverse("dashboard-figures", args=[open_ama.slug]) in dashboard
    team = client.get(reverse("dashboard-figures", args=[open_ama.slug])).content.decode()
    assert reverse("dashboard-figures-chart", args=[open_ama.slug, "status"]) in team


def test_dark_theme_draws_light_ink_and_light_theme_dark_ink(client, open_ama):
    assert b"#eeeeee" in chart(client, open_ama, "status", theme="dark").content
    light = chart(client, open_ama, "status").content
    assert b"#1d1d1d" in light and b"#eeeeee" not in light


def test_charts_speak_french(client, open_ama):
    ask(open_ama, "Une question ?")
    response = client.get(reverse("ama-figures-chart", args=[open_ama.slug, "activity"]),
                          HTTP_ACCEPT_LANGUAGE="fr")
    assert "Questions et votes au fil du temps" in texts(response)
    empty = client.get(reverse("ama-figures-chart", args=[open_ama.slug, "answer-time"]), HTTP_ACCEPT_LANGUAGE="fr")
    assert "Pas encore de données" in texts(empty)


def test_only_the_svg_allows_inline_styles(client, open_ama):
    for _render_then_cached in range(2):
        svg_policy = chart(client, open_ama, "status")["Content-Security-Policy"]
        assert "style-src 'unsafe-inline'" in svg_policy and "script-src 'self'" in svg_policy
    page_policy = client.get(reverse("ama-figures", args=[open_ama.slug]))["Content-Security-Policy"]
    assert "unsafe-inline" not in page_policy


def test_public_charts_revalidate_by_the_ama_version(client, open_ama):
    first = chart(client, open_ama, "status")
    again = client.get(reverse("ama-figures-chart", args=[open_ama.slug, "status"]),
                       HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304
    ask(open_ama, "A new question changes the figures")
    changed = client.get(reverse("ama-figures-chart", args=[open_ama.slug, "status"]),
                         HTTP_IF_NONE_MATCH=first["ETag"])
    assert changed.status_code == 200 and "Waiting for an answer" in texts(changed)


def test_unknown_charts_and_unpublished_amas_are_not_found(client, open_ama):
    assert client.get(reverse("ama-figures-chart", args=[open_ama.slug, "nope"])).status_code == 404
    assert client.get(reverse("ama-figures", args=["no-such-ama"])).status_code == 404
