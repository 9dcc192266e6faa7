"""Discovery and actor endpoints: WebFinger, host-meta, NodeInfo, actors, inboxes, collections."""

from functools import wraps
from urllib.parse import unquote

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from . import handle_aliases, inbox, nodeinfo
from .actors import instance_actor
from .documents import actor_document, ordered_collection
from .models import Actor, Follow, OutboxActivity
from .negotiation import activity_response, json_response, negotiated, wants_activity_json
from .urls_helper import absolute, base_url, local_domain

JRD = "application/jrd+json"


def _local_actor(username: str, actor_type=Actor.Type.PERSON) -> Actor:
    return get_object_or_404(Actor, is_local=True, actor_type=actor_type, username=username)


def webfinger_subject_actor(resource: str) -> Actor | None:
    """The local actor a WebFinger resource names: acct:user@domain (any case, percent-encoded, leading @)
    or an actor URL; the site root names the instance actor."""
    resource = unquote(resource.strip())
    if resource in (base_url(), base_url() + "/"):
        return instance_actor()
    if resource.startswith(("http://", "https://")):
        return Actor.objects.filter(ap_id=resource, is_local=True).first()
    name = resource[5:] if resource.lower().startswith("acct:") else resource
    user, _, domain = name.lstrip("@").rpartition("@")
    if not user or domain.lower() != local_domain().lower():
        return None
    if user.lower() == local_domain().lower():
        return instance_actor()
    candidates = Actor.objects.filter(is_local=True, username__iexact=user).exclude(actor_type=Actor.Type.APPLICATION)
    # a Person and a Group may share a name: the Person is preferred (Lemmy takes the last self link).
    if candidates:
        return sorted(candidates, key=lambda a: a.actor_type == Actor.Type.PERSON, reverse=True)[0]
    return handle_aliases.aliases.actor_named(user)  # another name of an actor (federation/handle_aliases.py)


@require_GET
def webfinger(request):
    resource = request.GET.get("resource", "")
    if not resource:
        return json_response({"error": "resource parameter required"}, status=400)
    actor = webfinger_subject_actor(resource)
    if actor is None:
        return json_response({"error": "no such account here"}, status=404)
    same_name = Actor.objects.filter(is_local=True, username__iexact=actor.username).exclude(
        actor_type=Actor.Type.APPLICATION).order_by("-actor_type") if actor.actor_type != "Application" else [actor]
    links = [{"rel": "self", "type": "application/activity+json", "href": a.ap_id,
              "properties": {"https://www.w3.org/ns/activitystreams#type": a.actor_type}} for a in same_name]
    # the preferred actor's self link goes last (Lemmy takes the last one); Mastodon takes the first that fits
    links.sort(key=lambda link: link["href"] == actor.ap_id)
    links.append({"rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": actor.url or actor.ap_id})
    links.append({"rel": "http://ostatus.org/schema/1.0/subscribe",
                  "template": absolute("/authorize_interaction?uri={uri}")})
    # the subject is always the actor's own name: Mastodon, asked for another name, looks that one up and
    # keeps the account it already knows; Lemmy follows the self link
    other_names = [f"acct:{name}@{local_domain()}" for name in handle_aliases.aliases.names_of(actor)]
    document = {"subject": f"acct:{actor.username}@{local_domain()}", "aliases": [actor.ap_id, *other_names],
                "links": links}
    return json_response(document, content_type=JRD)


@require_GET
def host_meta(request):
    xml = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<XRD xmlns="http://docs.oasis-open.org/ns/xri/xrd-1.0">\n'
           f'  <Link rel="lrdd" template="{absolute("/.well-known/webfinger")}?resource={{uri}}"/>\n</XRD>\n')
    return HttpResponse(xml, content_type="application/xrd+xml")


@require_GET
def nodeinfo_index(request):
    return json_response({"links": [{"rel": nodeinfo.SCHEMA.format(version), "href": absolute(f"/nodeinfo/{version}")}
                                    for version in nodeinfo.VERSIONS]})


@require_GET
def nodeinfo_document(request, version: str):
    if version not in nodeinfo.VERSIONS:
        return json_response({"error": f"NodeInfo {version} is not served; try {', '.join(nodeinfo.VERSIONS)}"},
                             status=404)
    return json_response(nodeinfo.document(version), content_type=(
        f'application/json; profile="{nodeinfo.SCHEMA.format(version)}#"'))


def _actor_page(request, actor: Actor):
    return render(request, "federation/actor.html", {"actor": actor})


@require_GET
def actor_view(request, username):
    actor = _local_actor(username)
    return negotiated(request, lambda: actor_document(actor), lambda: _actor_page(request, actor))


@require_GET
def instance_actor_view(request):
    actor = instance_actor()
    return negotiated(request, lambda: actor_document(actor), lambda: _actor_page(request, actor))


def receive_response(request, via: str):
    receipt = inbox.receive(request, via=via)
    if receipt.status == 202:
        return json_response({"status": receipt.reason}, status=202)
    response = json_response({"error": receipt.reason}, status=receipt.status)
    if receipt.status == 503:
        response["Retry-After"] = str(inbox.BUSY_RETRY_AFTER)
    return response


def inbox_endpoint(view):
    """An inbox: POST only (405 with a JSON reason otherwise), no CSRF (signatures authenticate)."""
    @csrf_exempt
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method != "POST":
            response = json_response({"error": "inboxes accept POST only"}, status=405)
            response["Allow"] = "POST"
            return response
        return view(request, *args, **kwargs)
    wrapper.is_inbox_endpoint = True  # federation.wsgi serves its POSTs outside Django's request cycle
    return wrapper


@inbox_endpoint
def shared_inbox(request):
    return receive_response(request, "/inbox")


@inbox_endpoint
def actor_inbox(request, username):
    if not Actor.objects.filter(is_local=True, username=username).exists():
        return json_response({"error": "no such actor"}, status=404)
    return receive_response(request, request.path)


@inbox_endpoint
def instance_inbox(request):
    return receive_response(request, request.path)


def collection_response(request, document: dict, owner: Actor):
    """A collection: JSON for servers; browsers are sent to its owner's page."""
    if wants_activity_json(request):
        return activity_response(document)
    response = redirect(owner.url or owner.ap_id)
    patch_vary_headers(response, ["Accept"])
    return response


def follow_collection(actor: Actor, collection_id: str, *, followers: bool, page) -> dict:
    if followers:
        rows = Follow.objects.filter(followed=actor, state=Follow.State.ACCEPTED).select_related("follower")
        render_item = lambda follow: follow.follower.ap_id  # noqa: E731
    else:
        rows = Follow.objects.filter(follower=actor, state=Follow.State.ACCEPTED).select_related("followed")
        render_item = lambda follow: follow.followed.ap_id  # noqa: E731
    return ordered_collection(collection_id, rows.order_by("-created_at", "-pk"), render_item, page=page)


@require_GET
def followers_view(request, username):
    actor = _local_actor(username)
    document = follow_collection(actor, actor.followers_url, followers=True, page=request.GET.get("page"))
    return collection_response(request, document, actor)


@require_GET
def following_view(request, username):
    actor = _local_actor(username)
    document = follow_collection(actor, actor.ap_id + "/following", followers=False, page=request.GET.get("page"))
    return collection_response(request, document, actor)


def outbox_collection(actor: Actor, page) -> dict:
    rows = OutboxActivity.objects.filter(actor=actor, public=True).order_by("-created_at", "-pk")
    return ordered_collection(actor.outbox, rows, lambda item: item.body, page=page)


@require_GET
def outbox_view(request, username):
    actor = _local_actor(username)
    return collection_response(request, outbox_collection(actor, request.GET.get("page")), actor)


@require_GET
def instance_outbox(request):
    actor = instance_actor()
    return collection_response(request, outbox_collection(actor, request.GET.get("page")), actor)


@require_GET
def instance_following(request):
    actor = instance_actor()
    document = follow_collection(actor, actor.ap_id + "/following", followers=False, page=request.GET.get("page"))
    return collection_response(request, document, actor)


@require_GET
def instance_featured(request):
    return _featured(request, instance_actor())


@require_GET
def about(request):
    """The instance actor's `url`: the site's front page."""
    return redirect("/")


@require_GET
def featured_view(request, username):
    return _featured(request, _local_actor(username))


def _featured(request, actor: Actor):
    document = ordered_collection(actor.ap_id + "/featured", OutboxActivity.objects.none(), lambda item: item,
                                  page=None)
    return collection_response(request, document, actor)
