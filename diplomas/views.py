"""Diploma pages: staff actions (request, retry, revoke, reissue), the cohort's batch progress (polled by htmx), the
authorized PDF download and the public verification page.

Views stay thin: a form validates, a selector reads or one service writes; refusals (``DomainError``) are shown.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django_ratelimit.core import get_usage

from mobility.foundation import uploads
from mobility.foundation.errors import PUBLIC_LAYOUT
from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import StaffRequiredMixin
from programs.models import Cohort
from students.public_names import name_matches
from students.selectors import enrollments_for_action

from . import selectors, services, signing, verification
from .credentials.documents import enveloped_bytes
from .credentials.keys import issuer_did
from .forms import DiplomaReasonForm, NameCheckForm, PdfCheckForm
from .models import Diploma

# htmx stops polling when a response has this status (the batch is done, or there is none).
HTMX_STOP_POLLING = 286


def _student_url(diploma: Diploma) -> str:
    return (
        reverse("students:student-detail", args=[diploma.enrollment.student_id])
        + f"#enrollment-{diploma.enrollment_id}"
    )


# --- staff actions -------------------------------------------------------------------------------------------------


class EnrollmentDiplomaRequestView(StaffRequiredMixin, View):
    permission_required = "diplomas.add_diploma"

    def post(self, request, pk):
        enrollment = enrollments_for_action(viewer=request.user, ids=[pk]).first()
        if enrollment is None:
            raise Http404
        try:
            diploma = services.diploma_request(enrollment=enrollment, requested_by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            # Whatever the broker does: the request is kept in the outbox and sent when it can be (decision 0017).
            if diploma.status == Diploma.Status.REQUESTED:
                messages.success(request, _("Diploma requested: it is queued for rendering."))
            else:
                messages.success(
                    request, _("Diploma requested (%(status)s).") % {"status": diploma.get_status_display()}
                )
        return redirect(reverse("students:student-detail", args=[enrollment.student_id]) + f"#enrollment-{pk}")


def cohort_page_context(cohort) -> dict:
    """The cohort page's part (registered in ``DiplomasConfig.ready``): why "Request diplomas for all eligible" would
    be refused now, or "" when it would request at least one."""
    refusal = services.diplomas_request_for_cohort_refusal(cohort=cohort)
    return {"diploma_request_refusal": refusal.message if refusal else ""}


class CohortDiplomasRequestView(StaffRequiredMixin, View):
    permission_required = "diplomas.add_diploma"

    def post(self, request, pk):
        try:
            cohort = Cohort.objects.get(pk=pk)
        except Cohort.DoesNotExist:
            raise Http404 from None
        try:
            batch = services.diplomas_request_for_cohort(cohort=cohort, requested_by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            count = batch.diplomas.count()
            messages.success(
                request,
                ngettext(
                    "%(n)s diploma requested: queued for rendering.",
                    "%(n)s diplomas requested: queued for rendering.",
                    count,
                )
                % {"n": count},
            )
        return redirect("students:cohort-detail", pk=pk)


class CohortDiplomaProgressView(StaffRequiredMixin, View):
    """The progress partial of the cohort's latest batch; polled every second by htmx until the batch is done."""

    permission_required = "diplomas.view_diploma"

    def get(self, request, pk):
        progress = selectors.cohort_latest_batch_progress(cohort_id=pk)
        response = render(request, "diplomas/_batch_progress.html", {"progress": progress})
        if progress is None or progress.done:
            response.status_code = HTMX_STOP_POLLING
        response["Cache-Control"] = "no-store"
        return response


class DiplomaActionMixin(StaffRequiredMixin):
    permission_required = "diplomas.change_diploma"

    def diploma(self, request, pk) -> Diploma:
        try:
            return selectors.diploma_for_staff(viewer=request.user, pk=pk)
        except Diploma.DoesNotExist:
            raise Http404 from None


class DiplomaRetryView(DiplomaActionMixin, View):
    def post(self, request, pk):
        diploma = self.diploma(request, pk)
        try:
            services.diploma_retry(diploma=diploma, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Rendering of the diploma is retried."))
        return redirect(_student_url(diploma))


class DiplomaReasonView(DiplomaActionMixin, View):
    """Revoke (``action = "revoke"``) or reissue (``"reissue"``) with a required reason."""

    action = "revoke"
    template_name = "diplomas/diploma_reason.html"

    def titles(self):
        if self.action == "reissue":
            return _("Reissue the diploma"), _("The diploma was revoked and a new one requested.")
        return _("Revoke the diploma"), _("The diploma was revoked.")

    def render_form(self, request, diploma, form):
        title, _done = self.titles()
        context = {"diploma": diploma, "form": form, "title": title, "action": self.action}
        return render(request, self.template_name, context)

    def get(self, request, pk):
        return self.render_form(request, self.diploma(request, pk), DiplomaReasonForm())

    def post(self, request, pk):
        diploma = self.diploma(request, pk)
        form = DiplomaReasonForm(request.POST)
        if form.is_valid():
            service = services.diploma_reissue if self.action == "reissue" else services.diploma_revoke
            try:
                service(diploma=diploma, by=request.user, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, self.titles()[1])
                return redirect(_student_url(diploma))
        return self.render_form(request, diploma, form)


# --- the file ------------------------------------------------------------------------------------------------------


def diploma_file_response(diploma: Diploma, kind: str = "pdf") -> FileResponse:
    """An issued diploma's file as a private attachment, never cached: the signed PDF (``kind="pdf"``) or its
    verifiable credential's JSON (``"credential"``, the same bytes the PDF embeds). ``Http404`` when the diploma has
    no such file (a diploma issued before credentials existed has no credential)."""
    if kind == "credential":
        if not diploma.credential:
            raise Http404
        response = FileResponse(
            io.BytesIO(enveloped_bytes(diploma.credential)),
            as_attachment=True,
            filename=f"{diploma.number}.credential.json",
            content_type="application/json",
        )
    else:
        try:
            handle = diploma.pdf.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
        response = FileResponse(
            handle, as_attachment=True, filename=f"{diploma.number}.pdf", content_type="application/pdf"
        )
    response["Cache-Control"] = "private, no-store"
    return response


class DiplomaDownloadView(View):
    """The PDF (or, with ``kind="credential"``, the credential's JSON), as an attachment, to staff, the student
    themself (and, through the API, their partner); 404 to everyone else logged in, the login page to anonymous
    visitors. Never a public media URL, never cached."""

    kind = "pdf"

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        try:
            diploma = selectors.diploma_for_download(viewer=request.user, pk=pk)
        except Diploma.DoesNotExist:
            raise Http404 from None
        return diploma_file_response(diploma, self.kind)


# --- public verification -------------------------------------------------------------------------------------------


def rate_limit_wait(request, *, scope: str) -> int:
    """Count this request against the client's one-minute window (django-ratelimit, keyed by
    ``mobility.foundation.network.client_ip``); the seconds to wait when it is over ``DIPLOMA_VERIFY_RATE_LIMIT`` per
    minute
    (default 30), 0 otherwise. Counted in the ``default`` cache: per process unless settings name a shared one."""
    usage = get_usage(
        request,
        group=f"diplomas.{scope}",
        key="mobility.foundation.network.ratelimit_key",
        rate=f"{settings.DIPLOMA_VERIFY_RATE_LIMIT}/m",
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return 0
    return min(max(usage["time_left"], 1), 60)


def wants_json(request) -> bool:
    """A verification page's answer for machines: asked by ``?format=json``, or by an ``Accept`` header that prefers
    ``application/json`` to ``text/html`` (a browser's ``*/*`` gets the page)."""
    if request.GET.get("format") == "json":
        return True
    return request.get_preferred_type(["text/html", "application/json"]) == "application/json"


def json_answer(payload: dict, *, status: int = 200) -> JsonResponse:
    """A verification page's JSON (``docs/schemas/verification.schema.json``) or error (``{"code", "message"}``):
    never stored (it depends on the holder's consent at this moment), not indexed, readable by scripts of any
    origin (no cookie is needed or sent), and varying with ``Accept`` like the page it stands beside."""
    response = JsonResponse(payload, status=status, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Access-Control-Allow-Origin"] = "*"
    patch_vary_headers(response, ["Accept"])
    return response


def rate_limited_response(request, wait: int):
    """429 with ``Retry-After``: as JSON to machines, as the page otherwise."""
    response: HttpResponse
    if wants_json(request):
        message = ngettext(
            "Please try again in %(seconds)d second.", "Please try again in %(seconds)d seconds.", wait
        ) % {"seconds": wait}
        response = json_answer({"code": "rate_limited", "message": message}, status=429)
    else:
        response = render(request, "diplomas/rate_limited.html", {"wait": wait}, status=429)
    response["Retry-After"] = str(wait)
    return response


def name_check_wait(request) -> int:
    """Count this name check against the client's window of ``DIPLOMA_NAME_CHECK_RATE_LIMIT`` (default ``10/h``: ten
    checks an hour per client address, whichever diploma they are about, so names cannot be guessed by trying many);
    the seconds until the window ends when it is over, 0 otherwise. Same counter store as ``rate_limit_wait``."""
    usage = get_usage(
        request,
        group="diplomas.verify-name",
        key="mobility.foundation.network.ratelimit_key",
        rate=settings.DIPLOMA_NAME_CHECK_RATE_LIMIT,
        increment=True,
    )
    if usage is None or not usage["should_limit"]:
        return 0
    return max(usage["time_left"], 1)


def name_check_refusal(wait: int) -> str:
    minutes = -(-wait // 60)
    return ngettext(
        "Too many name checks from your network address. Please try again in %(minutes)d minute.",
        "Too many name checks from your network address. Please try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


# What a multipart body carries beside the file (boundaries, headers, the CSRF token): a body larger than the PDF limit
# plus this is refused unread.
MULTIPART_ALLOWANCE = 64 * 1024


# CSRF is checked in ``post``, after the size: the middleware would read the whole body to find the token first.
@method_decorator(csrf_exempt, name="dispatch")
class VerifyView(View):
    """Public: what the diploma with this code says, its status, its holder's name or initials
    (``selectors.public_holder``: the name only with the holder's consent), and a check of an uploaded copy's SHA-256.
    The name check posts to ``VerifyNameView``."""

    template_name = "diplomas/verify.html"
    error_layout = PUBLIC_LAYOUT  # an unknown code is the public's 404, whoever is logged in

    def dispatch(self, request, *args, **kwargs):
        wait = rate_limit_wait(request, scope="verify")
        if wait:
            return rate_limited_response(request, wait)
        return super().dispatch(request, *args, **kwargs)

    def diploma(self, code) -> Diploma:
        try:
            return selectors.diploma_for_verification(code=code)
        except Diploma.DoesNotExist:
            raise Http404(_("No diploma has this verification code.")) from None

    def respond(self, request, diploma, form=None, copy=None, status=200, **name_check):
        """The page. ``copy``: the ``verification.CopyCheck`` of an uploaded copy; ``name_check``: ``name_form`` and
        ``name_match`` after a name check. ``no-store``: the page depends on the holder's consent at this moment, so
        no browser or proxy may keep it."""
        context = {
            "diploma": diploma,
            "holder": selectors.public_holder(diploma),
            "form": form or PdfCheckForm(),
            "copy": copy,
            "signer_subject": signing.configured_subject(),
            "issuer_did": issuer_did() if diploma.credential else "",
            "credential": verification.credential_status(diploma),
            "name_form": name_check.get("name_form") or NameCheckForm(),
            "name_match": name_check.get("name_match"),
        }
        response = render(request, self.template_name, context, status=status)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        patch_vary_headers(response, ["Accept"])
        return response

    def get(self, request, code):
        if wants_json(request):
            try:
                diploma = selectors.diploma_for_verification(code=code)
            except Diploma.DoesNotExist:
                message = _("No diploma has this verification code.")
                return json_answer({"code": "not_found", "message": message}, status=404)
            return json_answer(verification.verification_answer(diploma))
        return self.respond(request, self.diploma(code), PdfCheckForm())

    def post(self, request, code):
        """The upload's size is checked against ``UPLOAD_MAX_PDF_MB`` by its ``Content-Length`` before anything reads
        the body: a larger one is refused with 413 and the page, its message naming the limit in the visitor's
        language. Only then is the CSRF token checked (it lies in the body) and the form read."""
        diploma = self.diploma(code)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > uploads.pdf_max_bytes() + MULTIPART_ALLOWANCE:
            form = PdfCheckForm()
            form.refuse(form.too_large_message())
            return self.respond(request, diploma, form, status=413)
        return csrf_protect(self.check_upload)(request, diploma)

    def check_upload(self, request, diploma):
        form = PdfCheckForm(request.POST, request.FILES)
        if not form.is_valid():
            too_large = form.has_error("pdf", code="file_too_large")
            return self.respond(request, diploma, form, status=413 if too_large else 200)
        copy = verification.copy_check(diploma=diploma, pdf=form.content())
        return self.respond(request, diploma, PdfCheckForm(), copy=copy)


class VerifyNameView(VerifyView):
    """Public, POST: whether a typed name is the holder's (``students.public_names.name_matches``), answered on the
    verification page as "matches" or "does not match", never which script or part matched. Rate limited per client
    address (``name_check_wait``): over the limit the page answers 429 with the wait in its message and
    ``Retry-After``. A GET goes to the verification page."""

    def get(self, request, code):
        return redirect("diplomas:verify", code=code)

    def post(self, request, code):
        return csrf_protect(self.check_name)(request, self.diploma(code))

    def check_name(self, request, diploma):
        wait = name_check_wait(request)
        if wait:
            form = NameCheckForm()
            form.refuse(name_check_refusal(wait))
            response = self.respond(request, diploma, name_form=form, status=429)
            response["Retry-After"] = str(wait)
            return response
        form = NameCheckForm(request.POST)
        if not form.is_valid():
            return self.respond(request, diploma, name_form=form)
        matched = name_matches(diploma.enrollment.student, form.cleaned_data["name"])
        return self.respond(request, diploma, name_match=matched)
