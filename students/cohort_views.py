"""The cohort's page: its figures, places and quota, its enrollments with their progress, and what the office does
next (results, diplomas). A students page, because what it lists are the students app's enrollments; the cohort
itself is edited in programs (``programs:cohort-update``)."""

from collections.abc import Callable

from django.http import Http404
from django.views.generic import TemplateView

from mobility.foundation.views import StaffRequiredMixin
from programs import selectors as program_selectors
from programs.models import Cohort

from . import selectors
from .models import Enrollment
from .progress import cohort_enrollments_with_progress

# What the apps above this one add to the cohort's page, each a function of the cohort returning context (diplomas:
# whether "Request diplomas for all eligible" can succeed). Registered in their ``AppConfig.ready``; this app does not
# import them.
COHORT_PAGE_CONTEXT: list[Callable[[Cohort], dict]] = []


def cohort_page_context_register(provider: Callable[[Cohort], dict]) -> None:
    if provider not in COHORT_PAGE_CONTEXT:
        COHORT_PAGE_CONTEXT.append(provider)


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
        for provider in COHORT_PAGE_CONTEXT:
            kwargs.update(provider(cohort))
        return super().get_context_data(
            cohort=cohort,
            enrollments=enrollments,
            status_counts=[(label, counts[value]) for value, label in Enrollment.Status.choices],
            places_taken=sum(counts[s] for s in Enrollment.PLACE_STATUSES),
            **kwargs,
        )
