"""The partner portal's list filters. Their choices are the viewer's own cohorts (``cohorts_visible_to``), read once
by the view with their tracks, so a filter never offers, nor accepts, another college's cohort."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from programs.models import Cohort
from students.forms import ListFilterForm
from students.models import Enrollment

STATUS_CHOICES = [("", _("Any status")), *Enrollment.Status.choices]


def _cohort_choices(cohorts: Sequence[Cohort]) -> list[tuple]:
    return [("", _("All cohorts")), *((cohort.pk, f"{cohort.code} · {cohort.title()}") for cohort in cohorts)]


def _track_choices(cohorts: Sequence[Cohort]) -> list[tuple]:
    tracks = {cohort.track_id: cohort.track for cohort in cohorts}
    ordered = sorted(tracks.values(), key=lambda track: track.code)
    return [("", _("All tracks")), *((track.pk, track.name()) for track in ordered)]


class PartnerStudentFilterForm(ListFilterForm):
    """The students list's query string: search, cohort, track, status (of one of the student's enrollments) and
    "at risk only"."""

    FILTERS = ("cohort", "track", "status", "at_risk")
    NARROW = ("status", "at_risk")
    search_placeholder = _("Name (张伟, Zhang Wei, Чжан) or home id")

    cohort = forms.TypedChoiceField(label=_("Cohort"), coerce=int, required=False, empty_value=None)
    track = forms.TypedChoiceField(label=_("Track"), coerce=int, required=False, empty_value=None)
    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    at_risk = forms.ChoiceField(
        label=_("At risk"), choices=[("", _("All students")), ("1", _("At risk only"))], required=False
    )

    def __init__(self, data=None, *args, cohorts: Sequence[Cohort], **kwargs):
        super().__init__(data, *args, **kwargs)
        cast(forms.ChoiceField, self.fields["cohort"]).choices = _cohort_choices(cohorts)
        cast(forms.ChoiceField, self.fields["track"]).choices = _track_choices(cohorts)


class ApplicationFilterForm(ListFilterForm):
    """The applications list's query string: search, status, cohort and intake year."""

    FILTERS = ("status", "cohort", "year")
    NARROW = ("status", "year")
    search_placeholder = _("Name (张伟, Zhang Wei, Чжан) or home id")

    status = forms.ChoiceField(label=_("Status"), choices=STATUS_CHOICES, required=False)
    cohort = forms.TypedChoiceField(label=_("Cohort"), coerce=int, required=False, empty_value=None)
    year = forms.TypedChoiceField(label=_("Intake year"), coerce=int, required=False, empty_value=None)

    def __init__(self, data=None, *args, cohorts: Sequence[Cohort], **kwargs):
        super().__init__(data, *args, **kwargs)
        cast(forms.ChoiceField, self.fields["cohort"]).choices = _cohort_choices(cohorts)
        years = sorted({cohort.start_date.year for cohort in cohorts}, reverse=True)
        cast(forms.ChoiceField, self.fields["year"]).choices = [("", _("Any year")), *((year, year) for year in years)]
