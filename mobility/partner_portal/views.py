"""The partner portal's reading pages about the college as a whole: the overview, its agreements with their quotas,
its cohorts open for applications, and its applications with the office's decisions. The students' pages are in
``students_views.py``. Every row comes from a selector with ``viewer=request.user``."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext

from diplomas.models import Diploma
from diplomas.selectors import diploma_list
from programs.selectors import agreements_visible_to, cohorts_visible_to, open_cohorts_visible_to
from students.models import Enrollment
from students.progress import student_at_risk
from students.selectors import enrollment_list, student_list

from .base import PartnerView
from .forms import ApplicationFilterForm

S = Enrollment.Status

# The date of the step that put an enrollment in its status: the decision the partner reads beside it.
DECISION_DATE_FIELD: dict[str, str] = {
    S.ADMITTED: "admitted_on",
    S.REJECTED: "closed_on",
    S.ENROLLED: "enrolled_on",
    S.WITHDRAWN: "closed_on",
    S.FAILED: "closed_on",
    S.COMPLETED: "completed_on",
}


def decision_date(enrollment: Enrollment):
    """The date of the enrollment's last step (None while it waits for a decision)."""
    field = DECISION_DATE_FIELD.get(enrollment.status)
    return getattr(enrollment, field) if field else None


class HomeView(PartnerView):
    """The college's figures: applications waiting, students enrolled and completed, diplomas issued, and the
    students at risk, each a link to the list it counts."""

    template_name = "partner/home.html"
    section = "home"

    def get(self, request):
        viewer = request.user
        counts = (
            enrollment_list(viewer=viewer)
            .order_by()
            .aggregate(
                applied=Count("pk", filter=Q(status=S.APPLIED)),
                admitted=Count("pk", filter=Q(status=S.ADMITTED)),
                enrolled=Count("pk", filter=Q(status=S.ENROLLED)),
                completed=Count("pk", filter=Q(status=S.COMPLETED)),
            )
        )
        students = reverse("partner:students")
        applications = reverse("partner:applications")
        figures = [
            (_figure_label("applied"), counts["applied"], f"{applications}?status={S.APPLIED}"),
            (_figure_label("admitted"), counts["admitted"], f"{applications}?status={S.ADMITTED}"),
            (_figure_label("enrolled"), counts["enrolled"], f"{students}?status={S.ENROLLED}"),
            (_figure_label("completed"), counts["completed"], f"{students}?status={S.COMPLETED}"),
            (
                _figure_label("diplomas"),
                diploma_list(viewer=viewer).filter(status=Diploma.Status.ISSUED).count(),
                f"{students}?status={S.COMPLETED}",
            ),
        ]
        at_risk = student_list(viewer=viewer).filter(student_at_risk()).count()
        return self.render(
            request,
            {
                "figures": figures,
                "at_risk": at_risk,
                "at_risk_url": f"{students}?at_risk=1",
                "open_cohorts": open_cohorts_visible_to(viewer=viewer).count(),
            },
        )


def _figure_label(key: str) -> str:
    # Translated at call time, in the request's language.
    return {
        "applied": gettext("Applications waiting for a decision"),
        "admitted": gettext("Admitted, not yet enrolled"),
        "enrolled": gettext("Studying now"),
        "completed": gettext("Completed the program"),
        "diplomas": gettext("Diplomas issued"),
    }[key]


class AgreementsView(PartnerView):
    """The college's agreements with the university: status, dates, facilitator, and per track and intake year the
    quota's places, used and left, counted as the office's agreement page counts them."""

    template_name = "partner/agreements.html"
    section = "agreements"

    def get(self, request):
        agreements = list(agreements_visible_to(viewer=request.user))
        for agreement in agreements:
            agreement.quota_rows = list(agreement.quotas.all())
            for quota in agreement.quota_rows:
                quota.left_shown = max(quota.left, 0)
        return self.render(request, {"agreements": agreements})


class CohortsView(PartnerView):
    """The college's cohorts open for applications today (the site's local date): track, dates, deadline,
    capacity and places left."""

    template_name = "partner/cohorts.html"
    section = "cohorts"

    def get(self, request):
        cohorts = list(open_cohorts_visible_to(viewer=request.user).select_related("partner"))
        for cohort in cohorts:
            cohort.places_left = max(cohort.capacity - cohort.places_taken, 0)
        return self.render(request, {"cohorts": cohorts})


class ApplicationsView(PartnerView):
    """The college's applications (every enrollment) with their status, the date of the last decision and its
    reason, filtered by status, cohort and intake year and searched by name, newest application first."""

    template_name = "partner/applications.html"
    section = "applications"

    def get(self, request):
        viewer = request.user
        cohorts = list(cohorts_visible_to(viewer=viewer).select_related("track", "partner"))
        form = ApplicationFilterForm(request.GET, cohorts=cohorts)
        filters = form.filters()
        enrollments = enrollment_list(viewer=viewer).select_related(
            "student", "cohort__track", "cohort__partner", "track"
        )
        if filters.get("status"):
            enrollments = enrollments.filter(status=filters["status"])
        if filters.get("cohort"):
            enrollments = enrollments.filter(cohort_id=filters["cohort"])
        if filters.get("year"):
            enrollments = enrollments.filter(cohort__start_date__year=filters["year"])
        if filters.get("q"):
            found = student_list(viewer=viewer, filters={"q": filters["q"]}).prefetch_related(None)
            enrollments = enrollments.filter(student__in=found.values("pk"))
        page = Paginator(enrollments, form.page_size()).get_page(request.GET.get("page"))
        for enrollment in page.object_list:
            enrollment.decided_on = decision_date(enrollment)
        return self.render(
            request,
            {
                "form": form,
                "page_obj": page,
                "enrollments": page.object_list,
                "filtered": any(value not in (None, "") for value in filters.values()),
                "reset_url": reverse("partner:applications"),
            },
        )
