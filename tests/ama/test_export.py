"""Exporting an AMA's Q&A (GET /api/amas/<slug>/export, linked from the page): JSON, CSV and Markdown built from the
same rows; the public export holds what the page shows, a moderator's every question with its state."""

import csv
import io
import json
import re

import markdown
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from ama import export, services
from ama.models import ModeratorAssignment
from tests.ama.qa_data import SECRETS, ask, populate, remote


@pytest.fixture
def qa(open_ama):
    return populate(open_ama)


def get_export(client, ama, fmt: str | None = "json", **headers):
    query = {"format": fmt} if fmt else {}
    response = client.get(reverse("api-ama-export", args=[ama.slug]), query, **headers)
    assert response.status_code == 200, response.content
    return response


def exported(client, ama) -> dict:
    return json.loads(get_export(client, ama).content)


def page_scores(html: str) -> dict[int, int]:
    """What the AMA page shows: each question's id and vote count."""
    found = re.findall(r'<article class="question[^"]*" id="q-(\d+)".*?data-votes="(-?\d+)"', html, re.S)
    return {int(pk): int(votes) for pk, votes in found}


def test_json_has_the_same_questions_and_numbers_as_the_page(client, open_ama, qa):
    data = exported(client, open_ama)
    page = client.get(reverse("ama", args=[open_ama.slug])).content.decode()
    assert {row["id"]: row["score"] for row in data["questions"]} == page_scores(page)
    first = next(row for row in data["questions"] if row["id"] == qa.answered.pk)
    assert (first["score"], first["votes_here"], first["remote_votes"]) == (5, 2, 3)
    assert first["author"]["handle"] == "@sam@mastodon.example" and first["text"] == "Which GPUs do you train on?"
    assert first["answers"][0]["markdown"] == "Mostly *rented* A100s."
    assert first["answers"][0]["author"]["handle"] == open_ama.host.handle
    assert first["received_at"] and first["answered_at"] and "moderation" not in first
    assert data["ama"]["title"] == open_ama.title and data["moderator"] is False


def test_public_export_holds_nothing_the_page_hides(client, open_ama, qa):
    for fmt in export.FORMATS:
        text = get_export(client, open_ama, fmt).content.decode()
        assert not any(secret in text for secret in SECRETS), fmt
    ids = {row["id"] for row in exported(client, open_ama)["questions"]}
    assert ids == {qa.answered.pk, qa.second.pk, qa.waiting.pk}


def test_csv_opens_with_the_csv_module_with_the_same_rows(client, open_ama, qa):
    response = get_export(client, open_ama, "csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="{open_ama.slug}.csv"'
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert list(rows[0]) == export.CSV_COLUMNS
    data = exported(client, open_ama)
    assert [int(row["id"]) for row in rows] == [row["id"] for row in data["questions"]]
    first = next(row for row in rows if int(row["id"]) == qa.answered.pk)
    assert (first["score"], first["votes_here"], first["remote_votes"]) == ("5", "2", "3")
    assert first["asked_by"] == "@sam@mastodon.example" and first["answer"] == "Mostly *rented* A100s."
    assert first["answered_by"] == open_ama.host.handle


def test_markdown_reads_as_an_article_and_renders(client, open_ama, qa):
    text = get_export(client, open_ama, "md").content.decode()
    assert text.startswith("# Ask me about open models\n\n*An AMA with Alice (@alice@")
    assert "I train *open* models." in text
    assert text.index("Which GPUs") < text.index("Do you publish the data?")  # in the order answered
    assert "What comes next?" not in text  # not answered: no place in the article
    html = markdown.markdown(text)
    assert "<h1>Ask me about open models</h1>" in html
    for answer in ("Mostly <em>rented</em> A100s.", "Yes, all of it."):
        assert answer in html
    quote = re.search(r"<blockquote>(.*?)</blockquote>", html, re.S).group(1)
    assert "Which GPUs do you train on?" in quote and "<strong>Sam</strong> (@sam@mastodon.example)" in quote


def test_markdown_shows_askers_text_as_text(client, open_ama):
    hostile = ask(open_ama, "[click](https://evil.example) &lt;img src=x&gt; *loud* # not a heading")
    services.answer_publish(question=hostile, author=open_ama.host, body="No.")
    html = markdown.markdown(get_export(client, open_ama, "md").content.decode())
    assert "<img" not in html and "<a " not in html.split("</h1>", 1)[1].replace(
        f'<a href="{open_ama.ap_id}">', "")
    assert "[click](https://evil.example) &lt;img src=x&gt; *loud* # not a heading" in html


def test_accept_header_chooses_the_format(client, open_ama, qa):
    assert get_export(client, open_ama, None, HTTP_ACCEPT="text/markdown").content.startswith(b"# Ask me")
    assert get_export(client, open_ama, None, HTTP_ACCEPT="text/csv").content.startswith(b"id,parent,")
    assert json.loads(get_export(client, open_ama, None).content)["ama"]["slug"] == open_ama.slug


def test_bad_requests_say_why(client, open_ama, host):
    from tests.ama.test_pages import make_ama

    unknown = client.get(reverse("api-ama-export", args=[open_ama.slug]), {"format": "xml"})
    assert unknown.status_code == 400 and "json, csv, md" in unknown.json()["detail"]
    draft = make_ama(host, "Draft", opens_in=1, publish=False)
    for slug in ("nope", draft.slug):
        assert client.get(reverse("api-ama-export", args=[slug]), {"format": "csv"}).status_code == 404


def test_moderators_export_every_question_with_its_state(client, open_ama, qa):
    moderator = get_user_model().objects.create_user(username="mo", password="pw-pw-pw-pw")
    ModeratorAssignment.objects.create(user=moderator, ama=open_ama)
    client.force_login(moderator)
    data = exported(client, open_ama)
    states = {row["id"]: row["moderation"]["state"] for row in data["questions"]}
    assert states[qa.pending.pk] == "pending" and states[qa.rejected.pk] == "rejected"
    assert states[qa.hidden.pk] == "hidden" and states[qa.answered.pk] == "published" and data["moderator"]
    rows = list(csv.DictReader(io.StringIO(get_export(client, open_ama, "csv").content.decode())))
    assert {row["state"] for row in rows} == {"published", "pending", "rejected", "hidden"}
    assert "*hidden*" in get_export(client, open_ama, "md").content.decode()  # answered, then hidden


def test_signed_in_strangers_get_the_public_export(client, open_ama, qa, make_host):
    client.force_login(make_host("bea", "Bea").user)
    assert {row["id"] for row in exported(client, open_ama)["questions"]} == {
        qa.answered.pk, qa.second.pk, qa.waiting.pk}


def test_export_is_conditional_and_only_the_public_one_is_shared(client, open_ama, qa, host):
    first = get_export(client, open_ama, "csv")
    assert "public" in first["Cache-Control"]
    path = reverse("api-ama-export", args=[open_ama.slug]) + "?format=csv"
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    ask(open_ama, "A new one", author=remote("newcomer"))
    assert client.get(path, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    client.force_login(host.user)
    assert "private" in get_export(client, open_ama, "csv")["Cache-Control"]


def test_the_page_links_the_exports_and_the_schema_documents_them(client, open_ama):
    html = client.get(reverse("ama", args=[open_ama.slug])).content.decode()
    for fmt in export.FORMATS:
        assert f'href="/api/amas/{open_ama.slug}/export?format={fmt}"' in html
    schema = json.loads(client.get("/api/schema/?format=json").content)
    operation = schema["paths"]["/api/amas/{slug}/export"]["get"]
    assert set(operation["responses"]["200"]["content"]) == {"application/json", "text/csv", "text/markdown"}
    assert [sorted(p["schema"]["enum"]) for p in operation["parameters"] if p["name"] == "format"] == [
        ["csv", "json", "md"]]


def test_a_question_its_author_deleted_keeps_its_answer_without_its_text(client, open_ama, qa):
    services.question_delete_received(question=qa.second)
    row = next(row for row in exported(client, open_ama)["questions"] if row["id"] == qa.second.pk)
    assert row["deleted_by_author"] and row["text"] == "" and row["answers"][0]["markdown"] == "Yes, all of it."
    assert "(deleted by its author)" in get_export(client, open_ama, "md").content.decode()
    embed = client.get(reverse("ama-embed", args=[open_ama.slug])).content.decode()
    assert "Question deleted by its author" in embed and "Yes, all of it." in embed
