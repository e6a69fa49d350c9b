"""What the partner API shows of institutions, tracks, modules and cohorts. Related rows are ids."""

from rest_framework import serializers

from ..models import Cohort, Institution, Module, Track
from ..services import MODULE_FIELDS, TRACK_FIELDS


class InstitutionSerializer(serializers.ModelSerializer):
    # Often blank: a plain string in the schema, not a "uri" that "" would break.
    website = serializers.CharField(read_only=True)

    class Meta:
        model = Institution
        fields = [
            "id",
            "code",
            "kind",
            "name_en",
            "name_ru",
            "name_zh",
            "short_name",
            "country",
            "city",
            "website",
            "is_active",
            "modified_at",
        ]
        read_only_fields = fields


class TrackSerializer(serializers.ModelSerializer):
    class Meta:
        model = Track
        fields = ["id", *TRACK_FIELDS, "modified_at"]
        read_only_fields = fields


class ModuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = Module
        fields = ["id", "track", *MODULE_FIELDS, "modified_at"]
        read_only_fields = fields


class CohortSerializer(serializers.ModelSerializer):
    # The truth for today, not the office's switch alone: a cohort past its deadline takes no application.
    accepts_applications = serializers.BooleanField(
        source="is_open_for_applications",
        read_only=True,
        help_text="Whether the cohort accepts applications today (the site's date, Europe/Moscow): the office "
        "accepts them and the application deadline, if any, has not passed.",
    )

    class Meta:
        model = Cohort
        fields = [
            "id",
            "code",
            "name",
            "track",
            "host",
            "partner",
            "start_date",
            "end_date",
            "application_deadline",
            "capacity",
            "delivery_mode",
            "accepts_applications",
            "modified_at",
        ]
        read_only_fields = fields
