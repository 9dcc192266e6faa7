from django.urls import path

from . import views

urlpatterns = [
    path(".well-known/webfinger", views.webfinger, name="webfinger"),
    path(".well-known/host-meta", views.host_meta, name="host-meta"),
    path(".well-known/nodeinfo", views.nodeinfo_index, name="nodeinfo-index"),
    path("nodeinfo/2.1", views.nodeinfo_document, name="nodeinfo"),
    path("inbox", views.shared_inbox, name="shared-inbox"),
    path("actor", views.instance_actor_view, name="instance-actor"),
    path("actor/inbox", views.instance_inbox, name="instance-inbox"),
    path("users/<str:username>", views.actor_view, name="actor"),
    path("users/<str:username>/inbox", views.actor_inbox, name="actor-inbox"),
    path("users/<str:username>/outbox", views.outbox_view, name="actor-outbox"),
    path("users/<str:username>/followers", views.followers_view, name="actor-followers"),
    path("users/<str:username>/following", views.following_view, name="actor-following"),
    path("users/<str:username>/featured", views.featured_view, name="actor-featured"),
    path("activities/<uuid:activity_uuid>", views.activity_view, name="activity"),
]
