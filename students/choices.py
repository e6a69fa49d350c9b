"""Model choice fields of the staff forms whose options come from ``values_list``: no model instance per option and no
server-side cursor (``ModelChoiceIterator`` reads its queryset with ``iterator()``: three round trips each on
PostgreSQL), labelled as the model field's own label (``students/tests/test_plain_rendering.py`` compares them)."""

from __future__ import annotations

from django import forms
from django.forms.models import ModelChoiceIterator

from mobility.foundation.forms import PlainSelect
from mobility.foundation.languages import NAME_LANGUAGES, in_language
from programs.models import Cohort


class _CohortChoiceIterator(ModelChoiceIterator):
    """The cohorts' options from their id, code and name (``values_list``): no model instance per option."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, code, name in self.queryset.values_list("pk", "code", "name"):
            yield (pk, cohort_label(code, name))


def cohort_label(code: str, name: str) -> str:
    return f"{code} · {name}"


class CohortChoiceField(forms.ModelChoiceField):
    iterator = _CohortChoiceIterator
    widget = PlainSelect

    def label_from_instance(self, cohort: Cohort) -> str:
        return cohort_label(cohort.code, cohort.name)


class _InstitutionChoiceIterator(ModelChoiceIterator):
    """The institutions' options labelled as ``str(institution)`` labels them, from ``values_list``: no model
    instance and no server-side cursor (``ModelChoiceIterator`` reads the queryset with ``iterator()``)."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, short_name, name_en in self.queryset.values_list("pk", "short_name", "name_en"):
            yield (pk, short_name or name_en)


class _TrackChoiceIterator(ModelChoiceIterator):
    """The tracks' options labelled as ``str(track)`` labels them (the name in the active language, by
    ``in_language``'s fallbacks), from ``values_list``."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, *names in self.queryset.values_list("pk", *(f"name_{key}" for key in NAME_LANGUAGES)):
            yield (pk, in_language(dict(zip(NAME_LANGUAGES, names, strict=True))))


class InstitutionChoiceField(forms.ModelChoiceField):
    iterator = _InstitutionChoiceIterator
    widget = PlainSelect


class TrackChoiceField(forms.ModelChoiceField):
    iterator = _TrackChoiceIterator
    widget = PlainSelect
