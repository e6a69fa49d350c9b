"""Partner API over diplomas: the list and one diploma, the signed PDF of an issued one, and the lookup by number."""

from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from mobility.foundation.api import ErrorSerializer, api_viewer
from mobility.foundation.api_lists import NOT_BLANK_TEXT, SyncFilterSet, TextFilter, shared_serializer
from students.api.transfers import TransferReadMixin, api_read_record
from students.consent.models import Category

from .. import selectors
from ..credentials.documents import enveloped_bytes
from ..models import Diploma
from .serializers import DiplomaLookupSerializer, DiplomaSerializer


class PdfRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; the file itself is a ``FileResponse``, and an error in
    answer to such a request is still the JSON error body."""

    media_type = "application/pdf"
    format = "pdf"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return JSONRenderer().render(data, renderer_context=renderer_context)


class DiplomaFilter(SyncFilterSet):
    number = TextFilter(lookup_expr="iexact", help_text="The diploma's number, whatever its letter case.")

    class Meta:
        model = Diploma
        fields = ["status", "enrollment", "number"]


class DiplomaViewSet(TransferReadMixin, viewsets.ReadOnlyModelViewSet):
    """Diplomas of the caller's students, in every status (requested, rendering, issued, failed, revoked)."""

    serializer_class = DiplomaSerializer
    filterset_class = DiplomaFilter
    ordering_fields = ["id", "requested_at", "issued_at", "number", "modified_at"]
    ordering = ["-requested_at", "-id"]

    def get_queryset(self):
        return selectors.diploma_list(viewer=api_viewer(self.request))

    @extend_schema(
        summary="The signed PDF of an issued diploma",
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
            diploma = (
                selectors.diplomas_visible_to(viewer=api_viewer(request))
                .select_related("enrollment")
                .get(pk=pk, status=Diploma.Status.ISSUED)
            )
            handle = diploma.pdf.open("rb")
        except (Diploma.DoesNotExist, FileNotFoundError, ValueError):
            raise exceptions.NotFound() from None
        response = FileResponse(
            handle, as_attachment=True, filename=f"{diploma.number}.pdf", content_type="application/pdf"
        )
        response["Cache-Control"] = "private, no-store"
        # The signed PDF names the holder in three scripts.
        api_read_record(
            request,
            rows=[{"student": diploma.enrollment.student_id, "diploma": diploma.pk}],
            categories=[Category.NAMES],
        )
        return response

    @extend_schema(
        summary="The verifiable credential of an issued diploma",
        description=(
            "The diploma's Open Badges 3.0 credential (W3C VC Data Model 2.0) secured with VC-JOSE: a JSON "
            "EnvelopedVerifiableCredential whose id is data:application/vc+jwt,<compact JWS>. The same file is "
            "embedded in the diploma's PDF (credential.json). Verify the JWS with the issuer's key from its DID "
            "document (/.well-known/did.json) and the status list it names; guide: docs/credentials.md."
        ),
        responses={
            (200, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT, description="The enveloped credential."),
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
        },
        filters=False,
    )
    @action(detail=True, methods=["get"], filterset_class=None, ordering_fields=[], pagination_class=None)
    def credential(self, request, pk=None):
        try:
            diploma = (
                selectors.diplomas_visible_to(viewer=api_viewer(request))
                .select_related("enrollment")
                .get(pk=pk, status=Diploma.Status.ISSUED)
            )
        except (Diploma.DoesNotExist, ValueError):
            raise exceptions.NotFound() from None
        if not diploma.credential:
            raise exceptions.NotFound(_("This diploma was issued before credentials existed and has none."))
        api_read_record(
            request,
            rows=[{"student": diploma.enrollment.student_id, "diploma": diploma.pk}],
            categories=[Category.NAMES],
        )
        return HttpResponse(enveloped_bytes(diploma.credential), content_type="application/json")

    @extend_schema(
        summary="Verify a diploma by its number",
        parameters=[
            OpenApiParameter(
                "number",
                {"type": "string", "minLength": 1, "pattern": NOT_BLANK_TEXT},
                required=True,
                description="The number printed on the diploma, in any letter case, e.g. STK-IAM-2026-000042.",
            )
        ],
        responses={
            200: DiplomaLookupSerializer,
            400: ErrorSerializer,
            401: ErrorSerializer,
            403: ErrorSerializer,
            404: ErrorSerializer,
            429: ErrorSerializer,
        },
        filters=False,
    )
    @action(detail=False, methods=["get"], pagination_class=None, filterset_class=None, ordering_fields=[])
    def lookup(self, request):
        number = (request.query_params.get("number") or "").strip()
        if not number or "\x00" in number:
            raise exceptions.ValidationError({"number": [_("This parameter is required.")]})
        try:
            diploma = selectors.diploma_lookup(viewer=api_viewer(request), number=number)
        except Diploma.DoesNotExist:
            raise exceptions.NotFound(_("No issued diploma of your students has this number.")) from None
        data = shared_serializer(DiplomaLookupSerializer).to_representation(diploma)
        api_read_record(request, rows=[{"student": diploma.enrollment.student_id, "diploma": diploma.pk, **data}])
        return Response(data)
