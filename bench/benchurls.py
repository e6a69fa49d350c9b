"""Bench-only root URLconf: the product's URLs plus the floors of the staff-page benchmarks (``bench/staff.py``,
``bench/reports.py``).

Never part of the product: the bench's server sets ``ROOT_URLCONF`` to this module in its own process.
"""

from django.http import HttpResponse
from django.urls import include, path
from django.views import View

from mobility.foundation.views import StaffRequiredMixin


class FloorView(StaffRequiredMixin, View):
    """The bare staff view: the same middleware, session, user and permission checks as the students list
    (``StaffRequiredMixin`` with ``students.view_student``), then a two-byte body with no template."""

    permission_required = "students.view_student"

    def get(self, request):
        return HttpResponse(b"ok", content_type="text/plain")


class ReportFloorView(StaffRequiredMixin, View):
    """The reports page's layout with figures made up in memory: the same template, the same number of rows
    (``?rows=N&quotas=M``) and the same access checks as ``reports:report``, no query for the figures. The report's
    own cost is the difference between the two."""

    permission_required = "students.view_student"

    def get(self, request):
        from django.shortcuts import render

        from mobility.reports.figures import Period, Report, ReportRow
        from mobility.reports.forms import PeriodForm
        from mobility.reports.views import report_page_context
        from programs.models import Agreement, AgreementQuota, Institution, Track

        rows, quotas = int(request.GET.get("rows", 36)), int(request.GET.get("quotas", 10))
        partner = Institution(pk=1, code="CQEVTC", name_en="Chongqing Vocational College", name_zh="重庆职业学院")
        track = Track(pk=1, code="MECH", name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
        counts = {"applications": 900, "admitted": 800, "enrolled": 700, "in_progress": 100, "completed": 500}
        counts |= {"failed": 50, "withdrawn": 50, "rejected": 100, "diplomas": 480, "continuations": 40}
        counts |= {"continuations_accepted": 20, "continuations_decided": 30}
        made_up = [
            ReportRow(year=2020 + i % 6, partner=partner, track=track, median_days=280.5, **counts) for i in range(rows)
        ]
        totals = ReportRow(year=None, partner=None, track=None, median_days=280.0, **counts)
        agreement = Agreement(pk=1, number="STK-CQ-2024", partner=partner)
        quota_list = []
        for i in range(quotas):
            quota = AgreementQuota(pk=i + 1, agreement=agreement, track=track, year=2020 + i, places=300)
            quota.used = 250  # type: ignore[attr-defined]
            quota_list.append(quota)
        report = Report(period=Period(), rows=made_up, totals=totals, quotas=quota_list)
        return render(request, "mobility/reports/report.html", report_page_context(report, PeriodForm(request.GET)))


urlpatterns = [
    path("bench/floor/", FloorView.as_view(), name="bench-floor"),
    path("bench/report-floor/", ReportFloorView.as_view(), name="bench-report-floor"),
    path("", include("mobility.urls")),
]
