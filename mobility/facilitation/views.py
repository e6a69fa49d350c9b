"""The facilitator's pages."""

from __future__ import annotations

from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.access import FACILITATOR, facilitator_institution_id
from mobility.foundation.people.models import Membership
from mobility.foundation.views import MemberRequiredMixin
from programs.models import Cohort

from . import selectors


class FacilitatorView(MemberRequiredMixin, View):
    """A page of the facilitator's view; ``self.institution`` is the viewer's facilitator institution."""

    roles = (FACILITATOR,)
    template_name = ""
    section = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.institution = None
        if request.user.is_authenticated and facilitator_institution_id(request.user) is not None:
            # The person's name (the header) and their institution in one query.
            membership = Membership.objects.select_related("institution").get(user=request.user)
            request.user.membership = membership
            self.institution = membership.institution

    def render(self, request, context: dict | None = None, *, template_name: str | None = None):
        base = {
            "area_name": _("Facilitator"),
            "home_url": reverse("facilitator:home"),
            "place_name": self.institution.name() if self.institution else "",
            "person_name": request.user.membership.full_name,
            "nav": [(reverse("facilitator:home"), _("Cohorts"), "home")],
            "section": self.section,
            "institution": self.institution,
        }
        return render(request, template_name or self.template_name, {**base, **(context or {})})


class HomeView(FacilitatorView):
    """The facilitated cohorts by track, each with its figures, and each track's totals."""

    template_name = "facilitator/home.html"
    section = "home"

    def get(self, request):
        tracks = selectors.facilitated_tracks(viewer=request.user)
        return self.render(request, {"tracks": tracks, "bands": selectors.BANDS})


class CohortView(FacilitatorView):
    """One facilitated cohort: its figures and each student's names, status, progress and diploma; 404 for a cohort
    the viewer may not see."""

    template_name = "facilitator/cohort.html"
    section = "home"

    def get(self, request, pk: int):
        try:
            cohort = selectors.facilitated_cohort(viewer=request.user, pk=pk)
        except Cohort.DoesNotExist:
            raise Http404 from None
        figures = selectors.cohort_figures(viewer=request.user, cohorts=[cohort])[cohort.pk]
        students = selectors.cohort_students(viewer=request.user, cohort=cohort)
        return self.render(request, {"cohort": cohort, "figures": figures, "students": students})
