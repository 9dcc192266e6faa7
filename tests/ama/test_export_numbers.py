"""The JSON export read back gives the AMA's numbers: counted from the JSON alone (questions, answered, answers,
votes here, votes counted on the askers' servers, scores, states for moderators), they equal the same figures
counted in the database. No importer exists; this is the round trip the export promises a reader."""

import json
from collections import Counter

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, Q, Sum
from django.urls import reverse

from ama.models import Answer, ModeratorAssignment, Question
from tests.ama.qa_data import populate


@pytest.fixture
def qa(open_ama):
    return populate(open_ama)


def numbers_from_json(data: dict) -> dict:
    questions = data["questions"]
    numbers = {
        "questions": len(questions),
        "answered": sum(1 for q in questions if q["answered_at"]),
        "answers": sum(len(q["answers"]) for q in questions),
        "votes_here": sum(q["votes_here"] for q in questions),
        "remote_votes": sum(q["remote_votes"] for q in questions),
        "score": sum(q["score"] for q in questions),
    }
    if data["moderator"]:
        numbers["states"] = dict(Counter(q["moderation"]["state"] for q in questions))
    return numbers


def numbers_from_database(questions) -> dict:
    totals = questions.aggregate(questions=Count("pk"), answered=Count("pk", filter=Q(answered_at__isnull=False)),
                                 votes_here=Sum("vote_count"), remote_votes=Sum("remote_like_count"))
    answers = Answer.objects.filter(question__in=questions, deleted_at__isnull=True).count()
    return {**totals, "answers": answers, "score": totals["votes_here"] + totals["remote_votes"]}


def export_json(client, ama) -> dict:
    response = client.get(reverse("api-ama-export", args=[ama.slug]), {"format": "json"})
    assert response.status_code == 200
    return json.loads(response.content)


def test_the_public_json_gives_the_pages_numbers(client, open_ama, qa):
    shown = Question.objects.on_page().filter(ama=open_ama)
    expected = numbers_from_database(shown)
    assert numbers_from_json(export_json(client, open_ama)) == expected
    assert expected["remote_votes"] > 0 and expected["answers"] >= 2  # the fixture has every part


def test_the_moderators_json_gives_every_questions_numbers_and_states(client, open_ama, qa):
    moderator = get_user_model().objects.create_user(username="mo", password="pw-pw-pw-pw")
    ModeratorAssignment.objects.create(user=moderator, ama=open_ama)
    client.force_login(moderator)
    every = Question.objects.filter(ama=open_ama)
    states = dict(every.values_list("state").annotate(n=Count("pk")).order_by())
    assert numbers_from_json(export_json(client, open_ama)) == {**numbers_from_database(every), "states": states}


def test_the_count_notices_a_changed_number(client, open_ama, qa):
    """The comparison can fail: one vote more in the database and the old export no longer matches."""
    data = export_json(client, open_ama)
    Question.objects.filter(pk=qa.answered.pk).update(vote_count=qa.answered.vote_count + 1)
    assert numbers_from_json(data) != numbers_from_database(Question.objects.on_page().filter(ama=open_ama))
