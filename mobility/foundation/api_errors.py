"""Every answer under ``/api/`` is JSON in the API's one error shape (docs/api.md#errors), also the answers that
never reach DRF: Django's own 400 (``DisallowedHost``, ``RequestDataTooBig``, any ``SuspiciousOperation``), 403 (a
CSRF failure), 404 and 500 pages, which are HTML for the site's pages.

``ApiErrorsMiddleware`` sits just inside ``RequestIdMiddleware`` (so the answer keeps its ``X-Request-ID``): a body
over ``DATA_UPLOAD_MAX_MEMORY_SIZE`` is refused with a 413 before anything reads it, and an error answer under
``/api/`` that is not JSON is answered again as JSON with the same status and headers. Paths outside ``/api/`` pass
untouched. Imports no DRF view: settings load this module.
"""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from mobility.foundation.api import error_body, request_too_large_body

API_PREFIX = "/api/"

# The error of a status that Django (not the API) answered, as the API states it.
_ERRORS = {
    400: ("bad_request", _("The request could not be read: a header, the host or the body is malformed.")),
    403: ("forbidden", _("The request was refused (a session's write needs its CSRF token; systems use an API key).")),
    404: ("not_found", _("No API endpoint at this URL.")),
    405: ("method_not_allowed", _("This method is not allowed at this URL.")),
    500: ("server_error", _("The server failed to answer; the error is logged. Retry later, or tell the office.")),
}
_HEADERS_OF_THE_BODY = {"content-type", "content-length", "content-disposition", "content-encoding"}


def is_api_path(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _is_json(response) -> bool:
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return content_type == "application/json" or content_type.endswith("+json")


def as_json_error(response) -> HttpResponse:
    """``response`` (an error that is not JSON) answered again in the error shape: same status and headers."""
    code, message = _ERRORS.get(response.status_code, ("error", response.reason_phrase))
    answer = HttpResponse(
        json.dumps(error_body(code, message), ensure_ascii=False),
        status=response.status_code,
        content_type="application/json",
    )
    for header, value in response.items():
        if header.lower() not in _HEADERS_OF_THE_BODY:
            answer[header] = value
    answer.cookies = response.cookies
    return answer


class ApiErrorsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api_path(request):
            return self.get_response(request)
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is not None and _declared_length(request) > limit:
            # Refused before the body is read; LocaleMiddleware has not run yet, so the language is chosen here.
            with translation.override(translation.get_language_from_request(request)):
                return JsonResponse(
                    request_too_large_body(limit), status=413, json_dumps_params={"ensure_ascii": False}
                )
        response = self.get_response(request)
        if response.status_code >= 400 and not _is_json(response):
            response = as_json_error(response)
        return response
