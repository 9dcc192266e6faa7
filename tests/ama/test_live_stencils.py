"""The contract of ama/live/stencils.py: a new question's fragment filled from a stencil is exactly what the
template engine renders for it, for questions of every shape (names that need escaping, no display name, no
profile link, other languages, a follow-up, mentions of the host), in every site language; and a reply's whole
processing in the inbox worker stays within a counted number of queries."""

from datetime import UTC, datetime

import pytest
from django.template.defaultfilters import date as date_filter
from django.utils import formats, timezone, translation
from test_moderation_support import ask, make_remote

from ama import services
from ama.live import fragments, stencils
from ama.models import LiveEvent, Question

CASES = [
    dict(name="plain", display_name="Bob", text="What comes next?"),
    dict(name="escaped", display_name='<b>"Bo & b"</b>', text="Is 1 < 2 & 3 > 2?"),
    dict(name="nameless", display_name="", text="No display name?"),
    dict(name="nolink", display_name="Carol", text="No profile link?", url="javascript:alert(1)"),
    dict(name="french", display_name="Élodie", text="Quelle suite ?", language="fr"),
    dict(name="mention", display_name="Dan", text='<a href="https://ama.test/users/alice">@alice</a> Why?'),
]


@pytest.fixture(autouse=True)
def fresh_stencils():
    stencils._stencils.clear()
    yield
    stencils._stencils.clear()


def _remote(case: dict, n: int):
    author = make_remote(f"st{case['name']}{n}", domain=f"st{n}.example")
    author.display_name = case["display_name"]
    author.url = case.get("url", author.ap_id)
    if "ap_id" in case:
        author.ap_id = case["ap_id"].format(n=n)
    author.save()
    return author


@pytest.mark.parametrize("case", CASES, ids=[case["name"] for case in CASES])
def test_a_stencils_fragment_is_the_engines(open_ama, case):
    services.ama_update(ama=open_ama, moderation_mode="post", hold_first_question=False)
    for n in range(3):  # the first makes and checks the stencil, the others are filled from it
        question = ask(open_ama, case["text"], author=_remote(case, n), language=case.get("language", ""))
        event = LiveEvent.objects.get(question=question, kind="question_published")
        row = Question.objects.select_related("ama", "author").get(pk=question.pk)
        with fragments.just_created(row):
            for language in ("en", "fr"):
                with translation.override(language):
                    html = event.payload["html"] if language == "en" else event.payload["localized"]["fr"]["html"]
                    assert html == fragments.rendered_question_html(row)
    assert any(parts for parts in stencils._stencils.values()), "no stencil was made: every render went to the engine"


def test_a_follow_up_and_a_late_question_are_the_engines_too(open_ama):
    services.ama_update(ama=open_ama, moderation_mode="post", hold_first_question=False, show_late_questions=True)
    parent = ask(open_ama, "The first?")
    for n in range(2):
        follow_up = ask(open_ama, f"And then {n}?", parent=parent)
        event = LiveEvent.objects.get(question=follow_up, kind="question_published")
        row = Question.objects.select_related("ama", "author").get(pk=follow_up.pk)
        with fragments.just_created(row), translation.override("en"):
            assert event.payload["html"] == fragments.rendered_question_html(row)


def test_a_stencil_that_does_not_match_is_never_used(open_ama, monkeypatch):
    """A template whose output the markers cannot reproduce (here: a stand-in that renders differently) leaves
    the shape to the engine: the event still carries the engine's HTML."""
    services.ama_update(ama=open_ama, moderation_mode="post", hold_first_question=False)
    monkeypatch.setattr(stencils, "_fill", lambda parts, row: "not the engine's")
    question = ask(open_ama, "Still right?")
    assert "Still right?" in LiveEvent.objects.get(question=question, kind="question_published").payload["html"]
    assert set(stencils._stencils.values()) == {None}
    second = ask(open_ama, "Still right the second time?")
    assert "Still right the second time?" in LiveEvent.objects.get(
        question=second, kind="question_published").payload["html"]


MOMENTS = [datetime(2026, 12, 6, 14, 7, second, tzinfo=UTC) for second in (0, 5, 59)] + [
    datetime(2026, 12, 6, 14, 8, 1, 999, tzinfo=UTC), datetime(2026, 12, 6, 23, 59, 30, tzinfo=UTC)]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_the_shown_time_is_the_engines_within_a_minute_and_across_minutes(language):
    with translation.override(language), timezone.override("Europe/Paris"):
        for moment in MOMENTS + MOMENTS:  # the second time from the cache
            local = timezone.template_localtime(moment)
            assert stencils._shown_time(local) == date_filter(local, "DATETIME_FORMAT")


def test_the_hour_shown_twice_when_clocks_go_back_is_shown_as_the_engine_shows_it(monkeypatch):
    """At 03:00 on 2026-10-25 Paris went from CEST back to CET: 02:30 came twice, and the two compare equal (same
    wall time, same zone), so they share a cache entry. That holds only while Django shows neither a zone name nor
    an offset for an ambiguous time (it shows none); if it ever does, the key needs the offset."""
    for module in (formats, stencils):
        monkeypatch.setattr(module, "get_format", lambda name, *args, **kwargs: "H:i T O")
    with timezone.override("Europe/Paris"):
        summer, winter = (timezone.template_localtime(datetime(2026, 10, 25, hour, 30, tzinfo=UTC)) for hour in (0, 1))
        assert summer == winter and summer.tzname() != winter.tzname()
        for moment in (summer, winter):
            assert stencils._shown_time(moment) == date_filter(moment, "H:i T O")


def test_a_format_that_shows_seconds_is_never_taken_from_the_cache(monkeypatch):
    for module in (formats, stencils):
        monkeypatch.setattr(module, "get_format", lambda name, *args, **kwargs: "H:i:s")
    shown = [stencils._shown_time(moment) for moment in MOMENTS[:3]]
    assert shown == ["14:07:00", "14:07:05", "14:07:59"]


def test_a_replys_processing_has_a_bounded_number_of_queries(open_ama, django_assert_max_num_queries):
    """A reply shown at once (post-moderation, the AMA's Group announces it, the asker gets an Accept, the live
    event carries its fragment): 20 queries (the inbox worker's whole row: 43 before issue 16's work on replies,
    25 after). A regression shows here."""
    services.ama_update(ama=open_ama, moderation_mode="post", hold_first_question=False)
    ask(open_ama, "Warm-up?")  # the stencil of this shape is made (and checked) once per process
    author = make_remote("counted", domain="counted.example")
    with django_assert_max_num_queries(20) as captured:
        question = ask(open_ama, "Counted?", author=author)
    assert question.state == Question.State.PUBLISHED
    assert LiveEvent.objects.filter(question=question, kind="question_published").exists()
    assert open_ama.group_id and any("Announce" in query["sql"] for query in captured.captured_queries)
