"""Actor card actions through the admin: mute, ban (one AMA or all, expiry, remove content), trust, note."""

from datetime import timedelta

import test_moderation_support as support
from django.utils import timezone
from test_moderation_support import QUESTIONS, act, ask, client_for, make_ama, make_remote, staff

from ama.models import ActorPolicy, AuditEntry, Question

mod_client, moderator = support.mod_client, support.moderator  # shared fixtures


CARDS = "/admin/ama/askeractor/"


def test_mute_hides_future_questions_silently(open_ama, mod_client, moderator):
    bob = make_remote("bob")
    response = act(mod_client, "mute", [bob], url=CARDS, apply="1", ama="", reason="noise")
    assert response.status_code == 302
    assert ActorPolicy.objects.get(actor=bob, ama=None).muted
    entry = AuditEntry.objects.get(action="actor.mute")
    assert entry.actor_user == moderator and entry.target == bob.ap_id
    assert ask(open_ama, author=bob).state == Question.State.HIDDEN
    act(mod_client, "unmute", [bob], url=CARDS, apply="1", ama="")
    assert ask(open_ama, author=bob).state == Question.State.PENDING


def test_ban_from_one_ama_with_expiry_removing_content(open_ama, mod_client, host):
    other = make_ama(host, title="Other")
    bob = make_remote("bob")
    published = ask(open_ama, author=bob)
    elsewhere = ask(other, author=bob)
    until = (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    act(mod_client, "ban", [bob], url=CARDS, apply="1", ama=str(open_ama.pk), until=until, remove_content="on",
        reason="harassment")
    policy = ActorPolicy.objects.get(actor=bob, ama=open_ama)
    assert policy.banned and policy.banned_until > timezone.now() + timedelta(days=6)
    published.refresh_from_db(), elsewhere.refresh_from_db()
    assert published.state == Question.State.REJECTED and elsewhere.state == Question.State.PENDING
    assert ask(open_ama, author=bob).state == Question.State.REJECTED
    assert ask(other, author=bob).state == Question.State.PENDING
    assert AuditEntry.objects.get(action="actor.ban").public


def test_ban_expiry_in_the_past_is_a_form_error(open_ama, mod_client):
    bob = make_remote("bob")
    response = act(mod_client, "ban", [bob], url=CARDS, apply="1", ama="", until="2000-01-01 00:00")
    assert response.status_code == 200 and b"must be in the future" in response.content
    assert not ActorPolicy.objects.filter(actor=bob).exists()


def test_expired_ban_no_longer_applies(open_ama):
    bob = make_remote("bob")
    ActorPolicy.objects.create(actor=bob, banned=True, banned_until=timezone.now() - timedelta(minutes=1))
    assert ask(open_ama, author=bob).state == Question.State.PENDING


def test_scoped_moderator_bans_only_in_their_ama(open_ama, host):
    scoped = staff("scoped", scope=open_ama)
    other = make_ama(host, title="Other")
    bob = make_remote("bob")
    client = client_for(scoped)
    response = act(client, "ban", [bob], url=CARDS, apply="1", ama="")
    assert response.status_code == 200 and b"errorlist" in response.content  # "all AMAs" is not offered
    act(client, "ban", [bob], url=CARDS, apply="1", ama=str(other.pk))
    assert not ActorPolicy.objects.filter(actor=bob).exists()
    act(client, "ban", [bob], url=CARDS, apply="1", ama=str(open_ama.pk))
    assert ActorPolicy.objects.get(actor=bob, ama=open_ama).banned


def test_trust_override(open_ama, mod_client):
    trusted, doubted = make_remote("trusted"), make_remote("doubted")
    act(mod_client, "trust", [trusted], url=CARDS, apply="1", ama="", trust="allow")
    act(mod_client, "trust", [doubted], url=CARDS, apply="1", ama="", trust="hold")
    assert ask(open_ama, author=trusted).state == Question.State.PUBLISHED
    open_ama.moderation_mode = "post"
    open_ama.save()
    held = ask(open_ama, author=doubted)
    assert held.state == Question.State.PENDING and held.held_by == "actor always held"
    assert AuditEntry.objects.filter(action="actor.trust").count() == 2


def test_note_is_shown_on_the_card_and_in_the_question_list(open_ama, mod_client):
    bob = make_remote("bob")
    ask(open_ama, author=bob)
    act(mod_client, "note", [bob], url=CARDS, apply="1", note="asked the same thing in three AMAs")
    assert b"asked the same thing in three AMAs" in mod_client.get(QUESTIONS).content
    card = mod_client.get(f"{CARDS}{bob.pk}/change/")
    assert b"asked the same thing in three AMAs" in card.content and b"@bob@remote.example" in card.content
    assert not AuditEntry.objects.get(action="actor.note").public


def test_card_lists_questions_across_amas_and_reports(open_ama, mod_client, host):
    from ama import services
    other = make_ama(host, title="Other AMA")
    bob = make_remote("bob")
    first, second = ask(open_ama, "first one", author=bob), ask(other, "second one", author=bob)
    services.report_create(user=None, question=first, comment="rude words")
    card = mod_client.get(f"{CARDS}{bob.pk}/change/").content.decode()
    assert "first one" in card and "second one" in card and "Other AMA" in card and "rude words" in card
    row = mod_client.get(CARDS, {"q": "bob"}).context["cl"].result_list[0]
    assert (row.question_total, row.report_total) == (2, 1)
    assert second.author == bob
