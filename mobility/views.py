"""Cross-app views of the staff application: the menu, the dashboard and the login page."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from django.contrib.auth import views as auth_views
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from mobility.dashboard import dashboard_data
from mobility.forms import LoginForm
from mobility.foundation.access import is_office_staff
from mobility.foundation.two_factor import login_step
from mobility.foundation.two_factor import views as two_factor_views
from mobility.foundation.two_factor.selectors import totp_device
from mobility.foundation.views import StaffRequiredMixin
from mobility.i18n_views import language_after_login

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# The staff menu. Each entry: (URL name, label[, permission[, group]]), or a ``MenuEntry`` with keywords. Entries
# whose page is not installed, or whose permission the viewer lacks, are left out. An entry with a ``group`` goes
# into that group's dropdown (``MENU_GROUPS``), drawn at the place of the group's first entry; the others stand on the
# menu's row. A group without a label is a split button: its first entry is the link on the row (Students, one click
# away as before) and a caret beside it opens the others. In Russian at 1280 px the row holds the brand, seven places
# and the notifications' slot (test_pages_fit.py checks it with the entries planned: Diplomas and Reports on the row,
# Messages under Students, Audit under Administration).


class MenuEntry(NamedTuple):
    name: str  # the URL name
    label: StrOrPromise
    permission: str = ""  # a Django permission the viewer must hold, if any
    group: str = ""  # a key of MENU_GROUPS, or "" for the menu's row


STUDENTS, PROGRAMS, ADMINISTRATION = "students", "programs", "administration"
MENU_GROUPS: dict[str, StrOrPromise | None] = {
    STUDENTS: None,
    PROGRAMS: _("Programs"),
    ADMINISTRATION: _("Administration"),
}

NAVIGATION: list[tuple | MenuEntry] = [
    ("dashboard", _("Dashboard")),
    MenuEntry("students:student-list", _("Students"), group=STUDENTS),
    MenuEntry("students:continuation-report", _("Continuations"), group=STUDENTS),
    MenuEntry("students:message-list", _("Messages"), group=STUDENTS),
    MenuEntry("students:thread-list", _("Partner colleges' threads"), group=STUDENTS),
    ("programs:cohort-list", _("Cohorts")),
    MenuEntry("diplomas:register", _("Diplomas"), "diplomas.view_diploma"),
    MenuEntry("reports:report", _("Reports")),
    MenuEntry("programs:track-list", _("Tracks"), group=PROGRAMS),
    MenuEntry("programs:institution-list", _("Institutions"), group=PROGRAMS),
    MenuEntry("programs:agreement-list", _("Agreements"), group=PROGRAMS),
    MenuEntry("people:member-list", _("People"), "mobility.view_membership", group=ADMINISTRATION),
    MenuEntry("api_keys:list", _("API keys"), "mobility.view_partnerapikey", group=ADMINISTRATION),
    MenuEntry("audit-log", _("Audit log"), "mobility.browse_auditentry", group=ADMINISTRATION),
    MenuEntry("consents:text-list", _("Consent texts"), "students.change_consenttext", group=ADMINISTRATION),
    MenuEntry(
        "designs:design-list", _("Designs and signatories"), "diplomas.change_documentdesign", group=ADMINISTRATION
    ),
    MenuEntry("transfer-register", _("Transfers of personal data"), "students.view_sensitive", group=ADMINISTRATION),
    MenuEntry("retention", _("Retention of personal data"), "students.view_sensitive", group=ADMINISTRATION),
    MenuEntry("two-factor-policy", _("Two-factor sign-in"), "mobility.change_twofactorpolicy", group=ADMINISTRATION),
]


def staff_navigation(request):
    """Context processor: the menu of the staff pages, with the current section marked.

    ``staff_navigation`` is every link the viewer may follow, flat (``url``, ``label``, ``active``); ``staff_menu``
    is what the navbar draws: links and groups (``label``, ``links``, ``active``, ``split``), each group at the place
    of its first entry."""
    if not is_office_staff(getattr(request, "user", None)):
        return {}
    items, groups = [], {}
    menu: list[dict] = []
    for entry in NAVIGATION:
        name, label, permission, group = MenuEntry(*entry)
        if permission and not request.user.has_perm(permission):
            continue
        try:
            url = reverse(name)
        except NoReverseMatch:
            continue
        item = {"url": url, "label": label}
        items.append(item)
        if not group:
            menu.append(item)
        elif group in groups:
            groups[group]["links"].append(item)
        else:
            groups[group] = {
                "label": MENU_GROUPS[group],
                "links": [item],
                "key": group,
                "split": not MENU_GROUPS[group],
            }
            menu.append(groups[group])
    # The current section is the longest menu URL the path starts with (/students/continuations/ is not Students).
    current = max((item["url"] for item in items if _within(request.path, item["url"])), key=len, default=None)
    for item in items:
        item["active"] = item["url"] == current
    for group in groups.values():
        group["active"] = any(item["active"] for item in group["links"])
    # A split button with nothing to open is its link alone.
    menu = [entry["links"][0] if entry.get("split") and len(entry["links"]) == 1 else entry for entry in menu]
    return {"staff_navigation": items, "staff_menu": menu}


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
    """Django's login page; a student's language follows them to this device (``language_after_login``). Someone
    with an authenticator is not logged in by the password: the code step does it (``LoginCodeView``)."""

    authentication_form = LoginForm

    def form_valid(self, form):
        user = form.get_user()
        if totp_device(user) is not None:
            login_step.pending_start(self.request, user, next_url=self.get_success_url())
            return redirect("login-code")
        return language_after_login(self.request, super().form_valid(form))


class LoginCodeView(two_factor_views.LoginCodeView):
    """The sign-in's second step (mobility/foundation/two_factor/views.py), with the language remembered as above."""

    def after_login(self, response):
        return language_after_login(self.request, response)


def favicon(request):
    """``/favicon.ico``, which browsers ask for whatever the page says: the site's icon is ``static/favicon.svg``."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))
