"""The partner REST API's shared parts: authentication by API key, access and scopes, throttling per key,
pagination and the sync filter, one JSON shape for every error, idempotent writes, and the router with the schema
views (``api_urlpatterns``). Each app's ``api/`` package holds its serializers and viewsets; docs/api.md is the
partner's guide and docs/decisions/0011-partner-api-keys-and-scopes.md the why.

The settings name classes of this module, and DRF reads them while ``rest_framework.views`` is being imported: so
this module must not import ``rest_framework.views`` (nor ``generics``, nor drf-spectacular's ``openapi``) at its
top. The schema class lives in ``mobility/api_schema.py`` for that reason.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import functools
import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django_filters import rest_framework as filters
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import JSONParser
from rest_framework.permissions import SAFE_METHODS, BasePermission
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework_api_key.permissions import KeyParser

from .access import is_office_staff, is_staff_key
from .exceptions import DomainError
from .models import IdempotencyRecord, PartnerAPIKey
from .network import client_ip

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
    target_class = "mobility.api.APIKeyAuthentication"
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
        if not is_office_staff(user):
            raise exceptions.PermissionDenied(
                _("The API is for partner systems (API keys) and office staff."), code="not_api_user"
            )
        return True


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


# --- lists ---------------------------------------------------------------------------------------------------------


class ApiPagination(PageNumberPagination):
    """``?page=`` (from 1; past the last page a 404) and ``?page_size=`` (1 to 100; more gives 100): a page size
    that is not a whole number of at least 1 is a 400, not silently the default."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        try:
            size = int(raw)
        except ValueError:
            size = 0
        if size < 1:
            raise exceptions.ValidationError(
                {
                    self.page_size_query_param: [
                        _("Send a whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return min(size, self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            parameter["schema"] = {**parameter["schema"], "minimum": 1}
        return parameters


# A ``+`` of an offset sent unencoded in a query string arrives decoded as a space: ``10:00:00 08:00``.
_OFFSET_AFTER_SPACE = re.compile(r"^(.+[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?) (\d{2}(?::?\d{2})?)$")


class AwareIsoDateTimeField(forms.Field):
    """An ISO 8601 date and time **with** its time zone (``Z`` or an offset; a ``+`` decoded to a space is read as
    ``+``). A time without a zone is refused, not read in the server's zone: a partner's local time would silently
    shift its window by hours."""

    default_error_messages = {
        "invalid": _(
            "Send an ISO 8601 date and time with its time zone, e.g. 2026-09-01T00:00:00Z or "
            "2026-09-01T08:00:00+08:00 (encode + as %%2B)."
        ),
        "naive": _(
            "This time has no time zone. Send ISO 8601 with Z (UTC) or an offset, e.g. 2026-09-01T00:00:00Z or "
            "2026-09-01T08:00:00+08:00 (encode + as %%2B)."
        ),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = _OFFSET_AFTER_SPACE.sub(r"\1+\2", str(value).strip())
        try:
            parsed = parse_datetime(text)
        except ValueError:
            parsed = None
        if parsed is None:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(parsed):
            raise forms.ValidationError(self.error_messages["naive"], code="naive")
        # In UTC: PostgreSQL takes offsets up to ±15:59 only, ISO 8601 up to ±23:59. A time that UTC cannot hold
        # (year 1 east of Greenwich, 9999 west of it) is before or after every row.
        try:
            return parsed.astimezone(datetime.UTC)
        except OverflowError:
            return (datetime.datetime.min if parsed.year == 1 else datetime.datetime.max).replace(tzinfo=datetime.UTC)


class AwareIsoDateTimeFilter(filters.Filter):
    field_class = AwareIsoDateTimeField


MODIFIED_SINCE_HELP = (
    "Only rows modified at or after this time: ISO 8601 with its time zone, Z (UTC) or an offset, e.g. "
    "2026-09-01T00:00:00Z or 2026-09-01T08:00:00+08:00. Encode + as %2B (a + that arrives decoded as a space is "
    "read as +). A time without a time zone is refused with a 400."
)


# The ids' range (``BigAutoField``): a larger number names no row, and the database would refuse it (a 500).
MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.Filter):
    """A related row's id, a whole number from 1: an id the caller cannot see (or that does not exist) filters to
    nothing, like another partner's row, instead of answering 400 "not one of the available choices"."""

    field_class = IdField


# Schema patterns of text: any but NUL (which no database column holds); the same with a character not a space.
ANY_TEXT = r"^[^\u0000]*$"
NOT_BLANK_TEXT = r"^[^\u0000]*[^\s\u0000][^\u0000]*$"


@extend_schema_field({"type": "string", "pattern": ANY_TEXT})
class TextFilter(filters.CharFilter):
    """Free text, matched as sent; a NUL character is refused (a 400, as the schema's pattern says): no database
    column holds one."""


class StrictBooleanField(forms.Field):
    """``true`` or ``false`` (also ``1``/``0``, ``True``/``False``); anything else is an error, not "no filter"."""

    _VALUES = {"true": True, "1": True, "false": False, "0": False}

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, bool):
            return value
        if str(value).lower() not in self._VALUES:
            raise forms.ValidationError(_("Send true or false."), code="invalid")
        return self._VALUES[str(value).lower()]


class StrictBooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # A text input hands the raw value to the field; DRF's boolean widget would turn what it cannot read into
        # "no filter".
        kwargs["widget"] = forms.TextInput
        super().__init__(*args, **kwargs)


class ApiFilterSet(filters.FilterSet):
    """The API's lists' filters: a value that is not what the schema says is a 400, never silently "no filter" (a
    partner's typo would otherwise sync every row). A filter sent empty is refused too, except free text; a foreign
    key filters by id (``IdFilter``), a boolean takes only true or false."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form = super().form
            # On the form's own copies of the fields: the filters' fields are built once and shared.
            for name, field in form.fields.items():
                if self.is_bound and name in self.data and not isinstance(self.filters[name], filters.CharFilter):
                    field.required = True
                    field.error_messages["required"] = _("Send a value, or leave the parameter out.")
        return self._form

    @classmethod
    def filter_for_lookup(cls, field, lookup_type):
        if isinstance(field, models.ForeignKey) and lookup_type == "exact":
            return IdFilter, {}
        if isinstance(field, models.BooleanField) and lookup_type == "exact":
            return StrictBooleanFilter, {}
        if isinstance(field, models.CharField | models.TextField) and not field.choices:
            # An e-mail too: an exact match, not an address to validate (a typo finds none).
            return TextFilter, {}
        return super().filter_for_lookup(field, lookup_type)


class SyncFilterSet(ApiFilterSet):
    """Every list filters on ``modified_since`` (rows changed at or after an ISO 8601 time with its time zone) for
    incremental sync."""

    modified_since = AwareIsoDateTimeFilter(field_name="modified_at", lookup_expr="gte", label=MODIFIED_SINCE_HELP)


@functools.cache
def shared_serializer(serializer_class) -> serializers.Serializer:
    """One instance of a read-only serializer that needs no context, for ``to_representation(obj)`` on hot
    endpoints: instantiating a serializer deep-copies its declared fields, which cost a one-row answer several
    times its ``to_representation``. Its fields hold no per-request state, so threads may share it."""
    return serializer_class()


class ValuesRepresentation:
    """A serializer's representation of ``.values()`` rows, for the hot lists: the same fields, names and output as
    ``serializer_class(instances, many=True).data``, without a model instance per row nor DRF's per-field attribute
    walk. Built once per serializer class (``for_serializer``) from its readable fields, which must be flat: model
    columns and primary-key related fields (``values()`` gives their ids); a dotted source or a method field is
    refused here rather than shown wrong.

    ``rows(page)`` shapes a page of ``queryset.values(*representation.columns)``."""

    def __init__(self, serializer_class, *, exclude: tuple[str, ...] = ()):
        fields = []
        for field in serializer_class()._readable_fields:
            if field.field_name in exclude:
                continue
            if "." in field.source or field.source == "*" or isinstance(field, serializers.SerializerMethodField):
                raise TypeError(f"{serializer_class.__name__}.{field.field_name} is not a column: not flat")
            if isinstance(field, serializers.RelatedField):
                if not isinstance(field, serializers.PrimaryKeyRelatedField) or field.pk_field is not None:
                    raise TypeError(f"{serializer_class.__name__}.{field.field_name}: only plain ids are flat")
                convert = None  # the id, as PrimaryKeyRelatedField shows it
            else:
                convert = field.to_representation
            fields.append((field.field_name, field.source, convert))
        self._fields = tuple(fields)
        self.columns = tuple(source for _name, source, _convert in fields)
        # A DateTimeField without a timezone of its own asks for the current one on every value (through
        # asgiref's Local: most of a page's time); ``rows`` asks once per page and lends it a copy of the field.
        self._zoned = tuple(
            index
            for index, (_name, _source, convert) in enumerate(fields)
            if convert is not None
            and isinstance(convert.__self__, serializers.DateTimeField)
            and not hasattr(convert.__self__, "timezone")
        )

    @classmethod
    @functools.cache
    def for_serializer(cls, serializer_class, *, exclude: tuple[str, ...] = ()) -> ValuesRepresentation:
        # The fields hold no per-request state for flat columns, so one set serves every request.
        return cls(serializer_class, exclude=exclude)

    def rows(self, rows) -> list[dict]:
        fields = self._fields
        if self._zoned:
            current = serializers.DateTimeField().default_timezone()
            zoned: list[tuple[str, str, Any]] = list(fields)  # a zoned column always has its converter
            for index in self._zoned:
                name, column, convert = zoned[index]
                field = copy.copy(convert.__self__)
                field.timezone = current
                zoned[index] = (name, column, field.to_representation)
            fields = tuple(zoned)
        return [
            {
                name: value if (value := row[column]) is None or convert is None else convert(value)
                for name, column, convert in fields
            }
            for row in rows
        ]


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


# --- idempotent writes ---------------------------------------------------------------------------------------------

IDEMPOTENCY_HEADER = "Idempotency-Key"
# A stored response is replayed for this long; after it the key may be used again for another request.
IDEMPOTENCY_TTL = datetime.timedelta(hours=24)
# A claim whose request never finished (the process died) is given up after this long.
IDEMPOTENCY_IN_FLIGHT_TIMEOUT = datetime.timedelta(minutes=5)
_REPLAYED_HEADERS = ("Location",)


def _owner(request) -> str:
    if isinstance(request.auth, PartnerAPIKey):
        return f"api-key:{request.auth.prefix}"
    return f"user:{request.user.pk}"


def _request_hash(request) -> str:
    body = json.dumps(request.data, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(f"{request.method}\n{request.path}\n{body}".encode()).hexdigest()


def _claim(request, key: str, request_hash: str) -> IdempotencyRecord | Response:
    """Our new record for ``key``, or the response to give instead (the stored one, or a 409)."""
    owner = _owner(request)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyRecord.objects.create(
                    owner=owner, key=key, method=request.method, path=request.path, request_hash=request_hash
                )
        except IntegrityError:
            record = IdempotencyRecord.objects.filter(owner=owner, key=key).first()
            if record is None:
                continue  # deleted in between (a failed first request): claim again
        now = timezone.now()
        stale = record.created_at < now - (
            IDEMPOTENCY_TTL if record.status_code is not None else IDEMPOTENCY_IN_FLIGHT_TIMEOUT
        )
        if stale:
            IdempotencyRecord.objects.filter(pk=record.pk, created_at=record.created_at).delete()
            continue
        if record.request_hash != request_hash:
            raise Conflict(
                _("This Idempotency-Key was used for another request; use a new key for a new request."),
                code="idempotency_key_reused",
            )
        if record.status_code is None:
            raise Conflict(
                _("A request with this Idempotency-Key is still being processed; retry later."),
                code="idempotency_in_progress",
            )
        response = Response(record.response_body, status=record.status_code, headers=record.response_headers)
        response["Idempotent-Replayed"] = "true"
        return response
    raise Conflict(_("This Idempotency-Key is being claimed by another request."), code="idempotency_in_progress")


def idempotent(handler):
    """Wrap a write action: with an ``Idempotency-Key`` header, the first request's response (any status below 500)
    is stored and replayed for the same key and body; another body is a 409, and so is a second request while the
    first is still running. Without the header the action runs as usual. The claim is committed before the action
    runs, so a concurrent duplicate sees it; a request that fails with a server error releases its key."""

    @functools.wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None:
            return handler(self, request, *args, **kwargs)
        if not key.strip() or len(key) > 255 or "\x00" in key:  # no database column holds a NUL
            raise exceptions.ValidationError(
                {IDEMPOTENCY_HEADER: [_("Send 1 to 255 characters, e.g. a UUID.")]}, code="invalid"
            )
        claimed = _claim(request, key, _request_hash(request))
        if isinstance(claimed, Response):
            return claimed
        try:
            try:
                response = handler(self, request, *args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - shaped like DRF would, so the outcome can be stored
                response = self.handle_exception(exc)
        except BaseException:
            IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
            raise
        if response.status_code >= 500:
            IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
            return response
        body = json.loads(JSONRenderer().render(response.data)) if response.data is not None else None
        headers = {name: response[name] for name in _REPLAYED_HEADERS if response.has_header(name)}
        IdempotencyRecord.objects.filter(pk=claimed.pk).update(
            status_code=response.status_code, response_body=body, response_headers=headers
        )
        return response

    return wrapper


# --- routes --------------------------------------------------------------------------------------------------------


def is_staff_caller(request) -> bool:
    return is_staff_key(request.auth) or is_office_staff(request.user)


@csrf_exempt
def api_not_found(request, *args, **kwargs):
    """Any other URL under ``/api/``, whatever the method: a JSON 404 in the one error shape, not the site's HTML page
    (and not the CSRF page for a write: no view here acts on a session)."""
    from django.http import JsonResponse

    return JsonResponse(error_body("not_found", _("No API endpoint at this URL.")), status=404)


def api_urlpatterns() -> list:
    """``/api/`` URLs: the v1 router (every app's viewsets and ``mobility.webhooks_api.ROUTES``), ``me/``, and the
    schema with its Swagger UI. Built on demand so that the apps' ``api`` modules may import this module."""
    from django.urls import include, path, re_path
    from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
    from rest_framework.routers import SimpleRouter

    from diplomas.api.views import DiplomaViewSet
    from programs.api.views import CohortViewSet, InstitutionViewSet, ModuleViewSet, TrackViewSet
    from students.api.views import EnrollmentViewSet, ResultViewSet, StudentViewSet

    from . import webhooks_api
    from .api_views import MeView

    router = SimpleRouter()
    router.register("institutions", InstitutionViewSet, basename="institution")
    router.register("tracks", TrackViewSet, basename="track")
    router.register("modules", ModuleViewSet, basename="module")
    router.register("cohorts", CohortViewSet, basename="cohort")
    router.register("students", StudentViewSet, basename="student")
    router.register("enrollments", EnrollmentViewSet, basename="enrollment")
    router.register("results", ResultViewSet, basename="result")
    router.register("diplomas", DiplomaViewSet, basename="diploma")
    for prefix, viewset, basename in webhooks_api.ROUTES:
        router.register(prefix, viewset, basename=basename)

    v1 = [path("me/", MeView.as_view(), name="me"), *router.urls]
    return [
        path("v1/", include(v1)),
        path("schema/", SpectacularAPIView.as_view(), name="schema"),
        # The split view serves Swagger UI's init script from docs/?script, not inline: the Content-Security-Policy
        # allows no inline script (docs/security.md).
        path(
            "docs/",
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="mobility/swagger_ui.html"),
            name="docs",
        ),
        re_path(r"^.*$", api_not_found, name="not-found"),
    ]
