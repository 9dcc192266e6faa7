"""A question received straight onto the page (post-moderation) is rendered for its live event from the object
just created, not read again: the same fragment as a reload renders, in every language, and the object carries
nothing of that shortcut afterwards (its answers then show)."""

from django.utils import translation
from test_moderation_support import ask

from ama import services
from ama.live import fragments
from ama.models import LiveEvent, Question


def test_a_new_questions_fragment_is_the_one_a_reload_renders(open_ama):
    services.ama_update(ama=open_ama, moderation_mode="post", hold_first_question=False)
    question = ask(open_ama, "Shown at once?")
    assert question.state == Question.State.PUBLISHED
    event = LiveEvent.objects.get(question=question, kind="question_published")
    row = fragments._question_row(Question.objects.get(pk=question.pk))
    with translation.override("en"):
        assert event.payload["html"] == fragments.question_html(row)
    with translation.override("fr"):
        assert event.payload["localized"]["fr"]["html"] == fragments.question_html(row)
    assert "Shown at once?" in event.payload["html"]


def test_the_same_object_answered_later_shows_its_answer(open_ama):
    services.ama_update(ama=open_ama, moderation_mode="post", hold_first_question=False)
    question = ask(open_ama, "Answered later?")
    assert not hasattr(question, "live_answers") and not hasattr(question, fragments.NEW)
    services.answer_publish(question=question, author=open_ama.host, body="Yes, right now.")
    event = LiveEvent.objects.get(question=question, kind="answer_published")
    assert "Yes, right now." in event.payload["html"]


def test_a_pending_question_gives_the_console_what_it_shows_and_the_public_nothing(open_ama):
    question = ask(open_ama, "Held for review?")  # the fixture's AMA is pre-moderated
    events = LiveEvent.objects.filter(question=question)
    assert [(event.kind, event.audience) for event in events] == [("question_pending", "moderators")]
    payload = events.get().payload
    assert payload["content_html"] == "<p>Held for review?</p>" and payload["state"] == "pending"
    assert payload["author"]["handle"] == question.author.handle
    assert payload["approve_url"].endswith(f"/{question.pk}/approve") or str(question.pk) in payload["approve_url"]
    assert {"question_id", "parent_id", "held_by", "language", "received_at", "reject_url"} <= set(payload)
