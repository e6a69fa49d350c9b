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

from django.db.models import Subquery
from django.http import HttpResponse
from django.template import engines
from django.urls import include, path, reverse
from django.views import View

from mobility.foundation.views import StaffRequiredMixin

# The floors' templates: the pages' markup without their extras, compiled once (as the cached loader would).
STUDENTS_TEMPLATE = """{% extends "base.html" %}{% load i18n %}
{% block title %}{% translate "Students" %}{% endblock %}
{% block content %}
  <div class="d-flex flex-wrap align-items-center gap-2 mb-2"><h1 class="h4 mb-0 me-auto">{% translate "Students" %}</h1></div>
  <div class="table-responsive">
    <table class="table table-sm table-hover table-dense align-middle">
      <thead class="table-light">
        <tr><th>{% translate "Name (Latin)" %}</th><th>{% translate "Name (Han)" %}</th><th>{% translate "Name (Cyrillic)" %}</th><th>{% translate "Home institution" %}</th><th>{% translate "Home id" %}</th><th>{% translate "Enrollments (cohort, status)" %}</th></tr>
      </thead>
      <tbody>
        {% for s in students %}
          <tr>
            <td class="text-nowrap"><a href="{{ detail }}{{ s.id }}/">{{ s.latin }}</a></td>
            <td class="text-nowrap name-han" lang="zh">{{ s.han }}</td>
            <td class="text-nowrap" lang="ru">{{ s.cyrillic }}</td>
            <td class="text-nowrap" title="{{ s.institution_name }}">{{ s.institution }}</td>
            <td class="text-nowrap font-monospace">{{ s.home_id }}</td>
            <td>{% for e in s.enrollments %}<span class="d-inline-flex align-items-center gap-1 me-2 text-nowrap"><span class="small">{{ e.0 }}</span> <span class="badge text-bg-secondary">{{ e.1 }}</span></span>{% empty %}<span class="text-body-secondary small">—</span>{% endfor %}</td>
          </tr>
        {% endfor %}
      </tbody>
    </table>
  </div>
{% endblock %}"""

ENROLLMENTS_TEMPLATE = """{% extends "base.html" %}{% load i18n %}
{% block title %}{% translate "Enrollments" %}{% endblock %}
{% block content %}
  <div class="d-flex align-items-center gap-2 mb-2"><h1 class="h4 mb-0 me-auto">{% translate "Enrollments" %}</h1></div>
  <div class="table-responsive">
    <table class="table table-sm table-hover table-dense align-middle">
      <thead class="table-light">
        <tr><th>{% translate "Student" %}</th><th>{% translate "Cohort" %}</th><th>{% translate "Sending college" %}</th><th>{% translate "Track" %}</th><th>{% translate "Status" %}</th><th>{% translate "Applied on" %}</th><th>{% translate "Completed on" %}</th></tr>
      </thead>
      <tbody>
        {% for e in enrollments %}
          <tr>
            <td><a href="{{ detail }}{{ e.student_id }}/">{{ e.han }}</a> <span class="text-body-secondary small">{{ e.latin }}</span></td>
            <td class="text-nowrap">{{ e.cohort }}</td><td>{{ e.partner }}</td><td>{{ e.track }}</td>
            <td><span class="badge text-bg-secondary">{{ e.status }}</span></td>
            <td class="text-nowrap">{{ e.applied_on }}</td><td class="text-nowrap">{{ e.completed_on|default:"—" }}</td>
          </tr>
        {% endfor %}
      </tbody>
    </table>
  </div>
{% endblock %}"""

REPORT_TEMPLATE = """{% extends "base.html" %}{% load i18n static %}
{% block title %}{% translate "Reports" %}{% endblock %}
{% block content %}
  <div class="d-flex flex-wrap align-items-center gap-2 mb-2"><h1 class="h4 mb-0 me-auto">{% translate "Reports" %}</h1></div>
  <div class="row g-3 mb-3">
    <div class="col-lg-6"><div class="card h-100"><div class="card-header py-2">{% translate "Outcomes by intake year" %}</div><div class="card-body"><div class="chart-box"><canvas id="outcomes-chart"></canvas></div></div></div></div>
    <div class="col-lg-6"><div class="card h-100"><div class="card-header py-2">{% translate "Quota used" %}</div><div class="card-body"><div class="chart-box"><canvas id="quotas-chart"></canvas></div></div></div></div>
  </div>
  <div class="card mb-3" id="report-figures">
    <div class="card-header py-2">{% translate "By intake year, sending college and track" %}</div>
    <div class="table-responsive">
      <table class="table table-sm table-dense table-hover mb-0 align-middle">
        <thead class="table-light"><tr><th>{% translate "Intake year" %}</th><th>{% translate "Sending college" %}</th><th>{% translate "Track" %}</th>{% for label in columns %}<th class="text-end">{{ label }}</th>{% endfor %}</tr></thead>
        <tbody>
          {% for row in rows %}
            <tr data-year="{{ row.year }}" data-partner="{{ row.partner_code }}" data-track="{{ row.track_code }}">
              <td>{{ row.year }}</td><td class="report-name">{{ row.partner }}</td><td><span class="fw-semibold">{{ row.track_code }}</span> {{ row.track }}</td>
              {% for value in row.cells %}<td class="text-end text-nowrap">{{ value }}</td>{% endfor %}
            </tr>
          {% endfor %}
        </tbody>
        <tfoot><tr class="fw-semibold" data-year="total"><td colspan="3">{% translate "Total" %}</td>{% for value in totals %}<td class="text-end text-nowrap">{{ value }}</td>{% endfor %}</tr></tfoot>
      </table>
    </div>
  </div>
  <div class="card" id="report-quotas">
    <div class="card-header py-2">{% translate "Quotas of the agreements" %}</div>
    <div class="table-responsive">
      <table class="table table-sm table-dense mb-0">
        <thead class="table-light"><tr><th>{% translate "Agreement" %}</th><th>{% translate "Sending college" %}</th><th>{% translate "Track" %}</th><th class="text-end">{% translate "Intake year" %}</th><th class="text-end">{% translate "Places" %}</th></tr></thead>
        <tbody>
          {% for q in quotas %}<tr><td class="text-nowrap">{{ q.agreement__number }}</td><td>{{ q.agreement__partner__name_en }}</td><td>{{ q.track__code }}</td><td class="text-end">{{ q.year }}</td><td class="text-end">{{ q.places }}</td></tr>{% endfor %}
        </tbody>
      </table>
    </div>
  </div>
{% endblock %}
{% block scripts %}<script src="{% static 'vendor/chartjs/chart.umd.min.js' %}"></script>{% endblock %}"""

_compiled: dict[str, object] = {}


def _template(source: str):
    if source not in _compiled:
        _compiled[source] = engines["django"].from_string(source)
    return _compiled[source]


def _detail_prefix() -> str:
    """The student page's URL without its id (``/students/``), reversed once per request, not per row."""
    return reverse("students:student-detail", args=[0])[:-2]


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
        students = []
        for _, group in groupby(rows, key=lambda row: row[0]):
            group = list(group)
            first = group[0]
            students.append(
                {
                    "id": first[0],
                    "latin": f"{first[1]} {first[2]}",
                    "han": f"{first[3]}{first[4]}",
                    "cyrillic": f"{first[5]} {first[6]}",
                    "institution": first[7] or first[8],
                    "institution_name": first[8],
                    "home_id": first[9],
                    "enrollments": [(row[10], row[11]) for row in group if row[10] is not None],
                }
            )
        context = {"students": students, "detail": _detail_prefix()}
        return HttpResponse(_template(STUDENTS_TEMPLATE).render(context, request))


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
        plain = [
            {
                "student_id": row["student_id"],
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
        context = {"enrollments": plain, "detail": _detail_prefix()}
        return HttpResponse(_template(ENROLLMENTS_TEMPLATE).render(context, request))


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
        return HttpResponse(_template(REPORT_TEMPLATE).render(context, request))


urlpatterns = [
    path("bench/floor/", StudentsFloorView.as_view(), name="bench-floor"),
    path("bench/enrollments-floor/", EnrollmentsFloorView.as_view(), name="bench-enrollments-floor"),
    path("bench/report-floor/", ReportFloorView.as_view(), name="bench-report-floor"),
    path("", include("mobility.urls")),
]
