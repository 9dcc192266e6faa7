"""Domain policy: block and limit through the admin, IDN and subdomains, inbox 403, no deliveries, blocklist CSV."""

import json

import test_moderation_support as support
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from test_moderation_support import act, ask, make_remote

from ama.models import AuditEntry, Question
from federation import domain_policy, outbox
from federation.activities import activity
from federation.models import Delivery, DomainBlock

mod_client, moderator = support.mod_client, support.moderator  # shared fixtures


BLOCKS = "/admin/federation/domainblock/"


def add_block(client, domain, severity="suspend", **extra):
    data = {"domain": domain, "severity": severity, "public_comment": "spam farm", "private_comment": "see #42",
            **extra}
    return client.post(BLOCKS + "add/", data)


def test_block_from_the_admin(open_ama, mod_client, moderator, host):
    bad = make_remote("spammer", "spam.example")
    shown = ask(open_ama, author=bad)
    from ama import services
    services.question_approve(question=shown)
    assert add_block(mod_client, "Spam.Example").status_code == 302
    block = DomainBlock.objects.get()
    assert (block.domain, block.severity, block.is_draft) == ("spam.example", "suspend", False)
    entry = AuditEntry.objects.get(action="domain.block")
    assert entry.actor_user == moderator and entry.reason == "spam farm"
    assert not Question.objects.shown().filter(pk=shown.pk).exists()  # existing content hidden
    assert shown.content_text not in Client().get(f"/amas/{open_ama.slug}").content.decode()  # on the page too
    sub = make_remote("x", "eu.spam.example")
    stored = outbox.publish(activity("Note", actor=host.ap_id, obj={}), sender=host, recipients=[bad, sub])
    assert not Delivery.objects.filter(activity=stored).exists()  # nothing delivered there


def test_blocked_domain_gets_403_at_the_inbox(mod_client):
    add_block(mod_client, "127.0.0.1")
    body = {"id": "http://127.0.0.1:9/a/1", "type": "Create", "actor": "http://127.0.0.1:9/users/x", "object": {}}
    response = Client().post("/inbox", json.dumps(body), content_type="application/activity+json")
    assert response.status_code == 403


def test_limit_holds_everything_from_the_domain(open_ama, mod_client):
    add_block(mod_client, "noisy.example", severity="silence")
    open_ama.moderation_mode = "post"
    open_ama.save()
    question = ask(open_ama, author=make_remote("n", "sub.noisy.example"))
    assert question.state == Question.State.PENDING and question.held_by == "domain limited"


def test_idn_and_punycode_are_the_same_domain(mod_client):
    add_block(mod_client, "bücher.example")
    assert DomainBlock.objects.get().domain == "xn--bcher-kva.example"
    assert domain_policy.is_blocked("xn--bcher-kva.example") and domain_policy.is_blocked("shop.bücher.example")
    add_block(mod_client, "xn--bcher-kva.example", severity="silence")
    assert DomainBlock.objects.count() == 1 and domain_policy.is_limited("bücher.example")


def test_invalid_domain_is_a_form_error(mod_client):
    response = add_block(mod_client, "not a domain")
    assert response.status_code == 200 and b"not a domain name" in response.content


def test_unblock_action(mod_client):
    add_block(mod_client, "spam.example")
    act(mod_client, "unblock", [DomainBlock.objects.get()], url=BLOCKS)
    assert not DomainBlock.objects.exists() and AuditEntry.objects.filter(action="domain.unblock").exists()


def test_csv_round_trip_arrives_as_drafts(mod_client):
    for domain, severity in [("spam.example", "suspend"), ("noisy.example", "silence"), ("bücher.example", "suspend")]:
        add_block(mod_client, domain, severity=severity)
    exported = mod_client.get(BLOCKS + "export/")
    assert exported.status_code == 200 and exported["Content-Type"].startswith("text/csv")
    text = exported.content.decode()
    assert text.splitlines()[0] == "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate"
    before = sorted(DomainBlock.objects.values_list("domain", "severity", "public_comment"))
    DomainBlock.objects.all().delete()
    upload = SimpleUploadedFile("blocks.csv", exported.content, content_type="text/csv")
    assert mod_client.post(BLOCKS + "import/", {"csv_file": upload}).status_code == 302
    assert sorted(DomainBlock.objects.values_list("domain", "severity", "public_comment")) == before
    assert set(DomainBlock.objects.values_list("is_draft", flat=True)) == {True}
    assert not domain_policy.is_blocked("spam.example")  # drafts do not apply yet
    act(mod_client, "approve_drafts", DomainBlock.objects.all(), url=BLOCKS)
    assert domain_policy.is_blocked("spam.example") and domain_policy.is_limited("noisy.example")
    assert domain_policy.export_csv() == text


def test_import_keeps_existing_entries_and_skips_noop(mod_client):
    add_block(mod_client, "spam.example", severity="silence")
    text = "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate\n" \
           "spam.example,suspend,false,false,,false\nfine.example,noop,false,false,,false\nnew.example,suspend,,,,\n"
    mod_client.post(BLOCKS + "import/", {"csv_text": text})
    assert dict(DomainBlock.objects.values_list("domain", "severity")) == {"spam.example": "silence",
                                                                           "new.example": "suspend"}
    assert DomainBlock.objects.get(domain="new.example").is_draft


def test_plain_domain_list_imports(db):
    result = domain_policy.import_csv("one.example\ntwo.example\n")
    assert result["added"] == ["one.example", "two.example"]
