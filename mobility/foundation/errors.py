"""The site's own error pages (400, 403, 404, 500 and the CSRF failure), in the visitor's language and layout.

The layout follows the viewer: the staff layout for office staff, the portal's for a student, the public one for
anyone else; a view whose errors belong to the public whatever the viewer (the diploma's verification page) says so
with ``error_layout = PUBLIC_LAYOUT``. The language is the request's, set by ``LocaleMiddleware`` before the view
ran. The 500 page renders without the request's context (no context processor, no query): whatever failed, the
database included, must not fail it too.
"""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.utils.functional import Promise
from django.utils.translation import get_language
from django.views.decorators.csrf import requires_csrf_token

from mobility.foundation.access import is_office_staff
from mobility.foundation.views import is_student

STAFF_LAYOUT = "base.html"
PORTAL_LAYOUT = "portal/base.html"
PUBLIC_LAYOUT = "public_base.html"


def error_layout(request: HttpRequest) -> str:
    """The template an error page of this request extends."""
    match = getattr(request, "resolver_match", None)
    declared = getattr(getattr(match, "func", None), "view_class", None)
    if declared is not None and getattr(declared, "error_layout", None):
        return declared.error_layout
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return PUBLIC_LAYOUT
    if is_office_staff(user):
        return STAFF_LAYOUT
    if is_student(user):
        return PORTAL_LAYOUT
    return PUBLIC_LAYOUT


def _message(exception) -> str:
    # The views' own messages ("No such student.") are translated text for the visitor; the resolver's 404 carries a
    # dict of the patterns tried, which is not shown.
    message = exception.args[0] if exception is not None and exception.args else ""
    return str(message) if isinstance(message, str | Promise) else ""


def _render(request, template: str, response_class, exception=None) -> HttpResponse:
    context = {"layout": error_layout(request), "message": _message(exception), "request_path": request.path}
    return response_class(loader.render_to_string(template, context, request=request))


@requires_csrf_token
def bad_request(request, exception=None):
    return _render(request, "400.html", HttpResponseBadRequest)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _render(request, "403.html", HttpResponseForbidden, exception)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _render(request, "404.html", HttpResponseNotFound, exception)


def server_error(request=None):
    """The 500 page: a template of its own that extends nothing and is rendered without the request."""
    html = loader.get_template("500.html").render({"LANGUAGE_CODE": get_language()})
    return HttpResponseServerError(html)


@requires_csrf_token
def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form sent without a valid token (left open past the session, or sent from
    another site)."""
    return _render(request, "403_csrf.html", HttpResponseForbidden)
