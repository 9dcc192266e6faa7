from django.urls import include, path

from . import views
from .feeds import AnsweredQuestionsAtom, AnsweredQuestionsRss, HostAmasAtom
from .live import views as live_views
from .views import activities, authorize, dashboard_ama, embed, moderation, placements, stage
from .views.caching import public_view

urlpatterns = [
    # REST API (ama/api/urls.py)
    path("api/", include("ama.api.urls")),
    # public moderation pages (ama/views/moderation.py)
    path("amas/<slug:slug>/moderation", moderation.moderation_log, name="ama-moderation-log"),
    path("questions/<int:pk>/report", moderation.report_question, name="question-report"),
    path("", views.home, name="home"),
    path("authorize_interaction", authorize.authorize_interaction, name="authorize-interaction"),
    path("amas/<slug:slug>", views.ama_page, name="ama"),
    path("amas/<slug:slug>/ask", views.ask, name="ama-ask"),
    # sharing (ama/sharing.py): feeds, the embeddable widget, oEmbed
    path("amas/<slug:slug>/feed.rss", public_view(query=())(AnsweredQuestionsRss()), name="ama-feed-rss"),
    path("amas/<slug:slug>/feed.atom", public_view(query=())(AnsweredQuestionsAtom()), name="ama-feed-atom"),
    path("hosts/<str:username>/amas.atom", HostAmasAtom(), name="host-feed-atom"),
    path("amas/<slug:slug>/embed", embed.embed, name="ama-embed"),
    path("oembed", embed.oembed, name="oembed"),
    # live events; under gunicorn config/asgi.py serves these paths on its event loop (ama/live/asgi.py)
    path("amas/<slug:slug>/events", live_views.public_events, name="ama-events"),
    path("dashboard/<slug:slug>/events", live_views.moderator_events, name="dashboard-events"),
    path("amas/<slug:slug>/stage", stage.stage, name="ama-stage"),
    path("amas/<slug:slug>/qr.svg", stage.qr, name="ama-qr"),
    path("amas/<slug:slug>/replies", views.replies, name="ama-replies"),
    path("amas/<slug:slug>/context", views.context, name="ama-context"),
    path("amas/<slug:slug>/questions/<int:pk>", views.question_page, name="question"),
    path("amas/<slug:slug>/questions/<int:pk>/vote", views.vote, name="question-vote"),
    path("amas/<slug:slug>/questions/<int:pk>/vote-from-account", views.vote_from_account,
         name="question-vote-from-account"),
    path("amas/<slug:slug>/answers/<str:token>", views.answer_page, name="answer"),
    path("amas/<slug:slug>/activity", activities.ama_activity, name="ama-activity"),
    path("amas/<slug:slug>/answers/<str:token>/activity", activities.answer_activity, {"kind": "create"},
         name="answer-activity"),
    path("amas/<slug:slug>/answers/<str:token>/announce", activities.answer_activity, {"kind": "announce"},
         name="answer-announce"),
    path("amas/<slug:slug>/authorizations/<int:pk>", views.authorization, name="authorization"),
    path("amas/<slug:slug>/placements/<int:pk>", placements.post, name="placement-post"),
    path("amas/<slug:slug>/placements/<int:pk>/activity", placements.post_create, name="placement-post-create"),
    path("dashboard/", views.index, name="dashboard"),
    path("dashboard/<slug:slug>/", views.ama_dashboard, name="dashboard-ama"),
    path("dashboard/<slug:slug>/open", views.ama_switch, {"action": "open"}, name="dashboard-open"),
    path("dashboard/<slug:slug>/close", dashboard_ama.close, name="dashboard-close"),
    path("dashboard/<slug:slug>/reopen", dashboard_ama.reopen, name="dashboard-reopen"),
    path("dashboard/<slug:slug>/edit/", dashboard_ama.ama_edit, name="dashboard-edit"),
    path("dashboard/<slug:slug>/team/", dashboard_ama.team, name="dashboard-team"),
    path("dashboard/<slug:slug>/team/cohosts/add", dashboard_ama.cohost_add, name="dashboard-cohost-add"),
    path("dashboard/<slug:slug>/team/cohosts/remove", dashboard_ama.cohost_remove, name="dashboard-cohost-remove"),
    path("dashboard/<slug:slug>/team/moderators/add", dashboard_ama.moderator_add, name="dashboard-moderator-add"),
    path("dashboard/<slug:slug>/team/moderators/remove", dashboard_ama.moderator_remove,
         name="dashboard-moderator-remove"),
    path("dashboard/<slug:slug>/placements", placements.placement_add, name="dashboard-placement-add"),
    path("dashboard/<slug:slug>/questions/<int:pk>/approve", views.moderate, {"action": "approve"},
         name="dashboard-approve"),
    path("dashboard/<slug:slug>/questions/<int:pk>/reject", views.moderate, {"action": "reject"},
         name="dashboard-reject"),
    *[path(f"dashboard/<slug:slug>/questions/<int:pk>/{action}", views.moderate, {"action": action},
           name=f"dashboard-{action}") for action in ("star", "unstar", "now", "not-now")],
    path("dashboard/<slug:slug>/questions/<int:pk>/answer/", views.answer, name="dashboard-answer"),
    path("dashboard/<slug:slug>/answers/<int:pk>/edit/", views.answer_edit, name="dashboard-answer-edit"),
    path("dashboard/<slug:slug>/answers/<int:pk>/delete", views.answer_delete, name="dashboard-answer-delete"),
]
