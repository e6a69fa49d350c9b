"""The teacher's workspace's pages."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.access import TEACHER
from mobility.foundation.views import MemberRequiredMixin


class TeachingView(MemberRequiredMixin, View):
    """A page of the teacher's workspace."""

    roles = (TEACHER,)
    template_name = ""
    section = ""

    def render(self, request, context: dict | None = None, *, template_name: str | None = None):
        base = {
            "area_name": _("Teaching"),
            "home_url": reverse("teaching:home"),
            "place_name": "",
            "person_name": request.user.membership.full_name,
            "nav": [(reverse("teaching:home"), _("My modules"), "home")],
            "section": self.section,
        }
        return render(request, template_name or self.template_name, {**base, **(context or {})})


class HomeView(TeachingView):
    template_name = "teaching/home.html"
    section = "home"

    def get(self, request):
        return self.render(request)
