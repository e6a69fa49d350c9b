"""Cross-app views of the staff application: the access rule for staff pages and the dashboard."""

from django.contrib.auth.mixins import AccessMixin
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from .access import is_office_staff


class StaffRequiredMixin(AccessMixin):
    """Anonymous visitors go to the login page; logged-in people who are not office staff get 403.

    ``permission_required`` (optional, a string or a tuple) adds Django permissions on top.
    """

    permission_required: str | tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        perms = (self.permission_required,) if isinstance(self.permission_required, str) else self.permission_required
        if not is_office_staff(request.user) or not request.user.has_perms(perms):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


# The staff menu: (URL name, label). Entries whose page is not installed are left out.
NAVIGATION = [
    ("dashboard", _("Dashboard")),
    ("students:student-list", _("Students")),
    ("programs:cohort-list", _("Cohorts")),
    ("programs:track-list", _("Tracks")),
    ("programs:institution-list", _("Institutions")),
    ("programs:agreement-list", _("Agreements")),
]


def staff_navigation(request):
    """Context processor: the menu of the staff pages, with the current section marked."""
    if not is_office_staff(getattr(request, "user", None)):
        return {}
    items = []
    for name, label in NAVIGATION:
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        active = request.path == url if url == "/" else request.path.startswith(url)
        items.append({"url": url, "label": label, "active": active})
    return {"staff_navigation": items}


class DashboardView(StaffRequiredMixin, TemplateView):
    template_name = "mobility/dashboard.html"
