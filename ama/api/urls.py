"""REST API routes, mounted at /api/ by ama.urls; the OpenAPI schema and its docs live here too."""

from csp.decorators import csp_replace
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import SimpleRouter

from ..views.caching import api_format, public_view
from . import policy, team
from .answers import AnswerCreateView, AnswerViewSet, VoteView
from .export import ExportView
from .notifications import NotificationPreferencesView
from .placements import PlacementDetailView, PlacementListView
from .reports import AuditViewSet, ReportViewSet
from .views import AmaViewSet, QuestionViewSet

# Redoc from our own static files (drf-spectacular-sidecar). It needs, on this page only, a worker built from a
# blob: URL (its search index) and the style elements it writes at run time; images stay ours (its footer would
# fetch a logo from its maker's CDN). The template's <meta> policy says the same when no header is set.
API_DOCS_POLICY = {"worker-src": ["'self'", "blob:"], "style-src": ["'self'", "'unsafe-inline'"],
                   "img-src": ["'self'", "data:"]}
api_docs = csp_replace(API_DOCS_POLICY)(
    SpectacularRedocView.as_view(url_name="api-schema", template_name="ama/api_docs.html"))

router = SimpleRouter()
router.register("amas", AmaViewSet, basename="api-ama")
router.register(r"amas/(?P<ama_slug>[-a-zA-Z0-9_]+)/questions", QuestionViewSet, basename="api-question")
router.register("answers", AnswerViewSet, basename="api-answer")
router.register("reports", ReportViewSet, basename="api-report")
router.register("audit", AuditViewSet, basename="api-audit")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
    path("questions/<int:pk>/answers/", AnswerCreateView.as_view(), name="api-question-answers"),
    path("questions/<int:pk>/vote/", VoteView.as_view(), name="api-question-vote"),
    path("amas/<slug:slug>/placements/", PlacementListView.as_view(), name="api-placements"),
    path("amas/<slug:slug>/placements/<int:pk>/", PlacementDetailView.as_view(), name="api-placement"),
    # conditional and cached like the pages: the AMA's version is its ETag (ama/views/caching.py)
    path("amas/<slug:slug>/export", public_view(query=("format",), format_of=api_format, vary=(
        "Accept", "Accept-Language", "Cookie", "Authorization"))(ExportView.as_view()), name="api-ama-export"),
    path("amas/<slug:slug>/cohosts/", team.CohostsView.as_view(), name="api-ama-cohosts"),
    path("amas/<slug:slug>/cohosts/<str:account>/", team.CohostView.as_view(), name="api-ama-cohost"),
    path("amas/<slug:slug>/moderators/", team.ModeratorsView.as_view(), name="api-ama-moderators"),
    path("amas/<slug:slug>/moderators/<str:username>/", team.ModeratorView.as_view(), name="api-ama-moderator"),
    path("actors/ban/", policy.BanView.as_view(), name="api-actor-ban"),
    path("actors/unban/", policy.UnbanView.as_view(), name="api-actor-unban"),
    path("actors/mute/", policy.MuteView.as_view(), name="api-actor-mute"),
    path("actors/unmute/", policy.UnmuteView.as_view(), name="api-actor-unmute"),
    path("actors/trust/", policy.TrustView.as_view(), name="api-actor-trust"),
    path("actors/note/", policy.NoteView.as_view(), name="api-actor-note"),
    path("domains/", policy.DomainListView.as_view(), name="api-domains"),
    path("domains/block/", policy.DomainBlockView.as_view(), name="api-domain-block"),
    path("domains/limit/", policy.DomainLimitView.as_view(), name="api-domain-limit"),
    path("domains/unblock/", policy.DomainUnblockView.as_view(), name="api-domain-unblock"),
    path("notifications/", NotificationPreferencesView.as_view(), name="api-notifications"),
    *router.urls,
]
