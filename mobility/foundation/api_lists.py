"""The API's lists: page pagination, the strict filters (ids, texts, booleans, aware date-times), the sync
filter set, and serializers that read ``values()`` rows (docs/api.md, "Lists")."""

from __future__ import annotations

import copy
import datetime
import functools
import re
from typing import Any

from django import forms
from django.db import models
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.pagination import PageNumberPagination

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
