"""The OpenAPI schema class of the partner API (``DEFAULT_SCHEMA_CLASS``), apart from ``mobility/foundation/api.py``
because it
needs ``rest_framework.views``, which reads the settings that name ``mobility.foundation.api``."""

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter

from mobility.foundation.api import ErrorSerializer
from mobility.foundation.api_lists import NOT_BLANK_TEXT
from mobility.foundation.idempotency import IDEMPOTENCY_HEADER

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

# Every write takes it (``mobility.foundation.idempotency.idempotent``): declared here, for every operation that is not
# a read, so a
# write added later is documented with it and generated clients can send it per request.
IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    {"type": "string", "minLength": 1, "maxLength": 255, "pattern": NOT_BLANK_TEXT},
    OpenApiParameter.HEADER,
    required=False,
    description=(
        "Optional, recommended: a key of yours for this request (1-255 characters, a UUID is best). Retried with the "
        "same key and body, the request is answered with the first answer (Idempotent-Replayed: true) and writes "
        "nothing again; the same key with another body is a 409. Kept 24 hours. docs/api.md#writes-you-can-repeat."
    ),
)


class ApiAutoSchema(AutoSchema):
    """Documents the error responses every operation may give, in the one error shape, also where an operation's
    ``extend_schema(responses=...)`` names only its success."""

    def get_override_parameters(self):
        parameters = super().get_override_parameters()
        if self.method not in SAFE_METHODS:
            parameters = [*parameters, IDEMPOTENCY_KEY_PARAMETER]
        return parameters

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        if self.method == "GET":
            codes += ["400", "404"]  # a filter out of range; an id not visible, a page past the last
        else:
            codes += ["400", "409"]  # invalid body, refused by a service; Idempotency-Key conflicts
            if self.method != "DELETE":
                codes += ["413", "415"]  # a body over DATA_UPLOAD_MAX_MEMORY_SIZE; a body that is not JSON
            if "{" in self.path:
                codes.append("404")
        return codes

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        if direction == "response":
            for code in self.error_codes():
                if code not in responses:
                    responses[code] = self._get_response_for_code(ErrorSerializer, code, direction=direction)
        return responses
