"""REST API routes, mounted at /api/ by ama.urls; the OpenAPI schema and its docs live here too."""

from csp.decorators import csp_replace
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import SimpleRouter

from .answers import AnswerCreateView, AnswerViewSet, VoteView
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

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", api_docs, name="api-docs"),
    path("questions/<int:pk>/answers/", AnswerCreateView.as_view(), name="api-question-answers"),
    path("questions/<int:pk>/vote/", VoteView.as_view(), name="api-question-vote"),
    *router.urls,
]
