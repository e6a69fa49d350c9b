"""The partner portal, under /partner/ (mobility/urls.py)."""

from django.urls import path

from . import nominations, views

app_name = "partner"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    # A coordinator nominates one student or imports a roster (nominations.py).
    path("nominate/", nominations.NominateView.as_view(), name="nominate"),
    path("nominate/transliterate/", nominations.TransliterateView.as_view(), name="transliterate"),
    path("roster/", nominations.RosterImportView.as_view(), name="roster-import"),
    path("roster/template/", nominations.RosterTemplateView.as_view(), name="roster-template"),
    path("roster/<str:token>/", nominations.RosterPreviewView.as_view(), name="roster-preview"),
]
