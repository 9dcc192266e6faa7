"""What every AMA document shares: the @contexts we send (every term defined: tests/ama/activitypub/
test_jsonld_terms.py), timestamps, tombstones, and which of our objects are gone."""

from datetime import UTC

from django.db.models import Q
from django.utils import timezone

from federation import languages
from federation.activities import AS_CONTEXT

from ..models import Ama, Answer, Placement, Question

GTS_CONTEXT = {"gts": "https://gotosocial.org/ns#", "interactionPolicy": {"@id": "gts:interactionPolicy",
               "@type": "@id"}, "canReply": {"@id": "gts:canReply", "@type": "@id"},
               "canLike": {"@id": "gts:canLike", "@type": "@id"},
               "canAnnounce": {"@id": "gts:canAnnounce", "@type": "@id"},
               "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
               "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
               "always": {"@id": "gts:always", "@type": "@id"},
               "approvalRequired": {"@id": "gts:approvalRequired", "@type": "@id"},
               "ReplyAuthorization": "gts:ReplyAuthorization", "ReplyRequest": "gts:ReplyRequest",
               "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
               "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
               "sensitive": "as:sensitive"}
LANGUAGE_TERMS = {"sc": "http://schema.org/", "language": "sc:inLanguage", "identifier": "sc:identifier"}
CONTEXT = [AS_CONTEXT, GTS_CONTEXT | LANGUAGE_TERMS]  # the notes' context
LEMMY_CONTEXT = [AS_CONTEXT, {"lemmy": "https://join-lemmy.org/ns#", "pt": "https://joinpeertube.org/ns#",
                              "sc": "http://schema.org/", "sensitive": "as:sensitive", "stickied": "lemmy:stickied",
                              "commentsEnabled": "pt:commentsEnabled", "distinguished": "lemmy:distinguished",
                              "language": "sc:inLanguage", "identifier": "sc:identifier"}]  # Lemmy's own IRIs


def language_properties(code: str, content: str) -> dict:
    """A document's language as Lemmy sends it (`language: {identifier, name}`) and as Mastodon does (the
    `contentMap` key); nothing for a text in no known language."""
    found = languages.iso_code(code)
    return {"language": languages.lemmy_language(found), "contentMap": {found: content}} if found else {}


def iso(moment) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else None


def tombstone(ap_id: str, former_type: str = "Note", deleted=None) -> dict:
    return {"@context": AS_CONTEXT, "id": ap_id, "type": "Tombstone", "formerType": former_type,
            "deleted": iso(deleted or timezone.now())}


def object_gone(object_id: str) -> bool:
    """An AMA (its note or Page), an answer or a post in a community deleted here, or a question no longer
    shown: activities that show it answer 410 at their ids (federation.activity_views' gone check, installed by
    AmaConfig.ready)."""
    if Ama.objects.filter(Q(ap_id=object_id) | Q(page_ap_id=object_id), deleted_at__isnull=False).exists():
        return True
    if Answer.objects.filter(ap_id=object_id, deleted_at__isnull=False).exists():
        return True
    if Placement.objects.filter(Q(state=Placement.State.WITHDRAWN) | Q(ama__deleted_at__isnull=False),
                                post_ap_id=object_id).exists():
        return True  # the host's post in a community elsewhere, withdrawn or its AMA deleted
    question = Question.objects.filter(ap_id=object_id)
    return question.exists() and not question.shown().exists()
