"""The partner portal, under /partner/ (mobility/urls.py)."""

from django.urls import path

from . import nominations, students_views, views

app_name = "partner"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # A coordinator nominates one student or imports a roster (nominations.py).
    path("nominate/", nominations.NominateView.as_view(), name="nominate"),
    path("nominate/transliterate/", nominations.TransliterateView.as_view(), name="transliterate"),
    path("roster/", nominations.RosterImportView.as_view(), name="roster-import"),
    path("roster/template/", nominations.RosterTemplateView.as_view(), name="roster-template"),
    path("roster/<str:token>/", nominations.RosterPreviewView.as_view(), name="roster-preview"),
    path("agreements/", views.AgreementsView.as_view(), name="agreements"),
    path("cohorts/", views.CohortsView.as_view(), name="cohorts"),
    path("applications/", views.ApplicationsView.as_view(), name="applications"),
    path("students/", students_views.StudentListView.as_view(), name="students"),
    path("students/<int:pk>/", students_views.StudentDetailView.as_view(), name="student"),
    path("diplomas/<int:pk>/pdf/", students_views.DiplomaDownloadView.as_view(), name="diploma-pdf"),
]
