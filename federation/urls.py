from django.urls import path

from . import avatar_views, views

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/host-meta", views.host_meta, name="host-meta"),
    path(".well-known/nodeinfo", views.nodeinfo_index, name="nodeinfo-index"),
    path("nodeinfo/<str:version>", views.nodeinfo_document, name="nodeinfo"),
    path("inbox", views.shared_inbox, name="shared-inbox"),
    path("actor", views.instance_actor_view, name="instance-actor"),
    path("actor/inbox", views.instance_inbox, name="instance-inbox"),
    path("actor/outbox", views.instance_outbox, name="instance-outbox"),
    path("actor/following", views.instance_following, name="instance-following"),
    path("actor/featured", views.instance_featured, name="instance-featured"),
    path("about", views.about, name="about"),
    path("media/avatars/<str:name>", avatar_views.avatar_file, name="avatar-file"),
    path("users/<str:username>", views.actor_view, name="actor"),
    path("users/<str:username>/inbox", views.actor_inbox, name="actor-inbox"),
    path("users/<str:username>/outbox", views.outbox_view, name="actor-outbox"),
    path("users/<str:username>/followers", views.followers_view, name="actor-followers"),
    path("users/<str:username>/following", views.following_view, name="actor-following"),
    path("users/<str:username>/featured", views.featured_view, name="actor-featured"),
]

# Activities at their ids: federation/activity_views.py
from . import activity_views  # noqa: E402

urlpatterns += [
    path("activities/<uuid:activity_uuid>", activity_views.activity_view, name="activity"),
    path("activities/<uuid:activity_uuid>/announce", activity_views.activity_view, name="activity-announce"),
    path("notes/<uuid:note_uuid>/activity", activity_views.activity_view, name="note-activity"),
    path("notes/<uuid:note_uuid>/delete", activity_views.activity_view, name="note-delete"),
]

# Group actors (FEP-1b12 communities): federation/group_views.py
from . import group_views  # noqa: E402

urlpatterns += [
    path("c/<str:username>", group_views.group_view, name="group"),
    path("c/<str:username>/inbox", group_views.group_inbox, name="group-inbox"),
    path("c/<str:username>/outbox", group_views.group_outbox, name="group-outbox"),
    path("c/<str:username>/followers", group_views.group_followers, name="group-followers"),
    path("c/<str:username>/following", group_views.group_following, name="group-following"),
    path("c/<str:username>/moderators", group_views.group_moderators, name="group-moderators"),
    path("c/<str:username>/featured", group_views.group_featured, name="group-featured"),
    path("c/<str:username>/objects/<str:key>", group_views.group_object, name="group-object"),
]

# Notes posted by local actors (federation.social): federation/social_views.py
from . import social_views  # noqa: E402

urlpatterns += [
    path("notes/<uuid:note_uuid>", social_views.note_view, name="note"),
]
