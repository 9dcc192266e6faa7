"""What every API view shares: authentication order, error mapping, pagination, documented errors."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.pagination import LimitOffsetPagination

from ..permissions import NotAllowed
from ..services import ServiceError
from .authentication import ThrottledTokenAuthentication
from .serializers import ErrorSerializer


class Refused(exceptions.APIException):
    status_code = 400
    default_detail = "this request cannot be carried out"
    default_code = "refused"


class ApiMixin:
    """Token first, so an anonymous write answers 401 with `WWW-Authenticate: Token`. A ServiceError
    becomes 400 {"detail": reason}; NotAllowed becomes 403."""

    authentication_classes = [ThrottledTokenAuthentication, SessionAuthentication]

    def handle_exception(self, exc):
        if isinstance(exc, ServiceError):
            exc = Refused(str(exc))
        elif isinstance(exc, NotAllowed):
            exc = exceptions.PermissionDenied(str(exc))
        return super().handle_exception(exc)


class ApiPagination(LimitOffsetPagination):
    max_limit = 200
    max_offset = 10**9

    def get_offset(self, request):
        return min(super().get_offset(request), self.max_offset)


_ERRORS = {
    400: OpenApiResponse(OpenApiTypes.OBJECT, description='Bad input: {"detail": reason} or {field: [reasons]}.'),
    401: OpenApiResponse(ErrorSerializer, description="Not signed in."),
    403: OpenApiResponse(ErrorSerializer, description="Signed in, but not allowed."),
    404: OpenApiResponse(ErrorSerializer, description="No such object, or not visible to you."),
}


def errors(*codes: int) -> dict:
    return {code: _ERRORS[code] for code in codes}
