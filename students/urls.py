from django.urls import path, re_path

from . import cohort_views, results_views, views
from .imports import gradebook_views, roster_views
from .messaging import views as message_views
from .portal import staff_views as correction_views
from .threads import views as thread_views

app_name = "students"

urlpatterns = [
    path("", views.StudentListView.as_view(), name="student-list"),
    path("new/", views.StudentCreateView.as_view(), name="student-create"),
    path("transliterate/", views.TransliterationView.as_view(), name="transliterate"),
    re_path(r"^export\.(?P<fmt>csv|xlsx)$", views.StudentExportView.as_view(), name="student-export"),
    path("bulk/", views.BulkActionView.as_view(), name="enrollment-bulk"),
    # Messages to students and the list's saved filters (students/messaging/views.py).
    path("messages/", message_views.MessageListView.as_view(), name="message-list"),
    path("messages/new/", message_views.MessageCreateView.as_view(), name="message-create"),
    path("messages/<int:pk>/", message_views.MessageDetailView.as_view(), name="message-detail"),
    path("threads/", thread_views.ThreadListView.as_view(), name="thread-list"),
    path("threads/<int:pk>/", thread_views.ThreadDetailView.as_view(), name="thread-detail"),
    path("saved-filters/", message_views.SavedFiltersView.as_view(), name="saved-filters"),
    path("saved-filters/<int:pk>/delete/", message_views.SavedFilterDeleteView.as_view(), name="saved-filter-delete"),
    path("<int:pk>/messages/", message_views.StudentMessagesView.as_view(), name="student-messages"),
    path("<int:pk>/", views.StudentDetailView.as_view(), name="student-detail"),
    path("<int:pk>/edit/", views.StudentUpdateView.as_view(), name="student-update"),
    path("<int:pk>/apply/", views.EnrollmentApplyView.as_view(), name="enrollment-apply"),
    # Students' correction requests on the student page (students/portal/staff_views.py).
    path("<int:pk>/corrections/", correction_views.StudentCorrectionsView.as_view(), name="student-corrections"),
    path("enrollments/<int:pk>/<str:action>/", views.EnrollmentTransitionView.as_view(), name="enrollment-transition"),
    # Results, the cohort grid, completion of many, continuation (students/results_views.py).
    path(
        "enrollments/<int:pk>/results/record/",
        results_views.EnrollmentResultsView.as_view(),
        name="enrollment-results",
    ),
    path("cohorts/<int:pk>/", cohort_views.CohortDetailView.as_view(), name="cohort-detail"),
    path("cohorts/<int:cohort_pk>/results/", results_views.CohortResultsView.as_view(), name="cohort-results"),
    path("cohorts/<int:cohort_pk>/complete/", results_views.CohortCompleteView.as_view(), name="cohort-complete"),
    path(
        "enrollments/<int:pk>/continuations/new/",
        results_views.ContinuationCreateView.as_view(),
        name="continuation-create",
    ),
    path("continuations/", results_views.ContinuationReportView.as_view(), name="continuation-report"),
    path(
        "continuations/<int:pk>/decide/",
        results_views.ContinuationDecideView.as_view(),
        name="continuation-decide",
    ),
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
    # Roster import: upload → preview → confirm, and the templates (students/imports/roster_views.py).
    path("import/", roster_views.RosterImportView.as_view(), name="roster-import"),
    path("import/template/", roster_views.RosterTemplateView.as_view(), name="roster-template"),
    path("import/<str:token>/", roster_views.RosterPreviewView.as_view(), name="roster-preview"),
]
