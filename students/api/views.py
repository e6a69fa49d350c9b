"""Partner API over students, enrollments (applications, status history, progress) and module results.

Thin: a serializer validates, a selector scoped by the caller reads, one service writes with the caller (the API key
or the staff user) as the audit log's actor.
"""

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from mobility.foundation.api import api_viewer
from mobility.foundation.api_lists import IdFilter, StrictBooleanFilter, SyncFilterSet, shared_serializer
from mobility.foundation.idempotency import idempotent

from .. import selectors, services
from ..models import Enrollment, ModuleResult, Student
from ..progress import enrollment_progress
from .serializers import (
    EnrollmentApplySerializer,
    EnrollmentSerializer,
    ProgressSerializer,
    ResultSerializer,
    StatusChangeSerializer,
    StudentSerializer,
    student_list_representation,
)
from .transfers import TransferReadMixin, api_read_record, api_write_record

STUDENT_EXAMPLE = {
    "home_student_id": "2026000123",
    "home_specialty": "Mechatronics",
    "family_name_han": "张",
    "given_name_han": "伟",
    "family_name_latin": "Zhang",
    "given_name_latin": "Wei",
    "family_name_cyrillic": "Чжан",
    "given_name_cyrillic": "Вэй",
    "sex": "M",
    "citizenship": "CN",
    "email": "zhang.wei@example.cn",
    "phone": "+86 23 0000 0000",
    "passport_number": "E12345678",
    "transfer_consent": {"version": 1, "collected_on": "2026-03-02"},
}


class StudentFilter(SyncFilterSet):
    cohort = IdFilter(method="filter_enrollment", help_text="Students with an enrollment in this cohort.")
    enrollment_status = filters.ChoiceFilter(
        choices=Enrollment.Status.choices, method="filter_enrollment", help_text="Students with such an enrollment."
    )

    class Meta:
        model = Student
        fields = ["home_institution", "home_student_id", "email"]

    def filter_enrollment(self, queryset, name, value):
        field = "status" if name == "enrollment_status" else name
        return queryset.filter(Exists(Enrollment.objects.filter(student=OuterRef("pk"), **{field: value})))


class EnrollmentFilter(SyncFilterSet):
    class Meta:
        model = Enrollment
        fields = ["student", "cohort", "track", "status", "source"]


class ResultFilter(SyncFilterSet):
    student = IdFilter(field_name="enrollment__student")
    passed = StrictBooleanFilter(field_name="passed")

    class Meta:
        model = ModuleResult
        fields = ["enrollment", "module", "source"]


@extend_schema_view(
    create=extend_schema(
        summary="Nominate a student",
        description="Passport data and the birth date are accepted with the college's attestation of the student's "
        "consent to their transfer to Russia (transfer_consent), or when the student holds that consent already; "
        "otherwise the answer is a 400 with code consent_required naming transfer_consent, and nothing is written.",
        examples=[OpenApiExample("A new student", value=STUDENT_EXAMPLE, request_only=True)],
    ),
)
class StudentViewSet(
    TransferReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Partners: their home students (create, read, update). Staff: every student."""

    serializer_class = StudentSerializer
    filterset_class = StudentFilter
    ordering_fields = ["id", "home_student_id", "family_name_latin", "modified_at"]
    ordering = ["id"]
    transfer_subject_field = "id"

    def get_queryset(self):
        # The list's enrollments are not shown here: no prefetch.
        return selectors.student_list(viewer=api_viewer(self.request)).prefetch_related(None)

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": api_viewer(self.request)}

    def _written(self, student, serializer, status_code):
        # The sensitive fields the caller sent come back in this response only.
        sent = [field for field in Student.SENSITIVE_FIELDS if field in serializer.validated_data]
        context = {**self.get_serializer_context(), "sensitive_shown": sent}
        headers = {"Location": reverse("api:student-detail", args=[student.pk])}
        return Response(StudentSerializer(student, context=context).data, status=status_code, headers=headers)

    def list(self, request, *args, **kwargs):
        # A page of up to 100 students is the heaviest read partners make: read it as ``values()`` rows and shape
        # them with the serializer's own fields (``ValuesRepresentation``), not as 100 model instances serialised
        # field by field (docs/performance.md#partner-api-under-load). Same fields and output as the detail.
        representation = student_list_representation(viewer=api_viewer(request))
        queryset = self.filter_queryset(self.get_queryset()).values(*representation.columns)
        rows = representation.rows(self.paginate_queryset(queryset))
        api_read_record(request, rows=rows, subject_field="id")
        return self.get_paginated_response(rows)

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        attestation = data.pop("transfer_consent", None)
        # The student and the register's entry, or neither: in the service's own transaction.
        student = services.student_create(
            by=api_viewer(request),
            data=data,
            attestation=attestation,
            also=lambda s: api_write_record(request, data=data, student_ids=[s.pk], outcome=f"201 student {s.pk}"),
        )
        return self._written(student, serializer, status.HTTP_201_CREATED)

    @idempotent
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        student = self.get_object()
        serializer = self.get_serializer(student, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        attestation = data.pop("transfer_consent", None)
        student = services.student_update(
            student=student,
            by=api_viewer(request),
            data=data,
            attestation=attestation,
            also=lambda s: api_write_record(request, data=data, student_ids=[s.pk], outcome=f"200 student {s.pk}"),
        )
        return self._written(student, serializer, status.HTTP_200_OK)

    @idempotent
    def partial_update(self, request, *args, **kwargs):
        return self.update.__wrapped__(self, request, *args, partial=True, **kwargs)


@extend_schema_view(
    create=extend_schema(
        summary="Apply for a cohort",
        request=EnrollmentApplySerializer,
        responses={201: EnrollmentSerializer},
        examples=[OpenApiExample("An application", value={"student": 42, "cohort": 7}, request_only=True)],
    ),
)
class EnrollmentViewSet(
    TransferReadMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Enrollments of the caller's students: applications (create), their status, its history and the progress."""

    serializer_class = EnrollmentSerializer
    filterset_class = EnrollmentFilter
    ordering_fields = ["id", "applied_on", "status", "modified_at"]
    ordering = ["-applied_on", "-id"]

    def get_queryset(self):
        return selectors.enrollment_list(viewer=api_viewer(self.request))

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = EnrollmentApplySerializer(data=request.data, context={"viewer": api_viewer(request)})
        serializer.is_valid(raise_exception=True)
        with transaction.atomic():  # an application is the student's study record: the register's too
            enrollment = services.enrollment_apply(
                student=serializer.validated_data["student"],
                cohort=serializer.validated_data["cohort"],
                by=api_viewer(request),
                source=Enrollment.Source.API,
                notes=serializer.validated_data["notes"],
            )
            api_write_record(
                request,
                data=serializer.validated_data,
                student_ids=[enrollment.student_id],
                outcome=f"201 enrollment {enrollment.pk}",
            )
        headers = {"Location": reverse("api:enrollment-detail", args=[enrollment.pk])}
        return Response(EnrollmentSerializer(enrollment).data, status=status.HTTP_201_CREATED, headers=headers)

    @extend_schema(summary="Status history", responses=StatusChangeSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None, ordering_fields=[])
    def history(self, request, pk=None):
        enrollment = self.get_object()
        entries = selectors.enrollment_status_history(enrollment=enrollment)
        api_read_record(request, rows=[{"student": enrollment.student_id, "enrollment": enrollment.pk}])
        return Response(StatusChangeSerializer(entries, many=True).data)

    @extend_schema(summary="Progress", responses=ProgressSerializer, filters=False)
    @action(detail=True, methods=["get"], pagination_class=None, filterset_class=None, ordering_fields=[])
    def progress(self, request, pk=None):
        enrollment = self.get_object()
        progress = enrollment_progress(enrollment=enrollment)
        data = {"enrollment": enrollment.pk, "status": enrollment.status, **progress}
        api_read_record(request, rows=[{"student": enrollment.student_id, **data}])
        return Response(shared_serializer(ProgressSerializer).to_representation(data))


class ResultViewSet(TransferReadMixin, viewsets.ReadOnlyModelViewSet):
    """Module results of the caller's students (every attempt)."""

    serializer_class = ResultSerializer
    filterset_class = ResultFilter
    ordering_fields = ["id", "assessed_on", "modified_at"]
    ordering = ["id"]

    def get_queryset(self):
        return selectors.result_list(viewer=api_viewer(self.request))
