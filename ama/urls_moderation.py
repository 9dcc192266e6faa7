"""Public moderation pages (mounted by ama.urls)."""

from django.urls import path

from . import views_moderation

urlpatterns = [
    path("amas/<slug:slug>/moderation", views_moderation.moderation_log, name="ama-moderation-log"),
    path("questions/<int:pk>/report", views_moderation.report_question, name="question-report"),
]
