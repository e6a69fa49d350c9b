"""Two-factor sign-in's pages (included at ``two-factor/`` by the root URLs; the code step is beside the login)."""

from django.urls import path

from mobility.foundation.two_factor import views

urlpatterns = [
    # One's own (any logged-in person): the state, the set-up, new recovery codes, turning it off.
    path("", views.AccountView.as_view(), name="two-factor"),
    path("setup/", views.SetupView.as_view(), name="two-factor-setup"),
    path("recovery-codes/", views.RecoveryCodesView.as_view(), name="two-factor-recovery-codes"),
    path("remove/", views.RemoveView.as_view(), name="two-factor-remove"),
    # The office-admin's: the policy and the people who use it, a reset (a lost phone).
    path("policy/", views.PolicyView.as_view(), name="two-factor-policy"),
    path("users/<int:user_id>/reset/", views.ResetView.as_view(), name="two-factor-reset"),
]
