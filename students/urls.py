from django.urls import path, re_path

from . import views
from .imports import gradebook_views

app_name = "students"

urlpatterns = [
    path("", views.StudentListView.as_view(), name="student-list"),
    path("new/", views.StudentCreateView.as_view(), name="student-create"),
    path("transliterate/", views.TransliterationView.as_view(), name="transliterate"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.StudentExportView.as_view(), name="student-export"),
    path("bulk/", views.BulkActionView.as_view(), name="enrollment-bulk"),
    path("<int:pk>/", views.StudentDetailView.as_view(), name="student-detail"),
    path("<int:pk>/edit/", views.StudentUpdateView.as_view(), name="student-update"),
    path("<int:pk>/apply/", views.EnrollmentApplyView.as_view(), name="enrollment-apply"),
    path("enrollments/<int:pk>/<str:action>/", views.EnrollmentTransitionView.as_view(), name="enrollment-transition"),
    # LMS gradebook import of a cohort (students/imports/gradebook_views.py).
    path(
        "cohorts/<int:cohort_pk>/gradebook/",
        gradebook_views.GradebookUploadView.as_view(),
        name="gradebook-import",
    ),
    path(
        "cohorts/<int:cohort_pk>/gradebook/<uuid:upload>/mapping/",
        gradebook_views.GradebookMappingView.as_view(),
        name="gradebook-mapping",
    ),
    path(
        "cohorts/<int:cohort_pk>/gradebook/<uuid:upload>/preview/",
        gradebook_views.GradebookPreviewView.as_view(),
        name="gradebook-preview",
    ),
]
