"""The reports' query strings: the period of the report, and the filters of the list of enrollments behind a figure.

Invalid values are dropped, never an error page: a bookmarked link with a removed college still opens."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from mobility.foundation.forms import BootstrapFormMixin, DateInput, PlainSelect
from programs.models import Cohort, Institution, Track
from students.models import Enrollment

from .figures import Period

# The list of enrollments behind a card or a report cell: ``reached`` counts those that reached a step whatever
# happened later (the report's "admitted" and "enrolled"), ``diploma`` those with an issued diploma, a failed render,
# or none where one is due (the dashboard's card).
REACHED_CHOICES = [("", "—"), ("admitted", _("reached admission")), ("enrolled", _("reached enrollment"))]
DIPLOMA_CHOICES = [
    ("", "—"),
    ("issued", _("diploma issued")),
    ("failed", _("diploma render failed")),
    ("missing", _("eligible without a diploma")),
]
PER_PAGE = 50


class PeriodForm(BootstrapFormMixin, forms.Form):
    """From–to dates of the cohorts' start (the intake), both optional, in the site's calendar."""

    compact = True
    start = forms.DateField(label=_("Intakes from"), required=False, widget=DateInput())
    end = forms.DateField(label=_("Intakes until"), required=False, widget=DateInput())

    def period(self) -> Period:
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            start, end = end, start
        return Period(start=start, end=end)


class EnrollmentFilterForm(PeriodForm):
    year = forms.IntegerField(label=_("Intake year"), required=False, min_value=2000, max_value=2100)
    partner = forms.ModelChoiceField(
        label=_("Sending college"),
        queryset=Institution.objects.filter(kind=Institution.Kind.SENDING).order_by("code"),
        required=False,
        empty_label=_("All institutions"),
        widget=PlainSelect,
    )
    track = forms.ModelChoiceField(
        label=_("Track"),
        queryset=Track.objects.order_by("code"),
        required=False,
        empty_label=_("All tracks"),
        widget=PlainSelect,
    )
    cohort = forms.ModelChoiceField(
        label=_("Cohort"),
        queryset=Cohort.objects.order_by("-start_date", "code"),
        required=False,
        empty_label=_("All cohorts"),
        widget=PlainSelect,
    )
    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("Any status")), *Enrollment.Status.choices],
        required=False,
        widget=PlainSelect,
    )
    reached = forms.ChoiceField(label=_("Reached"), choices=REACHED_CHOICES, required=False, widget=PlainSelect)
    diploma = forms.ChoiceField(label=_("Diploma"), choices=DIPLOMA_CHOICES, required=False, widget=PlainSelect)

    def filters(self) -> dict:
        """The valid filters, for ``enrollment_list``; a bad value is ignored."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        names = ("year", "partner", "track", "cohort", "status", "reached", "diploma")
        filters = {name: data.get(name) for name in names if name not in self.errors and data.get(name)}
        period = self.period()
        if period.start or period.end:
            filters["period"] = period
        return filters
