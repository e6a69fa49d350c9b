"""The partner API's routes: every app's viewsets on one v1 router, ``me/``, the schema and its Swagger UI, and a
JSON 404 for any other URL under ``/api/``. The wiring: it imports every app's ``api`` package, and no app imports
it (docs/architecture.md)."""

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from diplomas.api.transcripts import TranscriptViewSet
from diplomas.api.views import DiplomaViewSet
from mobility import webhooks_api
from mobility.api_views import MeView
from mobility.foundation.api import api_not_found
from programs.api.views import CohortViewSet, InstitutionViewSet, ModuleViewSet, TrackViewSet
from students.api.views import EnrollmentViewSet, ResultViewSet, StudentViewSet


def api_urlpatterns() -> list:
    """``/api/`` URLs: the v1 router (every app's viewsets and ``mobility.webhooks_api.ROUTES``), ``me/``, and the
    schema with its Swagger UI."""
    router = SimpleRouter()
    router.register("institutions", InstitutionViewSet, basename="institution")
    router.register("tracks", TrackViewSet, basename="track")
    router.register("modules", ModuleViewSet, basename="module")
    router.register("cohorts", CohortViewSet, basename="cohort")
    router.register("students", StudentViewSet, basename="student")
    router.register("enrollments", EnrollmentViewSet, basename="enrollment")
    router.register("results", ResultViewSet, basename="result")
    router.register("diplomas", DiplomaViewSet, basename="diploma")
    router.register("transcripts", TranscriptViewSet, basename="transcript")
    for prefix, viewset, basename in webhooks_api.ROUTES:
        router.register(prefix, viewset, basename=basename)

    v1 = [path("me/", MeView.as_view(), name="me"), *router.urls]
    return [
        path("v1/", include(v1)),
        path("schema/", SpectacularAPIView.as_view(), name="schema"),
        # The split view serves Swagger UI's init script from docs/?script, not inline: the Content-Security-Policy
        # allows no inline script (docs/security.md).
        path(
            "docs/",
            SpectacularSwaggerSplitView.as_view(url_name="api:schema", template_name="mobility/swagger_ui.html"),
            name="docs",
        ),
        re_path(r"^.*$", api_not_found, name="not-found"),
    ]
