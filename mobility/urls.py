from django.contrib import admin
from django.urls import include, path, re_path

from mobility import audit_views, people_views
from mobility.api_router import api_urlpatterns
from mobility.health import healthz
from mobility.i18n_views import set_language
from mobility.personal_data import transfers as transfer_views
from mobility.personal_data import views as personal_data_views
from mobility.views import DashboardView, LoginCodeView, LoginView, favicon

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    # Browsers ask for /favicon.ico whatever the page says: the site's icon is an SVG among the static files.
    path("favicon.ico", favicon, name="favicon"),  # load balancers and monitoring: database and broker (health.py)
    path("", DashboardView.as_view(), name="dashboard"),
    path("accounts/login/", LoginView.as_view(), name="login"),
    # The sign-in's second step for people with an authenticator; their own set-up; the office's policy.
    path("accounts/login/code/", LoginCodeView.as_view(), name="login-code"),
    path("two-factor/", include("mobility.foundation.two_factor.urls")),
    # Students' accounts: invitations, setting a password (students/accounts.py); before Django's own auth pages.
    path("accounts/", include("students.accounts_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    # The language switcher: Django's set_language, which also keeps a student's choice (mobility/i18n_views.py).
    path("i18n/setlang/", set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("portal/", include("students.portal.urls")),
    # The partnership's people: partner coordinators and observers, the facilitator, teachers.
    path("partner/", include("mobility.partner_portal.urls")),
    path("facilitator/", include("mobility.facilitation.urls")),
    path("teaching/", include("students.teaching.urls")),
    # The office's pages about them (invitations, accounts, teaching assignments) and a member's invitation link.
    path("people/", include("mobility.people_urls")),
    path(
        "accounts/people/invitation/<uidb64>/<token>/",
        people_views.MemberInvitationAcceptView.as_view(),
        name="member-invitation-accept",
    ),
    path("students/", include("mobility.personal_data.urls")),
    # The retention schedule of personal data, as a dry run (mobility/personal_data/retention.py).
    path("privacy/retention/", personal_data_views.RetentionView.as_view(), name="retention"),
    path("students/", include("students.urls")),
    path("", include("programs.urls")),
    path("", include("mobility.webhook_urls")),
    path("", include("diplomas.urls")),
    # The credentials' issuer: its DID document and the revocation status lists (diplomas/credentials).
    path("", include("diplomas.credentials.urls")),
    path("reports/", include("mobility.reports.urls")),
    path("api-keys/", include("mobility.api_key_urls")),
    path("notifications/", include("mobility.foundation.notifications.urls")),
    # The office-admin's consent texts per purpose (students/consent/views.py).
    path("privacy/consents/", include("students.consent.urls")),
    # The office-admin's designs of the documents and their signatories (diplomas/designs/views.py).
    path("administration/designs/", include("diplomas.designs.urls")),
    path("audit/", audit_views.AuditLogView.as_view(), name="audit-log"),
    re_path(r"^audit/export\.(?P<fmt>csv|xlsx)$", audit_views.AuditExportView.as_view(), name="audit-export"),
    # The register of transfers of personal data across the border (office-admin; mobility/personal_data/transfers.py).
    path("privacy/transfers/", transfer_views.TransferRegisterView.as_view(), name="transfer-register"),
    re_path(
        r"^privacy/transfers/export\.(?P<fmt>csv|xlsx)$",
        transfer_views.TransferExportView.as_view(),
        name="transfer-export",
    ),
    path("api/", include((api_urlpatterns(), "api"), namespace="api")),
    path("admin/", admin.site.urls),
]

# The site's own error pages, in the visitor's language and layout (mobility/foundation/errors.py).
handler400 = "mobility.foundation.errors.bad_request"
handler403 = "mobility.foundation.errors.permission_denied"
handler404 = "mobility.foundation.errors.page_not_found"
handler500 = "mobility.foundation.errors.server_error"
