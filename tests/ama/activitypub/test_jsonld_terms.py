"""Every term we send is defined by the @context we send it with: each document we serve or delivered is
expanded with a JSON-LD processor (pyld) that reads the ActivityStreams and security contexts from local
copies (tests/fixtures/jsonld, no network); a term left undefined expands to a blank node (`_:term`: the
ActivityStreams context maps unknown terms there) and fails the test."""

import json
from pathlib import Path

import pytest
from pyld import jsonld

from federation.models import OutboxActivity
from tests.ama.activitypub.test_activity_ids import AS2, BASE, sent_ids, start_urls, story, walk  # noqa: F401  (a fixture)
from tests.ama.test_placements import community  # noqa: F401  (a fixture the story uses)

CONTEXTS = Path(__file__).parents[2] / "fixtures" / "jsonld"
LOCAL_CONTEXTS = {"https://www.w3.org/ns/activitystreams": "activitystreams.jsonld",
                  "https://w3id.org/security/v1": "security-v1.jsonld"}


def local_loader(url, options=None):
    if url not in LOCAL_CONTEXTS:
        raise jsonld.JsonLdError(f"no local copy of {url} (tests never reach the network)", "loading document failed")
    document = json.loads((CONTEXTS / LOCAL_CONTEXTS[url]).read_text())
    return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": document}


def blank_terms(expanded) -> set[str]:
    """The properties and types that expanded to blank nodes."""
    found = set()
    if isinstance(expanded, list):
        for item in expanded:
            found |= blank_terms(item)
    elif isinstance(expanded, dict):
        for key, value in expanded.items():
            if key.startswith("_:"):
                found.add(key[2:])
            if key == "@type":
                found |= {f"type {kind[2:]}" for kind in value if kind.startswith("_:")}
            found |= blank_terms(value)
    return found


def undefined_terms(document: dict) -> set[str]:
    expanded = jsonld.expand(document, {"documentLoader": local_loader})
    assert expanded, f"{document.get('id')} expands to nothing"
    return blank_terms(expanded)


def test_the_checker_finds_an_undefined_term():
    document = {"@context": "https://www.w3.org/ns/activitystreams", "id": "https://a.example/1", "type": "Note",
                "interactionPolicy": {"canLike": {"always": []}}}
    assert undefined_terms(document) == {"interactionPolicy", "canLike", "always"}


def served_documents(client, ama) -> dict[str, dict]:
    seen, problems = walk(client, start_urls(ama) + [BASE + "/actor"] + sorted(sent_ids()))
    assert problems == []
    documents = {url: client.get(url.removeprefix(BASE), HTTP_ACCEPT=AS2).json() for url in seen}
    for row in OutboxActivity.objects.filter(deliveries__isnull=False).distinct():
        documents[f"sent {row.activity_type} {row.ap_id}"] = row.body
    return documents


@pytest.mark.django_db
def test_every_term_we_send_is_defined(client, story):  # noqa: F811
    documents = served_documents(client, story)
    kinds = {document.get("type") for document in documents.values()}
    assert {"Person", "Application", "Group", "Note", "Page", "Create", "Announce", "Accept", "Update",
            "Delete", "Tombstone", "OrderedCollection", "ReplyAuthorization"} <= kinds
    offenders = {name: sorted(terms) for name, document in documents.items() if (terms := undefined_terms(document))}
    assert offenders == {}, json.dumps(offenders, indent=1)
