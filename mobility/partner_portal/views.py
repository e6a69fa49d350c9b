"""The partner portal's pages."""

from __future__ import annotations

from .base import PartnerView


class HomeView(PartnerView):
    template_name = "partner/home.html"
    section = "home"

    def get(self, request):
        return self.render(request)
