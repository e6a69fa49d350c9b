from django.urls import path

from . import views

app_name = "programs"

urlpatterns = [
    path("institutions/", views.InstitutionListView.as_view(), name="institution-list"),
    path("institutions/new/", views.InstitutionCreateView.as_view(), name="institution-create"),
    path("institutions/<int:pk>/", views.InstitutionDetailView.as_view(), name="institution-detail"),
    path("institutions/<int:pk>/edit/", views.InstitutionUpdateView.as_view(), name="institution-update"),
    path("institutions/<int:institution_pk>/contacts/new/", views.ContactCreateView.as_view(), name="contact-create"),
    path("contacts/<int:pk>/edit/", views.ContactUpdateView.as_view(), name="contact-update"),
    path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact-delete"),
    path("agreements/", views.AgreementListView.as_view(), name="agreement-list"),
    path("agreements/new/", views.AgreementCreateView.as_view(), name="agreement-create"),
    path("agreements/<int:pk>/", views.AgreementDetailView.as_view(), name="agreement-detail"),
    path("agreements/<int:pk>/edit/", views.AgreementUpdateView.as_view(), name="agreement-update"),
    path("agreements/<int:pk>/document/", views.AgreementDocumentView.as_view(), name="agreement-document"),
    path("tracks/", views.TrackListView.as_view(), name="track-list"),
    path("tracks/new/", views.TrackCreateView.as_view(), name="track-create"),
    path("tracks/<int:pk>/", views.TrackDetailView.as_view(), name="track-detail"),
    path("tracks/<int:pk>/edit/", views.TrackUpdateView.as_view(), name="track-update"),
    path("tracks/<int:track_pk>/modules/new/", views.ModuleCreateView.as_view(), name="module-create"),
    path("tracks/<int:track_pk>/modules/<int:pk>/edit/", views.ModuleUpdateView.as_view(), name="module-update"),
    path("cohorts/", views.CohortListView.as_view(), name="cohort-list"),
    path("cohorts/new/", views.CohortCreateView.as_view(), name="cohort-create"),
    # The cohort's page is a students page now (students/cohort_views.py); old links and bookmarks follow it.
    path(
        "cohorts/<int:pk>/",
        views.CohortPageMovedView.as_view(),
        name="cohort-detail-moved",
    ),
    path("cohorts/<int:pk>/edit/", views.CohortUpdateView.as_view(), name="cohort-update"),
]
