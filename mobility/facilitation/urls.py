"""The facilitator's view, under /facilitator/ (mobility/urls.py)."""

from django.urls import path

from . import views

app_name = "facilitator"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cohorts/<int:pk>/", views.CohortView.as_view(), name="cohort"),
]
