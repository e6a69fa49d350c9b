"""What the partner API shows of diplomas, and the verification lookup by number."""

from django.urls import reverse
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..models import Diploma


class DiplomaSerializer(serializers.ModelSerializer):
    student = serializers.IntegerField(source="enrollment.student_id", read_only=True)
    pdf_url = serializers.SerializerMethodField(help_text="The signed PDF (API); null until the diploma is issued.")
    credential_url = serializers.SerializerMethodField(
        help_text="The verifiable credential (API, JSON); null until the diploma is issued with one."
    )
    verification_url = serializers.SerializerMethodField(
        help_text="The public verification page (the QR code's target); null until the diploma is issued."
    )

    class Meta:
        model = Diploma
        fields = [
            "id",
            "enrollment",
            "student",
            "number",
            "status",
            "requested_at",
            "issued_at",
            "sha256",
            "revoked_at",
            "revoked_reason",
            "pdf_url",
            "credential_url",
            "verification_url",
            "modified_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_pdf_url(self, diploma) -> str | None:
        if diploma.status != Diploma.Status.ISSUED:
            return None
        return reverse("api:diploma-pdf", args=[diploma.pk])

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_credential_url(self, diploma) -> str | None:
        if diploma.status != Diploma.Status.ISSUED or not diploma.credential:
            return None
        return reverse("api:diploma-credential", args=[diploma.pk])

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_verification_url(self, diploma) -> str | None:
        if diploma.status not in (Diploma.Status.ISSUED, Diploma.Status.REVOKED):
            return None
        return diploma.verification_url


class DiplomaLookupSerializer(serializers.Serializer):
    """What the public verification page says about a diploma, found by its number."""

    number = serializers.CharField()
    status = serializers.ChoiceField(choices=[Diploma.Status.ISSUED, Diploma.Status.REVOKED])
    family_name_han = serializers.CharField(source="enrollment.student.family_name_han")
    given_name_han = serializers.CharField(source="enrollment.student.given_name_han")
    family_name_latin = serializers.CharField(source="enrollment.student.family_name_latin")
    given_name_latin = serializers.CharField(source="enrollment.student.given_name_latin")
    family_name_cyrillic = serializers.CharField(source="enrollment.student.family_name_cyrillic")
    given_name_cyrillic = serializers.CharField(source="enrollment.student.given_name_cyrillic")
    track_code = serializers.CharField(source="enrollment.track.code")
    track_name_en = serializers.CharField(source="enrollment.track.name_en")
    track_name_ru = serializers.CharField(source="enrollment.track.name_ru")
    track_name_zh = serializers.CharField(source="enrollment.track.name_zh")
    issued_on = serializers.SerializerMethodField()
    sha256 = serializers.CharField(help_text="SHA-256 of the issued PDF: compare it with a copy's.")
    revoked_at = serializers.DateTimeField(allow_null=True)
    revoked_reason = serializers.CharField(allow_blank=True)

    @extend_schema_field(serializers.DateField())
    def get_issued_on(self, diploma) -> str:
        from django.utils import timezone

        return timezone.localdate(diploma.issued_at).isoformat()
