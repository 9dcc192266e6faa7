"""GET /api/amas/<slug>/export: the AMA's Q&A as JSON, CSV or Markdown (ama/export.py builds it), chosen by
`?format=json|csv|md` or by the Accept header (application/json, text/csv, text/markdown)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, renderers
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from .. import export
from ..permissions import can_moderate_questions
from .base import ApiMixin, errors
from .permissions import amas_for


class UnknownFormat(exceptions.APIException):
    status_code = 400
    default_detail = "format must be one of: " + ", ".join(export.FORMATS)
    default_code = "unknown_format"


class ExportNegotiation(DefaultContentNegotiation):
    """An unknown ?format= is a 400 that names the formats (DRF's default answers 404)."""

    def filter_renderers(self, renderers, format):
        found = [renderer for renderer in renderers if renderer.format == format]
        if not found:
            raise UnknownFormat()
        return found


class _TextRenderer(renderers.BaseRenderer):
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if not isinstance(data, dict) or "questions" not in data:  # an error: {"detail": reason}
            return (str(data.get("detail", data)) if isinstance(data, dict) else str(data)) + "\n"
        return self.text(data)


class CsvRenderer(_TextRenderer):
    media_type, format = "text/csv", "csv"
    text = staticmethod(export.as_csv)


class MarkdownRenderer(_TextRenderer):
    media_type, format = "text/markdown", "md"
    text = staticmethod(export.as_markdown)


FORMAT = OpenApiParameter("format", OpenApiTypes.STR, OpenApiParameter.QUERY, enum=list(export.FORMATS),
                          description="json (the default), csv (one row per question) or md (an article of the "
                                      "answered questions). The Accept header chooses too.")


class ExportView(ApiMixin, APIView):
    """The whole public Q&A of an AMA: questions, answers, the askers' and answerers' handles, votes and their
    parts, times. Hosts, co-hosts and moderators of the AMA get every question with its moderation state."""

    permission_classes = [AllowAny]
    renderer_classes = [renderers.JSONRenderer, CsvRenderer, MarkdownRenderer]
    content_negotiation_class = ExportNegotiation

    @extend_schema(tags=["amas"], parameters=[FORMAT], responses={
        (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="ama, moderator, "
                                                   "exported_at, questions (each with its answers)."),
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="Columns: " + ", ".join(
            export.CSV_COLUMNS) + "; for moderators also " + ", ".join(export.MODERATION_COLUMNS) + "."),
        (200, "text/markdown"): OpenApiResponse(OpenApiTypes.STR, description="An article."),
        **errors(400, 404)})
    def get(self, request, slug):
        ama = get_object_or_404(amas_for(request.user).select_related("host"), slug=slug)
        data = export.build(ama, moderator=can_moderate_questions(request.user, ama))
        extension = request.accepted_renderer.format
        disposition = f'attachment; filename="{ama.slug}.{extension}"'
        return Response(data, headers={"Content-Disposition": disposition})
