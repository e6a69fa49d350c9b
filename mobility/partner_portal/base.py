"""The partner portal's access rule and layout (``PartnerView``)."""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.access import COORDINATOR, OBSERVER, partner_can_write, partner_institution_id
from mobility.foundation.people.models import Membership
from mobility.foundation.views import MemberRequiredMixin

# The portal's menu: (URL name, label function, section, coordinators only). A page names its section; the
# coordinator-only entries are hidden from observers.
NAV = (
    ("partner:home", lambda: _("Overview"), "home", False),
    ("partner:students", lambda: _("Students"), "students", False),
    ("partner:applications", lambda: _("Applications"), "applications", False),
    ("partner:nominate", lambda: _("Nominate a student"), "nominate", True),
    ("partner:roster-import", lambda: _("Import a roster"), "roster", True),
    ("partner:cohorts", lambda: _("Open cohorts"), "cohorts", False),
    ("partner:agreements", lambda: _("Agreements"), "agreements", False),
    ("partner:threads", lambda: _("Messages"), "threads", False),
    ("partner:api-keys", lambda: _("API keys"), "api-keys", False),
    ("partner:webhooks", lambda: _("Webhooks"), "webhooks", False),
)


class PartnerView(MemberRequiredMixin, View):
    """A page of the partner portal: coordinators and observers of a sending college. ``self.institution`` is the
    viewer's college; ``self.can_write`` whether they may change anything (coordinators; observers read).
    Observers only read: any POST of theirs is refused (403) before the view runs."""

    roles = (COORDINATOR, OBSERVER)
    template_name = ""
    section = ""

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.institution = None
        self.membership = None
        self.can_write = False
        institution_id = partner_institution_id(request.user) if request.user.is_authenticated else None
        if institution_id is not None:
            # The membership (the person's name) and the college in one query.
            self.membership = Membership.objects.select_related("institution").get(user_id=request.user.pk)
            self.institution = self.membership.institution
            self.can_write = partner_can_write(request.user)

    def allowed(self, request) -> bool:
        return request.method in ("GET", "HEAD", "OPTIONS") or self.can_write

    def render(self, request, context: dict | None = None, *, template_name: str | None = None, status: int = 200):
        nav = [
            (reverse(name), label(), section)
            for name, label, section, writes_only in NAV
            if self.can_write or not writes_only
        ]
        base = {
            "area_name": _("Partner portal"),
            "home_url": reverse("partner:home"),
            "place_name": self.institution.name() if self.institution else "",
            "person_name": self.membership.full_name if self.membership else "",
            "nav": nav,
            "section": self.section,
            "institution": self.institution,
            "can_write": self.can_write,
        }
        return render(request, template_name or self.template_name, {**base, **(context or {})}, status=status)
