"""``/api/v1/me/``: who is calling. The cheapest endpoint (the key's one query), which the benchmarks use as the
bare DRF endpoint."""

from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from mobility.foundation.access import is_staff_key, partner_can_write, partner_institution_id
from mobility.foundation.models import PartnerAPIKey
from programs.models import Institution


class MeInstitutionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name_en = serializers.CharField()
    name_ru = serializers.CharField()
    name_zh = serializers.CharField()


class MeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=["partner_key", "staff_key", "staff_user", "partner_user"],
        help_text="A partner's key, and a partner coordinator's or observer's session (partner_user), see their own "
        "institution's rows; staff keys and staff users see all.",
    )
    institution = MeInstitutionSerializer(
        allow_null=True, help_text="The key's institution, or a partner user's college; null for a staff user."
    )
    key_name = serializers.CharField(allow_null=True)
    key_prefix = serializers.CharField(allow_null=True, help_text="The public part of the key, before the dot.")
    scopes = serializers.ListField(child=serializers.ChoiceField(choices=PartnerAPIKey.Scope.choices))
    expires_at = serializers.DateTimeField(allow_null=True)
    username = serializers.CharField(allow_null=True, help_text="The user of a session; null for a key.")


def _institution(institution: Institution) -> dict:
    return {
        "id": institution.pk,
        "code": institution.code,
        "name_en": institution.name_en,
        "name_ru": institution.name_ru,
        "name_zh": institution.name_zh,
    }


class MeView(APIView):
    @extend_schema(
        operation_id="me",
        summary="Who is calling",
        responses=MeSerializer,
        examples=[
            OpenApiExample(
                "Partner key",
                value={
                    "kind": "partner_key",
                    "institution": {
                        "id": 2,
                        "code": "CQEVTC",
                        "name_en": "Chongqing Electronic Vocational and Technical College",
                        "name_ru": "Чунцинский колледж",
                        "name_zh": "重庆电子工程职业学院",
                    },
                    "key_name": "Chongqing SIS",
                    "key_prefix": "Xy7kP2aQ",
                    "scopes": ["read", "write"],
                    "expires_at": None,
                    "username": None,
                },
            )
        ],
    )
    def get(self, request):
        key = request.auth if isinstance(request.auth, PartnerAPIKey) else None
        if key is None:
            # A partner coordinator (both scopes) or observer (read) uses the API as its college's key would.
            college = partner_institution_id(request.user)
            read, write = PartnerAPIKey.Scope.READ, PartnerAPIKey.Scope.WRITE
            data = {
                "kind": "staff_user" if college is None else "partner_user",
                "institution": None if college is None else _institution(Institution.objects.get(pk=college)),
                "key_name": None,
                "key_prefix": None,
                "scopes": [read, write] if college is None or partner_can_write(request.user) else [read],
                "expires_at": None,
                "username": request.user.get_username(),
            }
        else:
            data = {
                "kind": "staff_key" if is_staff_key(key) else "partner_key",
                "institution": _institution(key.institution),
                "key_name": key.name,
                "key_prefix": key.prefix,
                "scopes": list(key.scopes),
                "expires_at": key.expiry_date,
                "username": None,
            }
        return Response(MeSerializer(data).data)
