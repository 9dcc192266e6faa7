"""Activities we published, served at their ids: AS2 JSON for servers, a short page for browsers,
Vary: Accept always.

An activity is found by its id among the public rows of our outbox, or inside the Announce whose id is its
own followed by EMBEDDED_SUFFIX (a community moderator's activity travels only inside the Group's Announce).
An activity that shows something deleted since answers 410 with a Tombstone; the app that owns the objects
says which are gone through `provide_gone_check`. Activities addressed to one person are not served."""

from collections.abc import Callable

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET

from .activities import AS_CONTEXT, id_of, type_of
from .models import OutboxActivity
from .negotiation import activity_response, wants_activity_json
from .urls_helper import absolute

EMBEDDED_SUFFIX = "/announce"
SHOWING = {"Create", "Update", "Announce"}  # activities that show their object (a Delete or Undo shows none)
GONE_CHECKS: list[Callable[[str], bool]] = []


def provide_gone_check(check: Callable[[str], bool]) -> None:
    """`check(object_id)` is True when the object was deleted or withdrawn here (called once at start)."""
    if check not in GONE_CHECKS:
        GONE_CHECKS.append(check)


def embedded_announce_id(inner_id: str) -> str:
    """The id of the Announce that carries our activity `inner_id`, which is stored nowhere else."""
    return inner_id + EMBEDDED_SUFFIX


def stored_activity(ap_id: str) -> dict | None:
    row = OutboxActivity.objects.filter(ap_id=ap_id, public=True).first()
    if row is not None:
        return row.body
    carrier = OutboxActivity.objects.filter(ap_id=embedded_announce_id(ap_id), public=True).first()
    inner = carrier.body.get("object") if carrier is not None else None
    if isinstance(inner, dict) and inner.get("id") == ap_id:
        return {"@context": carrier.body.get("@context", AS_CONTEXT), **inner}
    return None


def shown_objects(document: dict) -> list[str]:
    """The ids of what the activity shows: its object, and that of an activity it announces."""
    if type_of(document) not in SHOWING:
        return []
    inner = document.get("object")
    found = [id_of(inner)]
    if isinstance(inner, dict) and type_of(inner) in SHOWING:
        found.append(id_of(inner.get("object")))
    return [object_id for object_id in found if object_id]


def note_deleted(object_id: str) -> bool:
    """A note a local actor deleted (federation.social names its Delete `<note id>/delete`)."""
    return OutboxActivity.objects.filter(ap_id=object_id + "/delete", activity_type="Delete").exists()


def is_gone(document: dict) -> bool:
    checks = [note_deleted, *GONE_CHECKS]
    return any(check(object_id) for object_id in shown_objects(document) for check in checks)


def activity_tombstone(ap_id: str, former_type: str) -> dict:
    return {"@context": AS_CONTEXT, "id": ap_id, "type": "Tombstone", "formerType": former_type,
            "deleted": timezone.now().strftime("%Y-%m-%dT%H:%M:%SZ")}


def serve_activity(request, document: dict, *, status: int = 200):
    """The activity as JSON for servers, or a page naming who did what to which object."""
    if wants_activity_json(request):
        return activity_response(document, status=status)
    links = [link for link in (id_of(document.get("actor")), *shown_objects(document))
             if link and link.startswith(("https://", "http://"))]
    response = render(request, "federation/activity.html",
                      {"document": document, "kind": type_of(document), "links": links}, status=status)
    patch_vary_headers(response, ["Accept"])
    return response


@require_GET
def activity_view(request, **kwargs):
    """Any activity id under /activities/ and /notes/ (url kwargs are not needed: the id is the URL)."""
    ap_id = absolute(request.path)
    document = stored_activity(ap_id)
    if document is None:
        raise Http404("no such public activity")
    if is_gone(document):
        return serve_activity(request, activity_tombstone(ap_id, type_of(document)), status=410)
    return serve_activity(request, document)
