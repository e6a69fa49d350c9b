"""The OpenAPI schema class of the partner API (``DEFAULT_SCHEMA_CLASS``), apart from ``mobility/api.py`` because it
needs ``rest_framework.views``, which reads the settings that name ``mobility.api``."""

from drf_spectacular.openapi import AutoSchema

from .api import ErrorSerializer


class ApiAutoSchema(AutoSchema):
    """Documents the error responses every operation may give, in the one error shape, also where an operation's
    ``extend_schema(responses=...)`` names only its success."""

    def error_codes(self) -> list[str]:
        codes = ["401", "403", "429"]
        if self.method == "GET":
            codes += ["400", "404"]  # a filter out of range; an id not visible, a page past the last
        else:
            codes += ["400", "409"]  # invalid body, refused by a service; Idempotency-Key conflicts
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
