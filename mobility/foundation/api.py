"""The partner REST API's shared parts: authentication by API key, access and scopes, throttling per key,
pagination and the sync filter, one JSON shape for every error, idempotent writes, and the router with the schema
views (``api_urlpatterns``). Each app's ``api/`` package holds its serializers and viewsets; docs/api.md is the
partner's guide and docs/decisions/0011-partner-api-keys-and-scopes.md the why.

The settings name classes of this module, and DRF reads them while ``rest_framework.views`` is being imported: so
this module must not import ``rest_framework.views`` (nor ``generics``, nor drf-spectacular's ``openapi``) at its
top. The schema class lives in ``mobility/foundation/api_schema.py`` for that reason.
"""

from __future__ import annotations

import contextlib
import datetime
from collections.abc import Mapping

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.permissions import KeyParser

from mobility.foundation.access import is_office_staff, is_staff_key, partner_can_write, partner_institution_id
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import PartnerAPIKey
from mobility.foundation.network import client_ip

# --- who calls -----------------------------------------------------------------------------------------------------

# ``last_used_at`` is written at most this often per key: a write per request would cost a row lock and a WAL
# record on every read of a busy partner.
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


class APIKeyAuthentication(BaseAuthentication):
    """``Authorization: Api-Key <prefix>.<secret>``: one query (the key by its prefix, with its institution).

    A request with a key is authenticated as the key: ``request.user`` stays anonymous and ``request.auth`` is the
    ``PartnerAPIKey``, which ``api_viewer`` hands to the selectors and services (the audit log's actor). An
    unknown, wrong, revoked or expired key is a 401 with its own error code.
    """

    key_parser = KeyParser()

    def authenticate(self, request):
        raw = self.key_parser.get_from_authorization(request)
        if raw is None:
            return None
        prefix, dot, _secret = raw.strip().partition(".")
        key = None
        if dot and prefix:
            # ``get`` (the prefix is unique), not ``first``: no ORDER BY over the join with the institution.
            with contextlib.suppress(PartnerAPIKey.DoesNotExist):
                key = PartnerAPIKey.objects.select_related("institution").get(prefix=prefix)
        if key is None or not PartnerAPIKey.objects.key_generator.verify(raw.strip(), key.hashed_key):
            raise exceptions.AuthenticationFailed(_("The API key is not valid."), code="invalid_api_key")
        if key.revoked:
            raise exceptions.AuthenticationFailed(_("The API key has been revoked."), code="api_key_revoked")
        if key.has_expired:
            raise exceptions.AuthenticationFailed(
                _("The API key expired on %(date)s.") % {"date": key.expiry_date.isoformat()},
                code="api_key_expired",
            )
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at >= LAST_USED_PRECISION:
            PartnerAPIKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        from django.contrib.auth.models import AnonymousUser

        return AnonymousUser(), key

    def authenticate_header(self, request):
        # Makes DRF answer 401 (not 403) to a request without credentials.
        return 'Api-Key realm="api"'


class APIKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "mobility.foundation.api.APIKeyAuthentication"
    name = "ApiKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": 'The key of your institution, sent as "Api-Key <key>".',
        }


def api_viewer(request):
    """The viewer the selectors and services get: the partner's key, or the session's user."""
    return request.auth if isinstance(request.auth, PartnerAPIKey) else request.user


class ApiAccess(BasePermission):
    """Partner keys (read scope for reads, write scope for writes), staff keys with the same scopes, and office
    staff in a session. Other logged-in people (students) are refused, and anonymous callers asked to log in."""

    def has_permission(self, request, view):
        key = request.auth if isinstance(request.auth, PartnerAPIKey) else None
        if key is not None:
            scope = PartnerAPIKey.Scope.READ if request.method in SAFE_METHODS else PartnerAPIKey.Scope.WRITE
            if not key.has_scope(scope):
                raise exceptions.PermissionDenied(
                    _("This API key does not have the %(scope)s scope.") % {"scope": scope}, code="insufficient_scope"
                )
            return True
        user = request.user
        if not (user and user.is_authenticated):
            raise exceptions.NotAuthenticated()
        if is_office_staff(user):
            return True
        # A partner coordinator's session uses the API as its college's key would, with both scopes; an observer's
        # with the read scope only.
        if partner_institution_id(user) is not None:
            if request.method not in SAFE_METHODS and not partner_can_write(user):
                raise exceptions.PermissionDenied(
                    _("A partner observer reads only: this needs a coordinator."), code="insufficient_scope"
                )
            return True
        raise exceptions.PermissionDenied(
            _("The API is for partner systems (API keys), partner coordinators and office staff."),
            code="not_api_user",
        )


class ApiRateThrottle(SimpleRateThrottle):
    """Requests per API key (per user for staff sessions), ``API_RATE_LIMIT`` (e.g. ``1200/minute``); beyond it a
    429 with ``Retry-After``. Counted in the ``default`` cache: per process unless a shared cache is configured."""

    scope = "api"

    def get_rate(self):
        return settings.API_RATE_LIMIT

    def get_cache_key(self, request, view):
        if isinstance(request.auth, PartnerAPIKey):
            ident = f"key:{request.auth.prefix}"
        elif request.user and request.user.is_authenticated:
            ident = f"user:{request.user.pk}"
        else:
            ident = f"ip:{self.get_ident(request)}"
        return f"throttle_{self.scope}_{ident}"

    def get_ident(self, request):
        # The address every per-client limit uses (TRUSTED_PROXIES), not DRF's, which believes any X-Forwarded-For.
        return client_ip(request)


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in a request body, looked up only among the rows the caller may see (``selector(viewer=...)``, the
    serializer's ``context["viewer"]``): another partner's row answers "object does not exist", like a missing one.
    ``queryset`` only names the model for the schema; the rows come from the selector."""

    def __init__(self, *, selector, **kwargs):
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self):
        return self.selector(viewer=self.context["viewer"])


class JSONTypesMixin:
    """A write serializer's fields take the JSON type the schema names, not what DRF would coerce into it: a string
    for a text field (DRF takes ``0`` as ``"0"``), ``true``/``false`` for a boolean (DRF takes 1, "yes", "on"), a
    whole number for an integer or an id (DRF takes ``"5"`` and ``5.0``). Put it before the serializer base class."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            errors = {}
            for field in self._writable_fields:
                value = data.get(field.field_name)
                wrong = None if value is None else _wrong_json_type(field, value)
                if wrong:
                    errors[field.field_name] = [wrong]
            if errors:
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)


def _wrong_json_type(field, value):
    """What to send instead of ``value`` for ``field``; None when it has the field's JSON type."""
    if isinstance(field, serializers.BooleanField):
        return None if isinstance(value, bool) else _("Send true or false.")
    if isinstance(field, serializers.CharField):
        return None if isinstance(value, str) else _("Send a string.")
    if isinstance(field, serializers.IntegerField | serializers.PrimaryKeyRelatedField):
        return None if isinstance(value, int) and not isinstance(value, bool) else _("Send a whole number.")
    return None


# --- request bodies ------------------------------------------------------------------------------------------------

# Deeper than this, a body is refused: no field of the API nests more than three levels, and a body a thousand levels
# deep would exhaust the interpreter's recursion limit in the parser or wherever it is walked next (a 500).
MAX_JSON_DEPTH = 32


def _json_depth(data) -> int:
    """How deep ``data`` nests, walked without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        value, depth = stack.pop()
        deepest = max(deepest, depth)
        if isinstance(value, dict):
            stack.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            stack.extend((item, depth + 1) for item in value)
    return deepest


class ApiJSONParser(JSONParser):
    """The API's only parser (``DEFAULT_PARSER_CLASSES``): request bodies are JSON, and the schema says so, since
    DRF's form and multipart parsers would also declare every body as form and multipart (which generated clients
    cannot all handle) and no endpoint takes a file. A body nested too deeply is a 400 parse error, not a
    ``RecursionError`` (a 500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
        else:
            if _json_depth(data) <= MAX_JSON_DEPTH:
                return data
        raise exceptions.ParseError(
            _("JSON parse error - the body nests deeper than %(depth)d levels.") % {"depth": MAX_JSON_DEPTH}
        )


class ApiContentNegotiation(DefaultContentNegotiation):
    """DRF's negotiation, with ``?format=`` either one of the endpoint's formats or left out: sent empty it is a 404,
    like an unknown format, not silently the default one."""

    def select_renderer(self, request, renderers, format_suffix=None):
        name = self.settings.URL_FORMAT_OVERRIDE
        if format_suffix is None and name and name in request.query_params and not request.query_params[name]:
            raise Http404
        return super().select_renderer(request, renderers, format_suffix)


# --- errors --------------------------------------------------------------------------------------------------------


class ErrorSerializer(serializers.Serializer):
    """The one shape of every error response."""

    code = serializers.CharField(help_text="Stable, for machines: validation_error, not_found, …")
    message = serializers.CharField(help_text="For people, in the Accept-Language (en, ru, zh-Hans; default en).")
    # A field named "fields": DRF's metaclass takes declared fields out of the class, so Serializer.fields stays.
    fields = serializers.DictField(  # type: ignore[assignment]
        child=serializers.ListField(child=serializers.CharField()),
        help_text="Field name → messages, for validation errors; empty otherwise.",
    )
    details = serializers.DictField(help_text="Structured context (e.g. missing modules, seconds to wait).")


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = _("The request conflicts with another one.")


def _messages(detail) -> list[str]:
    if isinstance(detail, dict):
        return [f"{key}: {message}" for key, value in detail.items() for message in _messages(value)]
    if isinstance(detail, list):
        return [message for item in detail for message in _messages(item)]
    return [str(detail)]


def _field_messages(detail) -> dict[str, list]:
    """DRF's validation detail as ``{field: [messages]}``; nested errors keep their nesting under the field."""
    if not isinstance(detail, dict):
        return {"non_field_errors": _messages(detail)}
    return {
        str(field): [str(item) for item in value] if isinstance(value, list) else _messages(value)
        for field, value in detail.items()
    }


def error_body(code: str, message: str, *, fields: dict | None = None, details: dict | None = None) -> dict:
    return {"code": code, "message": str(message), "fields": fields or {}, "details": details or {}}


def request_too_large_body(limit: int) -> dict:
    """The 413 of a body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``, stating the limit."""
    message = _("The request body is larger than the limit of %(megabytes)s MB (%(bytes)d bytes).") % {
        "megabytes": f"{limit / (1024 * 1024):g}",
        "bytes": limit,
    }
    return error_body("request_too_large", message, details={"max_bytes": limit})


def exception_handler(exc, context):
    """Every error as ``{"code", "message", "fields", "details"}`` (docs/api.md#errors).

    Refusals of the services (``DomainError``) and Django's ``ValidationError`` are 400s with the field they name.
    A body over the limit is a 413 stating it, and Django's other refusals of a request (``SuspiciousOperation``)
    a 400, where Django alone would answer its HTML page.
    """
    if isinstance(exc, RequestDataTooBig):
        return Response(request_too_large_body(settings.DATA_UPLOAD_MAX_MEMORY_SIZE), status=413)
    if isinstance(exc, SuspiciousOperation):
        return Response(error_body("bad_request", _("The request could not be read.")), status=400)
    if isinstance(exc, DomainError):
        fields = {exc.field: [exc.message]} if exc.field else {}
        return Response(error_body(exc.code, exc.message, fields=fields, details=exc.details), status=400)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        return Response(error_body("validation_error", "; ".join(exc.messages), fields=fields), status=400)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    from rest_framework.views import exception_handler as drf_exception_handler  # imports the settings naming us

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = _field_messages(exc.detail)
        if list(fields) == ["non_field_errors"]:
            message = " ".join(fields["non_field_errors"])
        else:
            message = _("The request has invalid fields: %(fields)s.") % {"fields": ", ".join(fields)}
        response.data = error_body("validation_error", message, fields=fields)
        return response
    codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    code = codes if isinstance(codes, str) else "error"
    details = {}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        details["retry_after"] = int(exc.wait) + (0 if float(exc.wait).is_integer() else 1)
    response.data = error_body(code, " ".join(_messages(exc.detail)), details=details)
    return response


# --- routes --------------------------------------------------------------------------------------------------------


def is_staff_caller(request) -> bool:
    return is_staff_key(request.auth) or is_office_staff(request.user)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any other URL under ``/api/``, whatever the method: a JSON 404 in the one error shape, not the site's HTML page
    (and not the CSRF page for a write: no view here acts on a session)."""
    from django.http import JsonResponse

    return JsonResponse(error_body("not_found", _("No API endpoint at this URL.")), status=404)
