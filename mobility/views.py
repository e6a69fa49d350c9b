"""Cross-app views of the staff application: the menu, the dashboard and the login page."""

from django.contrib.auth import views as auth_views
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from mobility.dashboard import dashboard_data
from mobility.forms import LoginForm
from mobility.foundation.access import is_office_staff
from mobility.foundation.views import StaffRequiredMixin
from mobility.i18n_views import language_after_login

# The staff menu: (URL name, label[, permission]). Entries whose page is not installed, or whose permission the
# viewer lacks, are left out.
NAVIGATION = [
    ("dashboard", _("Dashboard")),
    ("students:student-list", _("Students")),
    ("students:continuation-report", _("Continuations")),
    ("programs:cohort-list", _("Cohorts")),
    ("programs:track-list", _("Tracks")),
    ("programs:institution-list", _("Institutions")),
    ("programs:agreement-list", _("Agreements")),
    ("api_keys:list", _("API keys"), "mobility.view_partnerapikey"),
    ("audit-log", _("Audit log"), "mobility.browse_auditentry"),
]


def staff_navigation(request):
    """Context processor: the menu of the staff pages, with the current section marked."""
    if not is_office_staff(getattr(request, "user", None)):
        return {}
    items = []
    for name, label, *permission in NAVIGATION:
        if permission and not request.user.has_perm(permission[0]):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        items.append({"url": url, "label": label})
    # The current section is the longest menu URL the path starts with (/students/continuations/ is not Students).
    current = max((item["url"] for item in items if _within(request.path, item["url"])), key=len, default=None)
    for item in items:
        item["active"] = item["url"] == current
    return {"staff_navigation": items}


def _within(path: str, url: str) -> bool:
    return path == url if url == "/" else path.startswith(url)


class DashboardView(StaffRequiredMixin, TemplateView):
    """Counts, the completion funnel, enrollments per track over time, and the lists of what needs action.

    ``/`` is where a login lands (``LOGIN_REDIRECT_URL``): a student is sent on to the portal (``StaffRequiredMixin``).
    """

    template_name = "mobility/dashboard.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        data = dashboard_data()
        for enrollment in (*data.to_decide, *data.without_diploma):
            enrollment.student_url = reverse("students:student-detail", args=[enrollment.student_id])
        for diploma in data.failed_renders:
            diploma.student_url = reverse("students:student-detail", args=[diploma.enrollment.student_id])
            # The student page lists the diploma with its retry button.
            diploma.retry_url = f"{diploma.student_url}#diploma-{diploma.pk}"
        context["data"] = data
        # Read by static/js/dashboard.js; plain strings only (labels are translated here, in the viewer's language).
        context["chart_data"] = {
            "funnel": {
                "labels": [str(stage["label"]) for stage in data.funnel],
                "counts": [stage["count"] for stage in data.funnel],
                "label": str(_("Enrollments that reached the stage")),
            },
            "perTrack": {"labels": data.months, "series": data.per_track_series},
        }
        return context


class LoginView(auth_views.LoginView):
    """Django's login page; a student's language follows them to this device (``language_after_login``)."""

    authentication_form = LoginForm

    def form_valid(self, form):
        return language_after_login(self.request, super().form_valid(form))
