"""The facilitator's pages."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.access import FACILITATOR, facilitator_institution_id
from mobility.foundation.views import MemberRequiredMixin
from programs.models import Institution


class FacilitatorView(MemberRequiredMixin, View):
    """A page of the facilitator's view; ``self.institution`` is the viewer's facilitator institution."""

    roles = (FACILITATOR,)
    template_name = ""
    section = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        institution_id = facilitator_institution_id(request.user) if request.user.is_authenticated else None
        self.institution = Institution.objects.get(pk=institution_id) if institution_id is not None else None

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
    template_name = "facilitator/home.html"
    section = "home"

    def get(self, request):
        return self.render(request)
