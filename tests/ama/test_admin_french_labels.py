"""Every column, filter, form label and choice of every admin page speaks French to a French user: each label is
compared with its English self (a label left untranslated is the same in both), and each changelist and change
form is rendered in French and searched for the English headers."""

import re

import pytest
from django.contrib import admin
from django.contrib.admin.utils import label_for_field
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import capfirst
from test_moderation_support import ask, make_remote

from ama import services
from ama.models import AuditEntry, KeywordFilter, ModeratorAssignment
from federation.models import Delivery, DomainBlock, DomainHealth, Follow, InboxMessage, OutboxActivity

pytestmark = pytest.mark.django_db

# The same word in both languages (compared lower case), or a technical name.
SAME_IN_BOTH = {"id", "ama", "action", "public", "question", "questions", "votes", "application", "service",
                "permissions", "user agent", "http accept", "url", "abusive", "spam"}
# django-axes names this column after its method (no description): no catalogue can translate it.
UNTRANSLATABLE = {"AccessAttempt.status"}


def in_both(text) -> tuple[str, str]:
    with translation.override("en"):
        english = str(text() if callable(text) else text)
    with translation.override("fr"):
        french = str(text() if callable(text) else text)
    return english, french


def filter_titles(model_admin, request) -> list:
    """Each list filter's title, as the changelist shows it (a lazy string or a callable giving one)."""
    titles = []
    for spec in model_admin.get_list_filter(request):
        if isinstance(spec, type):
            titles.append(spec.title)
        elif isinstance(spec, tuple) and hasattr(spec[1], "title_text"):
            titles.append(spec[1].title_text)
        else:
            path = spec[0] if isinstance(spec, tuple) else spec
            model = model_admin.model
            for part in path.split("__"):
                field = model._meta.get_field(part)
                model = field.related_model
            titles.append(field.verbose_name)
    return titles


def labels_of(model_admin, request, obj) -> dict[str, tuple[str, str]]:
    """Where each label comes from → (English, French): columns, filters, change form fields, choices."""
    model, found = model_admin.model, {}
    columns = [name for name in model_admin.get_list_display(request) if name != "action_checkbox"]
    fields = [f for f in model_admin.get_fields(request, obj) if isinstance(f, str)]
    form = model_admin.get_form(request, obj)(instance=obj)  # an instance, as the admin gives its labels
    for name in columns:
        found[f"{model.__name__}.{name}"] = in_both(lambda name=name: label_for_field(name, model, model_admin))
    for name in fields:
        declared = form.fields.get(name) if name not in {f.name for f in model._meta.get_fields()} else None
        found[f"{model.__name__}.{name}"] = in_both(  # a form's own field shows its label, as the admin does
            declared.label if declared is not None and declared.label else
            (lambda name=name: label_for_field(name, model, model_admin, form=form)))
    for n, title in enumerate(filter_titles(model_admin, request)):
        found[f"{model.__name__} filter {n}"] = in_both(title)
    for field in model._meta.get_fields():
        for value, label in getattr(field, "choices", None) or ():
            if value != "":
                found[f"{model.__name__}.{field.name}={value}"] = in_both(label)
    return found


def untranslated(labels: dict) -> dict:
    return {where: english for where, (english, french) in labels.items()
            if english == french and english.lower() not in SAME_IN_BOTH and where not in UNTRANSLATABLE}


@pytest.fixture
def superuser(admin_user):
    return admin_user


@pytest.fixture
def one_of_each(open_ama, superuser):
    """A row of every model the admin lists, so each change form can be opened."""
    sender = make_remote("sam")
    question = ask(open_ama, "Which licence?", author=sender)
    services.report_create(user=None, question=question, comment="spam")
    activity = OutboxActivity.objects.create(ap_id="https://local.example/a/1", actor=open_ama.host,
                                             activity_type="Create", body={"type": "Create"})
    Delivery.objects.create(activity=activity, inbox=sender.inbox, domain=sender.domain)
    InboxMessage.objects.create(ap_id="https://remote.example/a/1", activity_type="Like", actor_ap_id=sender.ap_id,
                                domain=sender.domain, body={"type": "Like"})
    DomainHealth.objects.create(domain=sender.domain, consecutive_failures=2)
    Follow.objects.create(follower=sender, followed=open_ama.host)
    DomainBlock.objects.create(domain="spam.example")
    KeywordFilter.objects.create(pattern="casino", ama=open_ama)
    ModeratorAssignment.objects.create(user=superuser, ama=open_ama)
    AuditEntry.objects.create(actor_user=superuser, action="question.star", ama=open_ama, question=question,
                              before={"starred": False}, after={"starred": True}, created_at=timezone.now())
    return open_ama


def registered():
    return sorted(admin.site._registry.items(), key=lambda item: item[0]._meta.label)


def test_every_admin_label_has_its_french(one_of_each, superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    missing = {}
    for _model, model_admin in registered():
        obj = model_admin.get_queryset(request).first()
        missing |= untranslated(labels_of(model_admin, request, obj))
    assert missing == {}, f"admin labels left in English: {missing}"


def test_the_label_check_sees_an_english_label():
    """The check above can fail: a label without translation, and an untranslated choice, are reported."""
    from ama.admin.questions import QuestionAdmin
    from ama.models import Question

    class Forgotten(QuestionAdmin):
        list_display = ("number", "content_html")
        list_filter = ("reject_reason",)

        def get_fields(self, request, obj=None):
            return ["ap_id"]

        def get_list_filter(self, request):
            return self.list_filter

    request = RequestFactory().get("/admin/")
    labels = labels_of(Forgotten(Question, admin.site), request, None)
    labels["Question.invented"] = in_both("next attempt at")  # no catalogue entry: the same in both
    assert untranslated(labels) == {"Question.invented": "next attempt at"}
    assert labels["Question.content_html"] == ("content (HTML)", "contenu (HTML)")
    assert labels["Question.state=deleted"] == ("deleted by its author", "supprimée par son auteur·ice")


def english_headers(page: str, english: set[str]) -> set[str]:
    """The English labels the page shows as a column header, a filter title or a form label."""
    shown = set()
    for label in english:
        text = re.escape(capfirst(label))
        if re.search(rf">\s*{text}\s*(?:\xa0|&nbsp;| )?:?\s*<", page) or f'data-filter-title="{label}"' in page:
            shown.add(label)
    return shown


def test_every_changelist_and_change_form_renders_in_french(client, one_of_each, superuser):
    client.force_login(superuser)
    client.cookies["django_language"] = "fr"
    request = RequestFactory().get("/admin/")
    request.user = superuser
    pages = 0
    for model, model_admin in registered():
        obj = model_admin.get_queryset(request).first()
        english = {en for en, fr in labels_of(model_admin, request, obj).values() if en != fr}
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        urls = [reverse(f"{prefix}_changelist")]
        if obj:
            urls.append(reverse(f"{prefix}_change", args=[obj.pk]))
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            page = response.content.decode()
            assert 'lang="fr"' in page, url
            assert english_headers(page, english) == set(), url
            pages += 1
    assert pages >= 2 * 12  # each of our models' list and form (and Django's, axes')


def test_the_delivery_list_reads_in_french(client, one_of_each, superuser):
    client.force_login(superuser)
    client.cookies["django_language"] = "fr"
    page = client.get(reverse("admin:federation_delivery_changelist")).content.decode()
    for header in ("Domaine", "État", "Tentatives", "Dernier statut HTTP", "Prochaine tentative le"):
        assert f">{header}<" in page, header
    assert ">en attente<" in page  # the state's label, in its column
    assert ">Next attempt at<" not in page and ">Attempts<" not in page
    card = client.get(reverse("admin:ama_askeractor_changelist")).content.decode()
    assert ">Adresse<" in card and ">Nom affiché<" in card and ">Handle<" not in card
