"""The cohort's page: its figures, places and quota, its enrollments with their progress, and what the office does
next (results, diplomas). A students page, because what it lists are the students app's enrollments; the cohort
itself is edited in programs (``programs:cohort-update``)."""

from django.http import Http404
from django.views.generic import TemplateView

from mobility.foundation.views import StaffRequiredMixin
from programs import selectors as program_selectors
from programs.models import Cohort

from . import selectors
from .models import Enrollment
from .progress import cohort_enrollments_with_progress


class CohortDetailView(StaffRequiredMixin, TemplateView):
    permission_required = "programs.view_cohort"
    template_name = "programs/cohort_detail.html"

    def get_context_data(self, **kwargs):
        try:
            cohort = program_selectors.cohort_detail(pk=self.kwargs["pk"])
        except Cohort.DoesNotExist:
            raise Http404 from None
        enrollments = list(cohort_enrollments_with_progress(cohort=cohort))
        counts = selectors.status_counts(enrollments)
        return super().get_context_data(
            cohort=cohort,
            enrollments=enrollments,
            status_counts=[(label, counts[value]) for value, label in Enrollment.Status.choices],
            places_taken=sum(counts[s] for s in Enrollment.PLACE_STATUSES),
            **kwargs,
        )
