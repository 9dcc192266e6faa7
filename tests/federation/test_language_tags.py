"""federation/languages.py: the language a post declares, brought down to an ISO 639-1 code."""

import pytest

from federation.activities import content_and_language
from federation.languages import declared_language, iso_code, lemmy_language


@pytest.mark.parametrize("tag, code", [
    ("fr", "fr"), ("fr-CA", "fr"), ("FR_fr", "fr"), (" de ", "de"), ("zh-Hant", "zh"),
    ("und", ""), ("xx", ""), ("fra", ""), ("", ""), (None, ""), (42, ""),
])
def test_iso_code(tag, code):
    assert iso_code(tag) == code


def test_lemmy_language_object_wins_over_content_map():
    lemmy = {"content": "<p>Salut</p>", "language": {"identifier": "fr", "name": "Français"},
             "contentMap": {"en": "<p>Salut</p>"}}
    assert content_and_language(lemmy) == ("<p>Salut</p>", "fr")


def test_a_list_of_languages_gives_its_first():
    assert declared_language({"language": [{"identifier": "de", "name": "Deutsch"}, {"identifier": "fr"}]}) == "de"


def test_undetermined_falls_back_to_content_map_then_nothing():
    assert declared_language({"language": {"identifier": "und", "name": "Undetermined"},
                              "contentMap": {"es": "<p>Hola</p>"}}) == "es"
    assert declared_language({"language": {"identifier": "und", "name": "Undetermined"}}) == ""


def test_content_map_single_or_first_key():
    assert content_and_language({"contentMap": {"pt-BR": "<p>Oi</p>"}}) == ("<p>Oi</p>", "pt")
    assert declared_language({"contentMap": {"it": "a", "en": "b"}}) == "it"
    assert declared_language({"contentMap": {"qq": "a"}}) == ""


def test_lemmy_language_is_sent_with_the_native_name():
    assert lemmy_language("fr") == {"identifier": "fr", "name": "Français"}
    assert lemmy_language("de") == {"identifier": "de", "name": "Deutsch"}
    assert lemmy_language("xx") is None
