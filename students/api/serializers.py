"""What the partner API shows and accepts of students, enrollments and results. Related ids in a body are looked
up among the rows the caller may see, so another partner's student or cohort "does not exist"."""

from django.utils.translation import gettext as _
from rest_framework import serializers

from mobility.foundation.access import COORDINATOR, OBSERVER, can_view_sensitive, partner_institution_id
from mobility.foundation.api import JSONTypesMixin, ScopedPrimaryKeyRelatedField
from mobility.foundation.api_lists import ValuesRepresentation
from mobility.foundation.models import AuditEntry
from programs.models import Cohort, Institution
from programs.selectors import cohorts_visible_to, institutions_visible_to

from ..consent.models import Consent
from ..consent.services import Attestation
from ..models import Enrollment, ModuleResult, Student
from ..names import normalize_names
from ..selectors import student_list
from ..services.records import STUDENT_EDITABLE_FIELDS


def _viewer(serializer):
    return serializer.context["viewer"]


def _students(*, viewer):
    return student_list(viewer=viewer).prefetch_related(None)


class TransferConsentSerializer(JSONTypesMixin, serializers.Serializer):
    """The college's attestation that it collected the student's consent to the transfer of their personal data
    from China to Russia (docs/privacy.md)."""

    version = serializers.IntegerField(
        min_value=1,
        help_text="The version of the published consent text the student signed at the college (the current one, or "
        "one replaced since).",
    )
    collected_on = serializers.DateField(
        help_text="The day the college collected the signed consent (YYYY-MM-DD, not in the future)."
    )

    def to_internal_value(self, data):
        values = super().to_internal_value(data)
        # Both members, also in a PATCH: DRF's partial validation would otherwise let one of them be left out.
        missing = [name for name in ("version", "collected_on") if name not in values]
        if missing:
            raise serializers.ValidationError({name: [_("This field is required.")] for name in missing})
        return Attestation(version=values["version"], collected_on=values["collected_on"], channel=Consent.Channel.API)


class StudentSerializer(JSONTypesMixin, serializers.ModelSerializer):
    """A student. ``home_institution`` defaults to the key's institution for a partner (staff must name it).

    Passport data and the birth date (``Student.SENSITIVE_FIELDS``) are written by partners for their own students,
    but read back only in the response to the request that sent them (and by office staff allowed to see them):
    a list or a detail never returns them to an API key (docs/api.md#students)."""

    home_institution = ScopedPrimaryKeyRelatedField(
        queryset=Institution.objects.none(), selector=institutions_visible_to, required=False
    )
    transfer_consent = TransferConsentSerializer(
        write_only=True,
        required=False,
        help_text="The college attests that it collected the student's consent to the transfer of personal data to "
        "Russia. Required with passport data or the birth date unless the student holds that consent already (given "
        "in the portal or attested before); without it they are refused with a 400 on transfer_consent "
        "(code consent_required). Recorded with the student, channel api.",
    )

    class Meta:
        model = Student
        # what the office may write on a student, the same list as the staff pages
        fields = ["id", *STUDENT_EDITABLE_FIELDS, "transfer_consent", "created_at", "modified_at"]
        read_only_fields = ["id", "created_at", "modified_at"]
        extra_kwargs = {field: {"required": False} for field in Student.SENSITIVE_FIELDS}
        # Uniqueness (home id per institution, e-mail) is the service's to check, against the database.
        validators: list = []

    def to_internal_value(self, data):
        # Names are stored normalized (students/names.py) before the model's validators judge them: a 400 then
        # names the field and says what cannot be in it.
        if isinstance(data, dict):
            data = normalize_names(data)
        return super().to_internal_value(data)

    def validate(self, attrs):
        if self.instance is None and "home_institution" not in attrs:
            own = partner_institution_id(_viewer(self))
            if own is None:
                raise serializers.ValidationError({"home_institution": [_("This field is required.")]})
            # The viewer's college: a key's institution, or a coordinator's (a session's user has no ``institution``).
            attrs["home_institution"] = Institution.objects.get(pk=own)
        return attrs

    def to_representation(self, instance):
        data = super().to_representation(instance)
        shown = self.context.get("sensitive_shown", ())
        if not can_view_sensitive(self.context.get("viewer")):
            for field in Student.SENSITIVE_FIELDS:
                if field not in shown:
                    data.pop(field, None)
        return data


def student_list_representation(*, viewer) -> ValuesRepresentation:
    """``StudentSerializer`` for lists, over ``values()`` rows: without the sensitive fields unless the viewer may
    see them (a list never shows a key what it sent: no ``sensitive_shown`` here)."""
    exclude = () if can_view_sensitive(viewer) else tuple(Student.SENSITIVE_FIELDS)
    return ValuesRepresentation.for_serializer(StudentSerializer, exclude=exclude)


class EnrollmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Enrollment
        fields = [
            "id",
            "student",
            "cohort",
            "track",
            "status",
            "source",
            "applied_on",
            "admitted_on",
            "enrolled_on",
            "completed_on",
            "closed_on",
            "status_reason",
            "created_at",
            "modified_at",
        ]
        read_only_fields = fields


class EnrollmentApplySerializer(JSONTypesMixin, serializers.Serializer):
    """An application of one of the caller's students to one of the caller's cohorts that takes applications."""

    student = ScopedPrimaryKeyRelatedField(queryset=Student.objects.none(), selector=_students)
    cohort = ScopedPrimaryKeyRelatedField(
        queryset=Cohort.objects.none(), selector=cohorts_visible_to, help_text="A cohort that takes applications."
    )
    notes = serializers.CharField(required=False, allow_blank=True, default="", max_length=2000, write_only=True)


class StatusChangeSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    action = serializers.CharField(help_text="enrollment.apply, enrollment.admit, enrollment.reject, …")
    from_status = serializers.CharField(allow_null=True)
    to_status = serializers.CharField()
    reason = serializers.CharField(allow_blank=True)
    by = serializers.ChoiceField(choices=["office", "partner", "system"])

    def to_representation(self, entry: AuditEntry):
        old, new = entry.changes["status"]
        label = entry.actor_label
        # A partner's key, or one of the college's people in the partner portal (a coordinator's nomination).
        partner = label.startswith("api-key:") or getattr(entry, "actor_role", None) in (COORDINATOR, OBSERVER)
        by = "system" if label == "system" else "partner" if partner else "office"
        return {
            "at": serializers.DateTimeField().to_representation(entry.at),
            "action": entry.action,
            "from_status": old,
            "to_status": new,
            "reason": entry.reason,
            "by": by,
        }


class ProgressSerializer(serializers.Serializer):
    """``students.progress.enrollment_progress``, the numbers the staff pages show."""

    enrollment = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Enrollment.Status.choices)
    # A field named "required": DRF's metaclass takes declared fields out of the class, so Field.required stays.
    required = serializers.IntegerField(help_text="Required modules of the track.")  # type: ignore[assignment]
    required_passed = serializers.IntegerField(help_text="Required modules with a passing result.")
    modules = serializers.IntegerField()
    modules_passed = serializers.IntegerField()
    hours_total = serializers.IntegerField()
    hours_passed = serializers.IntegerField()
    credits_total = serializers.DecimalField(max_digits=8, decimal_places=1)
    credits_passed = serializers.DecimalField(max_digits=8, decimal_places=1)
    percent = serializers.IntegerField(help_text="Required modules passed, in percent (100 when none required).")


class ResultSerializer(serializers.ModelSerializer):
    student = serializers.IntegerField(source="enrollment.student_id", read_only=True)
    module_code = serializers.CharField(source="module.code", read_only=True)
    passed = serializers.BooleanField(read_only=True)

    class Meta:
        model = ModuleResult
        fields = [
            "id",
            "enrollment",
            "student",
            "module",
            "module_code",
            "attempt",
            "score",
            "grade",
            "passed",
            "assessed_on",
            "source",
            "modified_at",
        ]
        read_only_fields = fields
