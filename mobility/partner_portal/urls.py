"""The partner portal, under /partner/ (mobility/urls.py)."""

from django.urls import path

from . import keys, nominations, students_views, threads, views

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
    path(
        "diplomas/<int:pk>/credential.json",
        students_views.DiplomaDownloadView.as_view(kind="credential"),
        name="diploma-credential",
    ),
    path("transcripts/<int:pk>/pdf/", students_views.TranscriptDownloadView.as_view(), name="transcript-pdf"),
    # The college's own API keys and webhooks (keys.py).
    path("api-keys/", keys.APIKeyListView.as_view(), name="api-keys"),
    path("api-keys/new/", keys.APIKeyCreateView.as_view(), name="api-key-create"),
    path("api-keys/<str:prefix>/revoke/", keys.APIKeyRevokeView.as_view(), name="api-key-revoke"),
    path("webhooks/", keys.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/new/", keys.WebhookCreateView.as_view(), name="webhook-create"),
    path("webhooks/<int:pk>/toggle/", keys.WebhookToggleView.as_view(), name="webhook-toggle"),
    # Message threads with the office (threads.py): the general one and one per student.
    path("messages/", threads.ThreadListView.as_view(), name="threads"),
    path("messages/general/", threads.ThreadView.as_view(), name="thread-general"),
    path("messages/students/<int:student_pk>/", threads.ThreadView.as_view(), name="thread-student"),
]
