"""The admin speaks French to a French moderator, and the French catalogue is complete."""

import gettext
import json
import re
from pathlib import Path

import pytest
import test_moderation_support as support
from test_moderation_support import act, ask

moderator, mod_client = support.moderator, support.mod_client  # shared fixtures

CATALOGUE = Path(__file__).resolve().parents[2] / "ama" / "locale" / "fr" / "LC_MESSAGES" / "django.po"
FIELD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) (".*")$')


def po_entries(text: str) -> list[dict]:
    """Each entry of a .po file: its fields (msgid, msgstr, msgstr[0]…, joined across lines) and its flags."""
    entries = []
    for block in text.strip().split("\n\n"):
        entry, current = {"flags": set()}, None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            elif match := FIELD.match(line):
                current = match.group(1)
                entry[current] = json.loads(match.group(2))
            elif line.startswith('"') and current:
                entry[current] += json.loads(line)
        if "msgid" in entry and not all(line.startswith("#~") for line in block.splitlines()):
            entries.append(entry)
    return entries


def translations(entry: dict) -> list[str]:
    return [value for key, value in entry.items() if key.startswith("msgstr")]


def test_po_parser_sees_untranslated_and_fuzzy_entries():
    text = ('msgid ""\nmsgstr "Language: fr\\n"\n\n#: a.py:1\nmsgid "Approve"\nmsgstr ""\n\n'
            '#, fuzzy, python-format\nmsgid "%(n)s left"\nmsgstr "%(n)s restant"\n\n'
            'msgid "one"\nmsgid_plural "many"\nmsgstr[0] "un"\nmsgstr[1] ""\n\n#~ msgid "gone"\n#~ msgstr ""')
    entries = po_entries(text)
    assert [e["msgid"] for e in entries] == ["", "Approve", "%(n)s left", "one"]
    assert translations(entries[1]) == [""] and "fuzzy" in entries[2]["flags"] and translations(entries[3])[1] == ""


def test_french_catalogue_is_complete():
    entries = [entry for entry in po_entries(CATALOGUE.read_text(encoding="utf-8")) if entry["msgid"]]
    untranslated = [entry["msgid"] for entry in entries if not all(translations(entry))]
    fuzzy = [entry["msgid"] for entry in entries if "fuzzy" in entry["flags"]]
    assert len(entries) > 300
    assert untranslated == [], f"untranslated in fr: {untranslated}"
    assert fuzzy == [], f"fuzzy in fr (check and unmark): {fuzzy}"


def test_compiled_catalogue_is_up_to_date():
    """The .mo Django reads says what the .po says (run compilemessages after editing it). Compared by content:
    a fresh clone gives both files the checkout's modification times."""
    with CATALOGUE.with_suffix(".mo").open("rb") as compiled:
        catalog = gettext.GNUTranslations(compiled)._catalog
    stale = []
    for entry in po_entries(CATALOGUE.read_text(encoding="utf-8")):
        if not entry["msgid"] or "fuzzy" in entry["flags"]:
            continue
        key = (entry["msgctxt"] + "\x04" if "msgctxt" in entry else "") + entry["msgid"]
        if "msgid_plural" in entry:
            stale += [entry["msgid"] for i in range(2) if catalog.get((key, i)) != entry.get(f"msgstr[{i}]")]
        elif catalog.get(key) != entry["msgstr"]:
            stale.append(entry["msgid"])
    assert stale == [], f"compiled catalogue out of date for: {stale[:10]}"


@pytest.fixture
def french(mod_client):
    mod_client.cookies["django_language"] = "fr"
    return mod_client


def test_question_list_in_french(open_ama, french):
    ask(open_ama)
    page = french.get(support.QUESTIONS).content.decode()
    assert "Approuver les questions sélectionnées" in page
    assert "Approve selected questions" not in page
    for column in ("auteur", "état", "marques", "reçue"):
        assert f">{column.capitalize()}<" in page or f">{column}<" in page, column
    assert "File d’attente de tous les AMA" in page and "retenues par une règle" in page
    assert "domaine de l’auteur" in page and "retenue par la règle" in page  # filter titles


def test_question_list_follows_accept_language(open_ama, mod_client):
    ask(open_ama)
    page = mod_client.get(support.QUESTIONS, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Approuver les questions sélectionnées" in page and "Queue across AMAs" not in page
    english = mod_client.get(support.QUESTIONS, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Approve selected questions" in english and "Queue across AMAs" in english


def test_action_form_and_messages_in_french(open_ama, french):
    question = ask(open_ama)
    form = act(french, "reject", [question]).content.decode()
    assert "Motif" in form and "Prévenir l’auteur" in form and 'value="Appliquer"' in form
    act(french, "star", [question])
    page = french.get(support.QUESTIONS).content.decode()
    assert "1 mise en avant." in page
    question.refresh_from_db()
    assert question.starred


def test_federation_admin_is_in_the_catalogue_too():
    """federation/admin.py's strings live in the same catalogue (makemessages runs from the repository's root;
    run from ama/ it would leave them out)."""
    from django.utils import translation

    from federation.admin import DeliveryAdmin, requeue_dead, retry_now

    with translation.override("fr"):
        assert str(retry_now.short_description) == "Réessayer maintenant"
        assert str(requeue_dead.short_description).startswith("Remettre en file")
        assert str(DeliveryAdmin.short_error.short_description) == "dernière erreur"


def test_admin_index_names_the_models_in_french(french):
    from django.urls import reverse

    page = french.get(reverse("admin:index")).content.decode()
    for name in ("Journal d’audit", "Fiches d’acteur", "Filtres par mot-clé", "Signalements"):
        assert f">{name}<" in page, name
    for name in ("Audit log", "Actor cards", "Keyword filters"):
        assert f">{name}<" not in page, name


def test_audit_log_columns_in_french(open_ama, french):
    from django.urls import reverse

    act(french, "star", [ask(open_ama)])
    page = french.get(reverse("admin:ama_auditentry_changelist")).content.decode()
    for column in ("Créée le", "Utilisateur auteur", "Action", "Cible", "Motif", "Public"):
        assert f">{column}<" in page, column
    assert ">Created at<" not in page and ">Actor user<" not in page


def test_rule_and_blocklist_columns_in_french():
    from django.utils import translation

    from ama.models import KeywordFilter
    from federation.models import DomainBlock

    with translation.override("fr"):
        assert str(KeywordFilter._meta.get_field("pattern").verbose_name) == "motif de recherche"
        assert str(DomainBlock._meta.get_field("severity").verbose_name) == "sévérité"
        assert str(DomainBlock._meta.get_field("public_comment").verbose_name) == "commentaire public"
