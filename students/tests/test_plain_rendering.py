"""The list pages' faster drawing writes what the templates wrote: ``PlainSelect`` is ``forms.Select``'s markup
character for character, and the ``status_badge`` filter is the badge ``students/_status_badge.html`` drew."""

import pytest
from django import forms
from django.template import Context, Template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override

from mobility.foundation.forms import PlainSelect
from students.models import Enrollment

CHOICES = [
    ("", gettext_lazy("Any status")),
    *Enrollment.Status.choices,
    ("a&b", 'Tom & "Jerry" <b>'),
    (7, mark_safe("<i>safe</i>")),  # noqa: S308 - a label marked safe is written as it is, by both
]


@pytest.mark.parametrize("value", [None, "", "completed", "a&b", 7, "unknown"])
@pytest.mark.parametrize(
    "attrs", [{}, {"class": "form-select form-select-sm", "id": "id_status"}, {"required": True, "disabled": False}]
)
def test_plain_select_writes_what_djangos_select_writes(value, attrs):
    for language in ("en", "ru", "zh-hans"):
        with override(language):
            expected = forms.Select(attrs=attrs, choices=CHOICES).render("status", value)
            assert PlainSelect(attrs=attrs, choices=CHOICES).render("status", value) == expected


def test_a_select_with_option_groups_is_drawn_by_the_templates():
    choices = [("Open", [("applied", "applied"), ("admitted", "admitted")]), ("", "—")]
    assert PlainSelect(choices=choices).render("status", "admitted") == forms.Select(choices=choices).render(
        "status", "admitted"
    )


@pytest.mark.django_db
def test_the_list_filters_cohort_select_is_what_a_model_choice_field_drew(cohort):
    from students.forms import StudentFilterForm

    field = StudentFilterForm({"cohort": str(cohort.pk)})["cohort"]
    reference = forms.ModelChoiceField(
        queryset=field.field.queryset,
        empty_label=field.field.empty_label,
        widget=forms.Select(attrs=field.field.widget.attrs),
    )
    reference.label_from_instance = lambda c: f"{c.code} · {c.name}"  # type: ignore[method-assign]
    assert str(field) == reference.widget.render("cohort", cohort.pk, attrs={"id": "id_cohort"})
    assert f'<option value="{cohort.pk}" selected>{cohort.code} · {cohort.name}</option>' in str(field)


@pytest.mark.parametrize("status", [*Enrollment.Status.values])
def test_the_status_badge_filter_draws_the_includes_badge(status):
    enrollment = Enrollment(status=status)
    included = Template('{% include "students/_status_badge.html" with e=enrollment %}')
    filtered = Template("{% load mobility_tags %}{{ enrollment|status_badge }}")
    old_include = (
        "<span class=\"badge {% if e.status == 'applied' %}text-bg-secondary{% elif e.status == 'admitted' %}"
        "text-bg-info{% elif e.status == 'enrolled' %}text-bg-primary{% elif e.status == 'completed' %}"
        "text-bg-success{% elif e.status == 'rejected' %}text-bg-light border text-danger{% elif e.status == "
        "'failed' %}text-bg-danger{% else %}text-bg-warning{% endif %}\">{{ e.get_status_display }}</span>"
    )
    for language in ("en", "ru", "zh-hans"):
        with override(language):
            context = Context({"enrollment": enrollment, "e": enrollment})
            expected = Template(old_include).render(context)
            assert filtered.render(context) == expected
            assert included.render(context).strip() == expected


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["partner", "track"])
def test_the_list_filters_college_and_track_selects_are_what_a_model_choice_field_drew(name):
    """Options from ``values_list`` labelled as ``str()`` of the instance labels them: a college with and without a
    short name, tracks named in one, two or three languages; selected or not; in the three languages."""
    from programs.tests.factories import InstitutionFactory, TrackFactory
    from students.forms import StudentFilterForm

    InstitutionFactory(code="A1", short_name="", name_en="<College> & Co")
    chosen = InstitutionFactory(code="A2", short_name="CQ", name_en="Chongqing")
    TrackFactory(code="T1", name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    TrackFactory(code="T2", name_en="", name_ru="Только по-русски", name_zh="")
    track = TrackFactory(code="T3", name_en="English only", name_ru="", name_zh="")
    for value in ("", str(chosen.pk if name == "partner" else track.pk)):
        for language in ("en", "ru", "zh-hans"):
            with override(language):
                field = StudentFilterForm({name: value})[name]
                reference = forms.ModelChoiceField(
                    queryset=field.field.queryset,
                    empty_label=field.field.empty_label,
                    widget=forms.Select(attrs=field.field.widget.attrs),
                )
                assert str(field) == reference.widget.render(name, value or None, attrs={"id": f"id_{name}"})
                assert str(field).count("<option") == field.field.queryset.count() + 1
