"""One question's card for the live pages (ama/views/cards.py): its place in the page's list as a reload would
put it, the card as the page renders it, never a question the public page does not show, and the page cache's
ETag/304 path."""

import pytest
from django.test import Client
from django.urls import reverse

from ama import services
from ama.models import Question
from ama.views import cards, listing
from federation.actors import store_remote_actor

ANONYMOUS = {"public", "max-age=5", "stale-while-revalidate=30"}


def ask(ama, n: int, text: str = "", *, votes: int = 0, parent=None, language: str = "en", approve: bool = True):
    author = store_remote_actor({"id": f"https://mastodon.example/users/a{n}", "type": "Person",
                                 "preferredUsername": f"a{n}", "inbox": f"https://mastodon.example.invalid/{n}"})
    question = services.question_receive(ama=ama, author=author, ap_id=f"https://mastodon.example/notes/{n}",
                                         content_html=f"<p>{text or f'Question {n}?'}</p>", language=language,
                                         parent=parent, in_reply_to=parent.ap_id if parent else ama.ap_id)
    if votes:
        Question.objects.filter(pk=question.pk).update(remote_like_count=votes)  # as the tally would count them
    return services.question_approve(question=Question.objects.get(pk=question.pk)) if approve else question


def card(client, ama, question_id, headers=None, **query):
    return client.get(reverse("question-card", args=[ama.slug, question_id]), query, headers=headers)


def cache_control(response) -> set[str]:
    return {part.strip() for part in response["Cache-Control"].split(",")}


def test_the_rank_of_every_question_is_its_place_in_the_pages_list(open_ama, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    rows = [ask(open_ama, n, votes=votes) for n, votes in enumerate([3, 0, 5, 3, 1])]
    follow_up = ask(open_ama, 9, "And the data?", votes=9, parent=rows[0])
    pages = [listing.page_of(open_ama, "top", number) for number in (1, 2, 3)]
    listed = [question.pk for page in pages for question in page]
    assert len(listed) == 5 and follow_up.pk not in listed
    client = Client()
    for place, pk in enumerate(listed):
        data = card(client, open_ama, pk, sort="top").json()
        assert (data["question_id"], data["rank"]) == (pk, place)
        assert f'id="q-{pk}"' in data["html"]
    threaded = card(client, open_ama, rows[0].pk).json()  # no sort: the default list, by top votes
    assert 'class="follow-ups"' in threaded["html"] and f'id="q-{follow_up.pk}"' in threaded["html"]
    assert "1 follow-up" in threaded["html"]


def test_a_follow_up_has_no_place_in_a_threaded_list_and_one_in_a_flat_one(open_ama):
    first = ask(open_ama, 1, votes=2)
    follow_up = ask(open_ama, 2, "And the data?", votes=9, parent=first)
    client = Client()
    assert card(client, open_ama, follow_up.pk, sort="top").json() == {
        "question_id": follow_up.pk, "parent_id": first.pk, "rank": None}
    flat = card(client, open_ama, follow_up.pk, sort="unanswered").json()
    assert flat["rank"] == 0 and flat["parent_id"] == first.pk
    assert ">follow-up</a>" in flat["html"]  # the flat list's link to its question, as the page shows it


def test_the_unanswered_language_and_interview_lists(open_ama):
    answered = ask(open_ama, 1, votes=7)
    services.answer_publish(question=answered, author=open_ama.host, body="Yes.")
    french = ask(open_ama, 2, "Quelles données ?", votes=1, language="fr")
    english = ask(open_ama, 3, votes=4)
    client = Client()
    assert card(client, open_ama, answered.pk, sort="unanswered").json()["rank"] is None
    assert card(client, open_ama, english.pk, sort="unanswered").json()["rank"] == 0
    assert card(client, open_ama, french.pk, sort="top", lang="fr").json()["rank"] == 0
    assert card(client, open_ama, english.pk, sort="top", lang="fr").json()["rank"] is None
    assert card(client, open_ama, answered.pk, sort="interview").json()["rank"] == 0
    assert card(client, open_ama, english.pk, sort="interview").json()["rank"] is None
    assert card(client, open_ama, english.pk, sort="nonsense").json()["rank"] == 1  # unknown sort: top


@pytest.mark.parametrize("state", ["pending", "hidden", "rejected"])
def test_a_question_the_public_page_does_not_show_is_never_served(open_ama, state):
    question = ask(open_ama, 1, "Secret?", approve=False)
    if state == "hidden":
        services.question_hide(question=services.question_approve(question=question))
    elif state == "rejected":
        services.question_reject(question=question)
    response = card(Client(), open_ama, question.pk)
    assert response.status_code == 404
    assert response.json() == {"error": "no such question on this AMA's page"}
    assert "Secret" not in response.content.decode()


def test_unknown_ids_and_amas_are_404_with_a_reason(open_ama, host):
    other = services.ama_create(host=host, title="Another", intro="Hi.", language="en",
                                opens_at=open_ama.opens_at, closes_at=open_ama.closes_at, publish=True)
    elsewhere = ask(other, 1)
    client = Client()
    for pk in (987654, elsewhere.pk):
        response = card(client, open_ama, pk)
        assert (response.status_code, response.json()) == (404, {"error": "no such question on this AMA's page"})
    response = client.get(reverse("question-card", args=["no-such-ama", elsewhere.pk]))
    assert (response.status_code, response.json()) == (404, {"error": "no such AMA"})
    draft = services.ama_create(host=host, title="Draft", intro="Hi.", language="en",
                                opens_at=open_ama.opens_at, closes_at=open_ama.closes_at)
    assert card(client, draft, elsewhere.pk).json() == {"error": "no such AMA"}


def test_the_card_answers_304_until_the_ama_changes(open_ama):
    question = ask(open_ama, 1, votes=1)
    client = Client()
    first = card(client, open_ama, question.pk, sort="top")
    assert first.status_code == 200 and first["Content-Type"] == "application/json"
    assert cache_control(first) == ANONYMOUS and first["ETag"]
    again = card(client, open_ama, question.pk, sort="top", headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304 and again.content == b""
    services.vote_add(question=question, actor=open_ama.host)
    moved = card(client, open_ama, question.pk, sort="top", headers={"If-None-Match": first["ETag"]})
    assert moved.status_code == 200 and moved["ETag"] != first["ETag"]
    assert 'data-votes="2"' in moved.json()["html"]


def test_the_anonymous_card_is_shared_and_a_signed_in_viewer_gets_their_own(open_ama, host):
    question = ask(open_ama, 1)
    services.vote_add(question=question, actor=host)
    anonymous = card(Client(), open_ama, question.pk).json()["html"]
    assert "Vote from your account" in anonymous and "csrfmiddlewaretoken" not in anonymous
    signed_in = Client()
    signed_in.login(username="alice", password="correct-horse-battery")
    response = card(signed_in, open_ama, question.pk)
    html = response.json()["html"]
    assert "Remove my vote" in html and 'aria-pressed="true"' in html  # their vote, as their page shows it
    assert "Vote from your account" not in html and "csrfmiddlewaretoken" in html
    assert f'action="{reverse("question-vote", args=[open_ama.slug, question.pk])}"' in html
    assert "private" in cache_control(response)
    assert "Remove my vote" not in card(Client(), open_ama, question.pk).json()["html"]


def test_list_rows_are_the_pages_rows(open_ama):
    """cards.list_rows repeats listing.page_of's choice of rows: this keeps the two the same."""
    first = ask(open_ama, 1, votes=1)
    ask(open_ama, 2, parent=first, votes=4)
    ask(open_ama, 3, language="fr", votes=2)
    for sort, language in (("top", ""), ("unanswered", ""), ("top", "fr"), ("unanswered", "fr")):
        page = [question.pk for question in listing.page_of(open_ama, sort, 1, language)]
        assert [row.pk for row in cards.list_rows(open_ama, sort, language)] == page


def test_the_card_at_each_place_of_the_list_is_the_question_a_reload_puts_there(open_ama, monkeypatch):
    monkeypatch.setattr(listing, "PAGE_SIZE", 2)
    rows = [ask(open_ama, n, votes=votes) for n, votes in enumerate([3, 0, 5, 3, 1])]
    ask(open_ama, 9, "And the data?", votes=9, parent=rows[0])  # a follow-up: no place of its own when threaded
    hidden = ask(open_ama, 10, "Hidden?", votes=7)
    services.question_hide(question=hidden)
    listed = [question.pk for number in (1, 2, 3) for question in listing.page_of(open_ama, "top", number)]
    client = Client()
    for place, pk in enumerate(listed):
        data = client.get(reverse("card-at", args=[open_ama.slug, place]), {"sort": "top"}).json()
        assert (data["question_id"], data["rank"]) == (pk, place) and f'id="q-{pk}"' in data["html"]
    unanswered = client.get(reverse("card-at", args=[open_ama.slug, 0]), {"sort": "unanswered"}).json()
    assert (unanswered["question_id"], unanswered["rank"]) == (listing.page_of(open_ama, "unanswered", 1)[0].pk, 0)
    past = client.get(reverse("card-at", args=[open_ama.slug, len(listed)]), {"sort": "top"})
    assert past.status_code == 404 and past.json() == {"error": "no question at that place of the list"}
    assert client.get(reverse("card-at", args=[open_ama.slug, 10**9])).status_code == 404
    assert client.get(reverse("card-at", args=["no-such-ama", 0])).json() == {"error": "no such AMA"}


def test_the_card_at_a_place_is_cached_and_revalidated_like_the_page(open_ama):
    ask(open_ama, 1, votes=2)
    client = Client()
    url = reverse("card-at", args=[open_ama.slug, 0])
    first = client.get(url, {"sort": "top"})
    assert cache_control(first) == ANONYMOUS
    assert client.get(url, {"sort": "top"}, headers={"If-None-Match": first["ETag"]}).status_code == 304
    ask(open_ama, 2, votes=5)  # a new first question: the version moved, the place holds another card
    again = client.get(url, {"sort": "top"}, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 200 and "Question 2?" in again.json()["html"]
