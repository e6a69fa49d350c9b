"""Bench-only root URLconf: the product's URLs plus the floors of the staff-page benchmarks (``bench/staff.py``,
``bench/reports.py``).

A floor is the bare Django view of a page: the same middleware, session, user, office-group and permission checks
(``StaffRequiredMixin`` with ``students.view_student``), the same page chrome (``base.html`` with its context
processors) and the same table markup with the same number of rows, read by one plain ``values()`` query per table
and written as plain values: no filter form, no count or pagination, no per-row ``{% include %}``, ``{% url %}`` or
translation. The page's own cost over the floor is what its features (filters, flags, links, scoping) cost.

Never part of the product: the bench's server sets ``ROOT_URLCONF`` to this module in its own process.
"""

from __future__ import annotations

from itertools import groupby
from pathlib import Path

from django.db.models import Subquery
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path
from django.views import View

from mobility.foundation.views import StaffRequiredMixin, url_with_id

# The floors' templates (bench/floor_templates/): the pages' markup without their extras, compiled once (as the
# cached loader would).
TEMPLATES = Path(__file__).resolve().parent / "floor_templates"


_compiled: dict[str, object] = {}


def _template(name: str):
    if name not in _compiled:
        _compiled[name] = engines["django"].from_string((TEMPLATES / name).read_text(encoding="utf-8"))
    return _compiled[name]


class StudentsFloorView(StaffRequiredMixin, View):
    """The students list's floor: the first ``?rows=N`` students in the list's order (family, given name, id; N is
    the list's page size by default) with their home institution and enrollments (cohort, status), one query, in the
    list's table markup."""

    permission_required = "students.view_student"

    def get(self, request):
        from students.forms import DEFAULT_PER_PAGE
        from students.models import Student

        order = ("family_name_latin", "given_name_latin", "id")
        page = Student.objects.order_by(*order).values("id")[: int(request.GET.get("rows", DEFAULT_PER_PAGE))]
        rows = (
            Student.objects.filter(pk__in=Subquery(page))
            .order_by(*order, "-enrollments__applied_on", "-enrollments__id")
            .values_list(
                "id", "family_name_latin", "given_name_latin", "family_name_han", "given_name_han",
                "family_name_cyrillic", "given_name_cyrillic", "home_institution__short_name",
                "home_institution__name_en", "home_student_id", "enrollments__cohort__code", "enrollments__status",
            )
        )  # fmt: skip
        detail_url = url_with_id("students:student-detail")
        students = []
        for _, group in groupby(rows, key=lambda row: row[0]):
            group = list(group)
            first = group[0]
            students.append(
                {
                    "url": detail_url(first[0]),
                    "latin": f"{first[1]} {first[2]}",
                    "han": f"{first[3]}{first[4]}",
                    "cyrillic": f"{first[5]} {first[6]}",
                    "institution": first[7] or first[8],
                    "institution_name": first[8],
                    "home_id": first[9],
                    "enrollments": [(row[10], row[11]) for row in group if row[10] is not None],
                }
            )
        context = {"students": students}
        return HttpResponse(_template("students.html").render(context, request))


class EnrollmentsFloorView(StaffRequiredMixin, View):
    """The floor of the enrollments behind a figure (``reports:enrollment-list``): the latest 50 enrollments of a
    status (``?status=``) with student, cohort, college and track, one query, in that list's table markup."""

    permission_required = "students.view_student"

    def get(self, request):
        from mobility.reports.forms import PER_PAGE
        from students.models import Enrollment

        enrollments = Enrollment.objects.order_by("-id")
        if request.GET.get("status"):
            enrollments = enrollments.filter(status=request.GET["status"])
        rows = enrollments.values(
            "student_id", "student__family_name_han", "student__given_name_han", "student__family_name_latin",
            "student__given_name_latin", "cohort__code", "cohort__partner__name_en", "track__code", "status",
            "applied_on", "completed_on",
        )[:PER_PAGE]  # fmt: skip
        detail_url = url_with_id("students:student-detail")
        plain = [
            {
                "url": detail_url(row["student_id"]),
                "han": row["student__family_name_han"] + row["student__given_name_han"],
                "latin": f"{row['student__family_name_latin']} {row['student__given_name_latin']}",
                "cohort": row["cohort__code"],
                "partner": row["cohort__partner__name_en"],
                "track": row["track__code"],
                "status": row["status"],
                "applied_on": row["applied_on"],
                "completed_on": row["completed_on"],
            }
            for row in rows
        ]
        context = {"enrollments": plain}
        return HttpResponse(_template("enrollments.html").render(context, request))


class ReportFloorView(StaffRequiredMixin, View):
    """The report's floor: ``?rows=N`` rows of intake year × college × track (N cohorts with their college and
    track, one query) with as many figure cells as the report (plain numbers) and a totals row, and ``?quotas=M``
    quotas (one query), in the report's cards and table markup."""

    permission_required = "students.view_student"

    def get(self, request):
        from mobility.reports.tables import FIGURE_COLUMNS
        from programs.models import AgreementQuota, Cohort

        count, quota_count = int(request.GET.get("rows", 36)), int(request.GET.get("quotas", 10))
        cohorts = Cohort.objects.order_by("start_date", "partner_id", "track_id").values_list(
            "id", "start_date", "partner__code", "partner__name_en", "track__code", "track__name_en"
        )[:count]
        rows = [
            {
                "year": start.year,
                "partner_code": partner_code,
                "partner": partner,
                "track_code": track_code,
                "track": track,
                "cells": [pk * 7 + i for i in range(len(FIGURE_COLUMNS))],
            }
            for pk, start, partner_code, partner, track_code, track in cohorts
        ]
        quotas = AgreementQuota.objects.order_by("year", "id").values(
            "agreement__number", "agreement__partner__name_en", "track__code", "year", "places"
        )[:quota_count]
        context = {
            "rows": rows,
            "totals": [sum(row["cells"][i] for row in rows) for i in range(len(FIGURE_COLUMNS))],
            "quotas": quotas,
            "columns": [str(column.label) for column in FIGURE_COLUMNS],
        }
        return HttpResponse(_template("report.html").render(context, request))


urlpatterns = [
    path("bench/floor/", StudentsFloorView.as_view(), name="bench-floor"),
    path("bench/enrollments-floor/", EnrollmentsFloorView.as_view(), name="bench-enrollments-floor"),
    path("bench/report-floor/", ReportFloorView.as_view(), name="bench-report-floor"),
    path("", include("mobility.urls")),
]
