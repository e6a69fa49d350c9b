"""The partner portal, under /partner/ (mobility/urls.py)."""

from django.urls import path

from . import students_views, views

app_name = "partner"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("agreements/", views.AgreementsView.as_view(), name="agreements"),
    path("cohorts/", views.CohortsView.as_view(), name="cohorts"),
    path("applications/", views.ApplicationsView.as_view(), name="applications"),
    path("students/", students_views.StudentListView.as_view(), name="students"),
    path("students/<int:pk>/", students_views.StudentDetailView.as_view(), name="student"),
    path("diplomas/<int:pk>/pdf/", students_views.DiplomaDownloadView.as_view(), name="diploma-pdf"),
]
