"""Students' accounts (students/account_views.py), included at /accounts/ before Django's own auth URLs.

The three password pages below have Django's paths and names (reversed without the namespace, Django's include
answers ``reverse``): listed first, these views answer those paths with the forms in the site's markup.
"""

from django.urls import path

from . import account_views

app_name = "accounts"

urlpatterns = [
    path("invitation/<uidb64>/<token>/", account_views.InvitationAcceptView.as_view(), name="invitation-accept"),
    path("students/<int:pk>/invite/", account_views.StudentInviteView.as_view(), name="student-invite"),
    path("cohorts/<int:pk>/invite/", account_views.CohortInviteView.as_view(), name="cohort-invite"),
    path("password_reset/", account_views.PasswordResetView.as_view(), name="password_reset"),
    path("reset/<uidb64>/<token>/", account_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password_change/", account_views.PasswordChangeView.as_view(), name="password_change"),
]
