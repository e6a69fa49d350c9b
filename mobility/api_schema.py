"""The OpenAPI schema class of the partner API (``DEFAULT_SCHEMA_CLASS``), apart from ``mobility/api.py`` because it
needs ``rest_framework.views``, which reads the settings that name ``mobility.api``."""

from typing import Any

from drf_spectacular.openapi import AutoSchema

from .api import ErrorSerializer


class ApiAutoSchema(AutoSchema):
    """Documents the error responses every operation may give, in the one error shape."""

    def get_response_serializers(self):
        base = super().get_response_serializers()
        if isinstance(base, dict):
            responses: dict[Any, Any] = dict(base)
        else:
            success = "201" if self._is_create_operation() else "200"
            responses = {success: base}
        codes = {str(code[0] if isinstance(code, tuple) else code) for code in responses}
        errors = ["401", "403", "429"]
        if "{" in self.path and self.method != "GET":
            errors.append("404")
        if self.method in ("POST", "PUT", "PATCH"):
            errors += ["400", "409"]
        elif self.method == "GET":
            errors += ["400", "404"]  # a filter out of range; a page past the last
        for code in errors:
            if code not in codes:
                responses[code] = ErrorSerializer
        return responses
