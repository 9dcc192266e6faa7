"""The host runs their AMA from the dashboard: edit every field (with a preview), the team (co-hosts local and
remote, the AMA's moderators), close after a confirmation and reopen, times in the viewer's zone, and the AMA's
community handle. Each form per role: the host may; co-hosts, moderators and strangers get 403 and nothing
changes."""

from datetime import UTC, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from ama import services
from ama.forms import AmaEditForm
from ama.models import Ama, AuditEntry, ModeratorAssignment, RemoteHostClaim

PASSWORD = "correct-horse-battery"
REFUSED = ("cohost", "moderator", "stranger")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def roles(open_ama, make_host):
    cohost = make_host("dana", "Dana")
    open_ama.cohosts.add(cohost)
    moderator = get_user_model().objects.create_user("mia", password=PASSWORD)
    ModeratorAssignment.objects.create(user=moderator, ama=open_ama)
    users = {"host": open_ama.host.user, "cohost": cohost.user, "moderator": moderator,
             "stranger": make_host("sam", "Sam").user}
    return {role: signed_in(user) for role, user in users.items()}


def edit_data(ama, **changes) -> dict:
    data = {"title": ama.title, "intro": ama.intro, "language": ama.language, "tz": "UTC",
            "opens_at": ama.opens_at.strftime("%Y-%m-%dT%H:%M"), "closes_at": ama.closes_at.strftime("%Y-%m-%dT%H:%M"),
            "moderation_mode": ama.moderation_mode, "rate_limit_per_hour": ama.rate_limit_per_hour,
            "max_question_length": ama.max_question_length, "archive_after_days": ama.archive_after_days,
            **{name: "on" for name in ("review_edits", "show_late_questions", "hold_first_question", "allow_downvotes")
               if getattr(ama, name)}, "save": "1"}
    data.update(changes)
    return {name: value for name, value in data.items() if value is not None}


def snapshot(ama) -> dict:
    ama = Ama.objects.get(pk=ama.pk)
    return {name: getattr(ama, name) for name in ("title", "intro", "opens_at", "closes_at", "state",
                                                  "moderation_mode", "allow_downvotes", "rate_limit_per_hour")}


# ---- edit --------------------------------------------------------------------------------------------

def test_the_host_edits_every_field(roles, open_ama):
    page = roles["host"].get(f"/dashboard/{open_ama.slug}/edit/").content.decode()
    assert "Ask me about open models" in page and "goes back to review" in page  # a setting's one-line help
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/edit/", edit_data(
        open_ama, title="Open models, again", intro="New *intro*", language="fr", moderation_mode="post",
        rate_limit_per_hour="9", max_question_length="500", archive_after_days="7", review_edits=None,
        show_late_questions="on", hold_first_question=None, allow_downvotes="on"))
    assert response.status_code == 302 and response["Location"] == f"/dashboard/{open_ama.slug}/"
    ama = Ama.objects.get(pk=open_ama.pk)
    assert (ama.title, ama.intro, ama.language, ama.moderation_mode) == ("Open models, again", "New *intro*", "fr",
                                                                          "post")
    assert "<em>intro</em>" in ama.intro_html
    assert (ama.rate_limit_per_hour, ama.max_question_length, ama.archive_after_days) == (9, 500, 7)
    assert (ama.review_edits, ama.show_late_questions, ama.hold_first_question, ama.allow_downvotes) == (
        False, True, False, True)
    assert AuditEntry.objects.filter(action="ama.update", ama=ama).count() == 1
    assert ama.updated_at is not None  # federated as an Update


def test_preview_renders_the_intro_without_saving(roles, open_ama):
    before = snapshot(open_ama)
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/edit/",
                                  {**edit_data(open_ama, intro="**bold** <script>x</script>"), "preview": "1"})
    html = response.content.decode()
    assert response.status_code == 200 and "<strong>bold</strong>" in html and "<script>x" not in html
    assert snapshot(open_ama) == before


def test_bad_edits_are_form_errors_and_change_nothing(roles, open_ama):
    before = snapshot(open_ama)
    backwards = edit_data(open_ama, closes_at=(open_ama.opens_at - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"))
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/edit/", backwards)
    assert response.status_code == 400 and "must close after it opens" in response.content.decode()
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/edit/", edit_data(open_ama, rate_limit_per_hour="0"))
    assert response.status_code == 400
    assert snapshot(open_ama) == before


@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot_edit(roles, open_ama, role):
    before = snapshot(open_ama)
    assert roles[role].get(f"/dashboard/{open_ama.slug}/edit/").status_code == 403
    assert roles[role].post(f"/dashboard/{open_ama.slug}/edit/", edit_data(open_ama, title="Hijacked")).status_code \
        == 403
    assert snapshot(open_ama) == before


def test_the_dashboard_links_the_host_forms_only_for_the_host(roles, open_ama):
    assert f"/dashboard/{open_ama.slug}/edit/" in roles["host"].get(f"/dashboard/{open_ama.slug}/").content.decode()
    cohost_view = roles["cohost"].get(f"/dashboard/{open_ama.slug}/").content.decode()
    assert "/edit/" not in cohost_view and "/team/" not in cohost_view


# ---- time zones --------------------------------------------------------------------------------------

def test_times_entered_in_paris_are_stored_in_utc_and_shown_back(roles, open_ama):
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/edit/", edit_data(
        open_ama, tz="Europe/Paris", opens_at="2030-07-01T18:00", closes_at="2030-07-01T20:30"))
    assert response.status_code == 302
    ama = Ama.objects.get(pk=open_ama.pk)
    assert ama.opens_at == datetime(2030, 7, 1, 16, 0, tzinfo=UTC)  # summer: Paris is UTC+2
    assert ama.closes_at == datetime(2030, 7, 1, 18, 30, tzinfo=UTC)
    form = roles["host"].get(f"/dashboard/{open_ama.slug}/edit/").content.decode()
    # rendered in UTC and named so; times.js turns them into the browser's zone and says which
    assert 'value="2030-07-01T16:00"' in form and 'name="tz" value="UTC"' in form and "(UTC)" in form
    public = roles["host"].get(f"/amas/{open_ama.slug}").content.decode()
    assert 'datetime="2030-07-01T16:00:00+00:00" data-local-time' in public and ">UTC</abbr>" in public


def test_another_zone_and_winter_time(roles, open_ama):
    roles["host"].post(f"/dashboard/{open_ama.slug}/edit/", edit_data(
        open_ama, tz="America/New_York", opens_at="2030-01-15T09:00", closes_at="2030-01-15T10:00"))
    assert Ama.objects.get(pk=open_ama.pk).opens_at == datetime(2030, 1, 15, 14, 0, tzinfo=UTC)


def test_an_unknown_zone_is_refused(roles, open_ama):
    before = snapshot(open_ama)
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/edit/", edit_data(open_ama, tz="Mars/Olympus"))
    assert response.status_code == 400 and "Unknown time zone Mars/Olympus" in response.content.decode()
    assert snapshot(open_ama) == before


def test_a_new_ama_takes_the_viewers_zone(roles):
    roles["host"].post("/dashboard/", {"title": "Tokyo hour", "language": "en", "moderation_mode": "pre",
                                       "tz": "Asia/Tokyo", "opens_at": "2030-03-01T09:00",
                                       "closes_at": "2030-03-01T11:00"})
    assert Ama.objects.get(title="Tokyo hour").opens_at == datetime(2030, 3, 1, 0, 0, tzinfo=UTC)


def test_a_countdown_before_the_start_only(roles, open_ama, host):
    later = services.ama_create(host=host, title="Later", opens_at=timezone.now() + timedelta(days=2),
                                closes_at=timezone.now() + timedelta(days=3), publish=True)
    assert "data-countdown=" in roles["host"].get(f"/dashboard/{later.slug}/").content.decode()
    assert "data-countdown=" in roles["host"].get(f"/amas/{later.slug}").content.decode()
    assert "data-countdown=" not in roles["host"].get(f"/amas/{open_ama.slug}").content.decode()


def test_the_edit_form_reads_back_what_it_saved():
    ama = Ama(title="T", opens_at=datetime(2030, 1, 1, tzinfo=UTC), closes_at=datetime(2030, 1, 2, tzinfo=UTC))
    form = AmaEditForm({"title": "T", "language": "en", "moderation_mode": "pre", "tz": "Europe/Paris",
                        "opens_at": "2030-01-01T01:00", "closes_at": "2030-01-02T01:00", "rate_limit_per_hour": 5,
                        "max_question_length": 2000, "archive_after_days": 30})
    assert form.is_valid(), form.errors
    changed = form.changed_values(ama)  # 01:00 in Paris in winter is midnight UTC: the times did not change
    assert "opens_at" not in changed and "closes_at" not in changed and "tz" not in changed


# ---- team ----------------------------------------------------------------------------------------------

def test_the_host_adds_and_removes_a_local_cohost(roles, open_ama, make_host):
    erin = make_host("erin", "Erin")
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/team/cohosts/add", {"account": "erin"}, follow=True)
    assert erin in open_ama.cohosts.all() and "@erin@" in response.content.decode()
    roles["host"].post(f"/dashboard/{open_ama.slug}/team/cohosts/remove", {"account": erin.ap_id})
    assert erin not in open_ama.cohosts.all()


def test_cohost_errors_are_shown(roles, open_ama):
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/team/cohosts/add", {"account": "nobody"})
    assert response.status_code == 400 and "No host named nobody" in response.content.decode()
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/team/cohosts/add", {"account": "dana"})
    assert response.status_code == 400 and "already co-hosts" in response.content.decode()


def test_a_remote_cohost_waits_for_its_code(roles, open_ama, remote_actor):
    roles["host"].post(f"/dashboard/{open_ama.slug}/team/cohosts/add", {"account": remote_actor.ap_id})
    claim = RemoteHostClaim.objects.get(ama=open_ama)
    page = roles["host"].get(f"/dashboard/{open_ama.slug}/team/").content.decode()
    assert claim.code in page and "waiting for the code" in page
    assert not open_ama.cohosts.filter(pk=claim.actor_id).exists()


def test_the_host_adds_and_removes_a_moderator(roles, open_ama):
    get_user_model().objects.create_user("nina", password=PASSWORD)
    roles["host"].post(f"/dashboard/{open_ama.slug}/team/moderators/add", {"username": "nina"})
    assert ModeratorAssignment.objects.filter(ama=open_ama, user__username="nina").exists()
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/team/moderators/add", {"username": "ghost"})
    assert response.status_code == 400 and "No account with the username ghost" in response.content.decode()
    roles["host"].post(f"/dashboard/{open_ama.slug}/team/moderators/remove", {"username": "nina"})
    assert not ModeratorAssignment.objects.filter(ama=open_ama, user__username="nina").exists()


@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot_touch_the_team(roles, open_ama, make_host, role):
    make_host("erin", "Erin")
    get_user_model().objects.create_user("nina", password=PASSWORD)
    client, base = roles[role], f"/dashboard/{open_ama.slug}/team"
    assert client.get(f"{base}/").status_code == 403
    assert client.post(f"{base}/cohosts/add", {"account": "erin"}).status_code == 403
    assert client.post(f"{base}/cohosts/remove", {"account": "dana"}).status_code == 403
    assert client.post(f"{base}/moderators/add", {"username": "nina"}).status_code == 403
    assert client.post(f"{base}/moderators/remove", {"username": "mia"}).status_code == 403
    assert sorted(a.username for a in open_ama.cohosts.all()) == ["dana"]
    assert sorted(ModeratorAssignment.objects.filter(ama=open_ama).values_list("user__username", flat=True)) == ["mia"]


# ---- close and reopen ------------------------------------------------------------------------------

def test_closing_asks_first(roles, open_ama):
    page = roles["host"].get(f"/dashboard/{open_ama.slug}/close").content.decode()
    assert "Close now?" in page and "no new question is taken" in page
    roles["host"].post(f"/dashboard/{open_ama.slug}/close")  # no confirmation: only the question again
    assert snapshot(open_ama)["state"] == Ama.State.LIVE
    roles["host"].post(f"/dashboard/{open_ama.slug}/close", {"confirm": "yes"})
    assert snapshot(open_ama)["state"] == Ama.State.ENDED


def test_reopen_extends_the_end_and_goes_live_again(roles, open_ama):
    services.ama_close(ama=open_ama)
    dashboard = roles["host"].get(f"/dashboard/{open_ama.slug}/").content.decode()
    assert f'href="/dashboard/{open_ama.slug}/reopen"' in dashboard
    new_end = (timezone.now() + timedelta(days=1)).astimezone(UTC).replace(second=0, microsecond=0)
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/reopen",
                                  {"closes_at": new_end.strftime("%Y-%m-%dT%H:%M"), "tz": "UTC"})
    assert response.status_code == 302
    assert (snapshot(open_ama)["state"], snapshot(open_ama)["closes_at"]) == (Ama.State.LIVE, new_end)


def test_reopen_refuses_an_end_in_the_past(roles, open_ama):
    services.ama_close(ama=open_ama)
    before = snapshot(open_ama)
    past = (timezone.now() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    response = roles["host"].post(f"/dashboard/{open_ama.slug}/reopen", {"closes_at": past, "tz": "UTC"})
    assert response.status_code == 400 and "must be in the future" in response.content.decode()
    assert snapshot(open_ama) == before


@pytest.mark.parametrize("role", REFUSED)
def test_others_cannot_close_or_reopen(roles, open_ama, role):
    client = roles[role]
    assert client.get(f"/dashboard/{open_ama.slug}/close").status_code == 403
    assert client.post(f"/dashboard/{open_ama.slug}/close", {"confirm": "yes"}).status_code == 403
    assert snapshot(open_ama)["state"] == Ama.State.LIVE
    services.ama_close(ama=open_ama)
    before = snapshot(open_ama)
    later = (timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(f"/dashboard/{open_ama.slug}/reopen", {"closes_at": later, "tz": "UTC"}).status_code == 403
    assert snapshot(open_ama) == before


# ---- the AMA's community handle -------------------------------------------------------------------

def test_a_title_starting_with_ama_does_not_double_the_prefix(roles, host):
    ama = services.ama_create(host=host, title="AMA: modèles ouverts", opens_at=timezone.now(),
                              closes_at=timezone.now() + timedelta(hours=1), publish=True)
    assert ama.slug == "ama-modeles-ouverts" and ama.group.username == "ama-modeles-ouverts"
    page = roles["host"].get(f"/amas/{ama.slug}").content.decode()
    assert "!ama-modeles-ouverts@" in page and "ama-ama-" not in page
    other = services.ama_create(host=host, title="Modèles ouverts", opens_at=timezone.now(),
                                closes_at=timezone.now() + timedelta(hours=1))
    assert other.group.username == "ama-modeles-ouverts-2"  # the plain name is the first AMA's community



def test_the_host_forms_speak_french(roles, open_ama):
    roles["host"].cookies["django_language"] = "fr"
    edit = roles["host"].get(f"/dashboard/{open_ama.slug}/edit/").content.decode()
    assert "Modifier l'AMA" in edit or "Modifier l&#x27;AMA" in edit
    assert "repasse en relecture" in edit and "Questions par heure et par personne" in edit
    close = roles["host"].get(f"/dashboard/{open_ama.slug}/close").content.decode()
    assert "Clore maintenant ?" in close
