"""Partner API over transcripts of records: the list and one transcript (stored ones, of the caller's students), and
the signed PDF of a valid one."""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer

from mobility.foundation.api import ErrorSerializer, api_viewer
from mobility.foundation.api_lists import SyncFilterSet
from students.api.transfers import TransferReadMixin, api_read_record
from students.consent.models import Category

from ..transcripts import selectors
from ..transcripts.models import Transcript
from .views import PdfRenderer


class TranscriptSerializer(serializers.ModelSerializer):
    student = serializers.IntegerField(source="enrollment.student_id", read_only=True)
    # A plain string in the schema: a second "issued"/"revoked" enum would rename the diplomas' lookup's.
    status = serializers.CharField(read_only=True, help_text='"issued", or "revoked" (with its diploma).')
    diploma_number = serializers.CharField(
        source="diploma.number", allow_null=True, read_only=True, help_text="The diploma it was issued with, if any."
    )
    pdf_url = serializers.SerializerMethodField(help_text="The signed PDF (API); null once revoked.")
    verification_url = serializers.URLField(read_only=True, help_text="The public verification page (its QR code).")

    class Meta:
        model = Transcript
        fields = [
            "id",
            "enrollment",
            "student",
            "diploma",
            "diploma_number",
            "number",
            "status",
            "issued_at",
            "sha256",
            "revoked_at",
            "revoked_reason",
            "pdf_url",
            "verification_url",
            "modified_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pdf_url(self, transcript) -> str | None:
        if transcript.revoked_at:
            return None
        return reverse("api:transcript-pdf", args=[transcript.pk])


class TranscriptFilter(SyncFilterSet):
    class Meta:
        model = Transcript
        fields = ["enrollment", "diploma"]


class TranscriptViewSet(TransferReadMixin, viewsets.ReadOnlyModelViewSet):
    """Transcripts of records of the caller's students (issued with a diploma or alone; revoked ones included)."""

    serializer_class = TranscriptSerializer
    filterset_class = TranscriptFilter
    ordering_fields = ["id", "issued_at", "number", "modified_at"]
    ordering = ["-issued_at", "-id"]

    def get_queryset(self):
        return selectors.transcript_list(viewer=api_viewer(self.request))

    @extend_schema(
        summary="The signed PDF of a valid transcript of records",
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY, description="The signed PDF/A file."),
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
        },
        filters=False,
    )
    @action(
        detail=True,
        methods=["get"],
        filterset_class=None,
        ordering_fields=[],
        renderer_classes=[JSONRenderer, PdfRenderer],
    )
    def pdf(self, request, pk=None):
        try:
            transcript = (
                selectors.transcripts_visible_to(viewer=api_viewer(request)).filter(revoked_at__isnull=True).get(pk=pk)
            )
            handle = transcript.pdf.open("rb")
        except (Transcript.DoesNotExist, FileNotFoundError, ValueError):
            raise exceptions.NotFound() from None
        response = FileResponse(
            handle, as_attachment=True, filename=f"{transcript.number}.pdf", content_type="application/pdf"
        )
        response["Cache-Control"] = "private, no-store"
        # The signed PDF names the holder in three scripts and lists their results.
        api_read_record(
            request,
            rows=[{"student": transcript.enrollment.student_id, "transcript": transcript.pk}],
            categories=[Category.NAMES, Category.EDUCATION],
        )
        return response
