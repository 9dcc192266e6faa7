"""REST API routes, mounted at /api/ by ama.urls; the OpenAPI schema and its docs live here too."""

from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView
from rest_framework.routers import SimpleRouter

from .api.answers import AnswerCreateView, AnswerViewSet, VoteView
from .api.views import AmaViewSet, QuestionViewSet

router = SimpleRouter()
router.register("amas", AmaViewSet, basename="api-ama")
router.register(r"amas/(?P<ama_slug>[-a-zA-Z0-9_]+)/questions", QuestionViewSet, basename="api-question")
router.register("answers", AnswerViewSet, basename="api-answer")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-docs"),
    path("questions/<int:pk>/answers/", AnswerCreateView.as_view(), name="api-question-answers"),
    path("questions/<int:pk>/vote/", VoteView.as_view(), name="api-question-vote"),
    *router.urls,
]
