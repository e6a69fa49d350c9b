from django.urls import path, re_path

from . import register_views, verify_paper, views
from .papers import views as paper_views
from .transcripts import views as transcript_views

app_name = "diplomas"

urlpatterns = [
    path("diplomas/", register_views.DiplomaRegisterView.as_view(), name="register"),
    re_path(r"^diplomas/export\.(?P<fmt>csv|xlsx)$", register_views.DiplomaRegisterExportView.as_view(), name="export"),
    path("diplomas/archives/<int:pk>/zip/", register_views.ArchiveDownloadView.as_view(), name="archive-download"),
    path("verify/transcript/<str:code>/", transcript_views.TranscriptVerifyView.as_view(), name="verify-transcript"),
    path("verify/", verify_paper.VerifyPaperView.as_view(), name="verify-paper"),
    path("verify/<str:code>/", views.VerifyView.as_view(), name="verify"),
    path("verify/<str:code>/name/", views.VerifyNameView.as_view(), name="verify-name"),
    path("diplomas/<int:pk>/pdf/", views.DiplomaDownloadView.as_view(), name="diploma-pdf"),
    path(
        "diplomas/<int:pk>/credential.json",
        views.DiplomaDownloadView.as_view(kind="credential"),
        name="diploma-credential",
    ),
    path("transcripts/<int:pk>/pdf/", transcript_views.TranscriptDownloadView.as_view(), name="transcript-pdf"),
    path(
        "enrollments/<int:pk>/transcript/",
        transcript_views.EnrollmentTranscriptIssueView.as_view(),
        name="enrollment-transcript",
    ),
    path("diplomas/<int:pk>/retry/", views.DiplomaRetryView.as_view(), name="diploma-retry"),
    path("diplomas/<int:pk>/revoke/", views.DiplomaReasonView.as_view(action="revoke"), name="diploma-revoke"),
    path("diplomas/<int:pk>/reissue/", views.DiplomaReasonView.as_view(action="reissue"), name="diploma-reissue"),
    path(
        "enrollments/<int:pk>/diploma/request/",
        views.EnrollmentDiplomaRequestView.as_view(),
        name="enrollment-diploma-request",
    ),
    path("cohorts/<int:pk>/diplomas/request/", views.CohortDiplomasRequestView.as_view(), name="cohort-request"),
    path("cohorts/<int:pk>/diplomas/progress/", views.CohortDiplomaProgressView.as_view(), name="cohort-progress"),
    # The office's papers (diplomas/papers/): a cohort's roster and grade sheets, a student's certificate of study.
    path("cohorts/<int:pk>/papers/", paper_views.CohortPapersView.as_view(), name="cohort-papers"),
    path("cohorts/<int:pk>/papers/roster/", paper_views.RosterView.as_view(), name="cohort-roster"),
    path(
        "cohorts/<int:pk>/papers/modules/<int:module_pk>/",
        paper_views.GradeSheetView.as_view(),
        name="cohort-grade-sheet",
    ),
    path("enrollments/<int:pk>/certificate/", paper_views.CertificateView.as_view(), name="enrollment-certificate"),
    path("cohorts/<int:pk>/diplomas/zip/", register_views.CohortArchiveRequestView.as_view(), name="cohort-archive"),
    path(
        "cohorts/<int:pk>/diplomas/zip/progress/",
        register_views.CohortArchiveProgressView.as_view(),
        name="cohort-archive-progress",
    ),
]
