"""Partner API for webhook endpoints and their deliveries, routed by ``mobility/foundation/api.py``.

``ROUTES`` is a list of ``(prefix, viewset, basename)`` registered on the ``/api/v1/`` router. A partner's key
registers, reads, changes and removes its own institution's endpoints (the secret is in the answer to the creation
only) and reads their deliveries; office staff see every partner's and name the institution when they create one.
Thin: a serializer validates, a selector scoped by the caller reads, one service writes (docs/webhooks.md).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.response import Response

from mobility.foundation.access import partner_institution_id
from mobility.foundation.api import JSONTypesMixin, ScopedPrimaryKeyRelatedField, api_viewer
from mobility.foundation.api_lists import ApiFilterSet, IdFilter
from mobility.foundation.idempotency import idempotent
from mobility.foundation.models import WebhookDelivery, WebhookEndpoint
from mobility.foundation.webhooks import selectors, services
from programs.models import Institution
from programs.selectors import institutions_visible_to

CHANGEABLE = ("url", "events", "description", "is_active")


class WebhookEndpointSerializer(JSONTypesMixin, serializers.ModelSerializer):
    institution = ScopedPrimaryKeyRelatedField(
        selector=institutions_visible_to,
        queryset=Institution.objects.all(),
        required=False,
        help_text="Staff only, on creation; a partner's endpoints belong to its own institution.",
    )
    url = serializers.CharField(max_length=500, help_text="An http:// or https:// URL that accepts POST requests.")
    events = serializers.ListField(child=serializers.ChoiceField(choices=WebhookEndpoint.Event.choices), min_length=1)

    class Meta:
        model = WebhookEndpoint
        fields = ["id", "institution", "url", "events", "description", "is_active", "created_at", "modified_at"]
        read_only_fields = ["created_at", "modified_at"]


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="The HMAC-SHA256 key of the signatures; shown only here.")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event",
            "event_id",
            "status",
            "attempts",
            "response_code",
            "last_error",
            "created_at",
            "last_attempt_at",
            "next_attempt_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields


ENDPOINT_EXAMPLE = {
    "url": "https://sis.cqcollege.example.cn/hooks/mobility",
    "events": ["application.decided", "result.recorded", "diploma.issued", "diploma.revoked"],
    "description": "Student information system",
}


class WebhookEndpointFilter(ApiFilterSet):
    class Meta:
        model = WebhookEndpoint
        fields = ["is_active"]


@extend_schema_view(
    create=extend_schema(
        summary="Register a webhook endpoint",
        description="The answer holds the endpoint's signing secret; it is not shown again.",
        responses={201: WebhookEndpointCreatedSerializer},
        examples=[OpenApiExample("An endpoint", value=ENDPOINT_EXAMPLE, request_only=True)],
    ),
)
class WebhookEndpointViewSet(viewsets.ModelViewSet):
    serializer_class = WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilter
    ordering_fields = ["created_at", "url"]

    def get_queryset(self):
        return selectors.webhook_endpoints_visible_to(viewer=api_viewer(self.request))

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "viewer": api_viewer(self.request)}

    @idempotent
    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        viewer = api_viewer(request)
        institution = serializer.validated_data.get("institution")
        own = partner_institution_id(viewer)
        if own is not None:
            institution = Institution.objects.get(pk=own)
        elif institution is None:
            raise exceptions.ValidationError({"institution": [_("Name the institution.")]}, code="required")
        data = serializer.validated_data
        endpoint = services.webhook_endpoint_create(
            institution=institution,
            url=data["url"],
            events=data["events"],
            description=data.get("description", ""),
            by=viewer,
        )
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    @idempotent
    def update(self, request, *args, **kwargs):
        endpoint = self.get_object()
        serializer = self.get_serializer(endpoint, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        values = {field: value for field, value in serializer.validated_data.items() if field in CHANGEABLE}
        services.webhook_endpoint_update(endpoint=endpoint, by=api_viewer(request), **values)
        return Response(self.get_serializer(endpoint).data)

    def partial_update(self, request, *args, **kwargs):
        return self.update(request, *args, partial=True, **kwargs)

    @idempotent
    def destroy(self, request, *args, **kwargs):
        services.webhook_endpoint_delete(endpoint=self.get_object(), by=api_viewer(request))
        return Response(status=status.HTTP_204_NO_CONTENT)


class WebhookDeliveryFilter(ApiFilterSet):
    # An id, not a choice among all endpoints: another partner's id filters to nothing instead of answering 400.
    endpoint = IdFilter(field_name="endpoint_id")

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event"]


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The deliveries to the caller's endpoints, newest first: what was sent, how often, and the last answer."""

    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilter
    ordering_fields = ["created_at"]

    def get_queryset(self):
        return selectors.webhook_deliveries_visible_to(viewer=api_viewer(self.request))


ROUTES: list = [
    ("webhook-endpoints", WebhookEndpointViewSet, "webhook-endpoint"),
    ("webhook-deliveries", WebhookDeliveryViewSet, "webhook-delivery"),
]
