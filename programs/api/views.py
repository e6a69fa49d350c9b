"""Read-only partner API over the program: the caller's institution(s), the curriculum, the caller's cohorts."""

from django_filters import rest_framework as filters
from rest_framework import viewsets

from mobility.foundation.api import api_viewer
from mobility.foundation.api_lists import StrictBooleanFilter, SyncFilterSet

from .. import selectors
from ..models import Cohort, Institution, Module, Track
from .serializers import CohortSerializer, InstitutionSerializer, ModuleSerializer, TrackSerializer


class InstitutionFilter(SyncFilterSet):
    class Meta:
        model = Institution
        fields = ["kind", "code"]


class TrackFilter(SyncFilterSet):
    class Meta:
        model = Track
        fields = ["code", "is_active"]


class ModuleFilter(SyncFilterSet):
    class Meta:
        model = Module
        fields = ["track", "is_required", "assessment_kind"]


class CohortFilter(SyncFilterSet):
    starts_after = filters.DateFilter(field_name="start_date", lookup_expr="gte")
    accepts_applications = StrictBooleanFilter(
        method="filter_accepts_applications", label="Cohorts that accept applications today (or, false, that do not)."
    )

    class Meta:
        model = Cohort
        fields = ["track", "accepts_applications", "delivery_mode", "code"]

    def filter_accepts_applications(self, queryset, name, value):
        # The same rule as the field shown (Cohort.objects.open_for_applications), not the switch alone.
        open_today = Cohort.objects.open_for_applications().values("pk")
        return queryset.filter(pk__in=open_today) if value else queryset.exclude(pk__in=open_today)


class InstitutionViewSet(viewsets.ReadOnlyModelViewSet):
    """Partners: their own institution. Staff: every institution."""

    serializer_class = InstitutionSerializer
    filterset_class = InstitutionFilter
    ordering_fields = ["id", "code", "name_en", "modified_at"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.institutions_visible_to(viewer=api_viewer(self.request))


class TrackViewSet(viewsets.ReadOnlyModelViewSet):
    """The program's tracks with their grading scale (the same for every partner)."""

    serializer_class = TrackSerializer
    filterset_class = TrackFilter
    ordering_fields = ["id", "code", "modified_at"]
    ordering = ["code"]

    def get_queryset(self):
        return selectors.tracks_visible_to(viewer=api_viewer(self.request))


class ModuleViewSet(viewsets.ReadOnlyModelViewSet):
    """Modules of the tracks (``?track=<id>``), in curriculum order."""

    serializer_class = ModuleSerializer
    filterset_class = ModuleFilter
    ordering_fields = ["id", "code", "order", "modified_at"]
    ordering = ["track", "order", "code"]

    def get_queryset(self):
        return selectors.modules_visible_to(viewer=api_viewer(self.request))


class CohortViewSet(viewsets.ReadOnlyModelViewSet):
    """Partners: the cohorts they send students to. Staff: every cohort."""

    serializer_class = CohortSerializer
    filterset_class = CohortFilter
    ordering_fields = ["id", "code", "start_date", "modified_at"]
    ordering = ["-start_date", "code"]

    def get_queryset(self):
        return selectors.cohorts_visible_to(viewer=api_viewer(self.request))
