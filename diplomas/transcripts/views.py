"""Transcript pages: the public verification page (HTML, or JSON when asked), the PDF for staff and the student
themself, and the office's "Issue a transcript". Thin: a selector reads, one service writes."""

from __future__ import annotations

import hashlib

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.views import View

from diplomas import selectors as diploma_selectors
from diplomas.forms import PdfCheckForm
from diplomas.views import VerifyView, json_answer, wants_json
from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import StaffRequiredMixin
from students.selectors import enrollments_for_action

from . import selectors, services
from .models import Transcript


def transcript_file_response(transcript: Transcript) -> FileResponse:
    """A stored transcript's signed PDF as a private attachment, never cached; ``Http404`` when the file is gone."""
    try:
        handle = transcript.pdf.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=f"{transcript.number}.pdf", content_type="application/pdf"
    )
    response["Cache-Control"] = "private, no-store"
    return response


class TranscriptDownloadView(View):
    """The PDF, to staff and the student themself (``transcripts_visible_to``); 404 to everyone else logged in, the
    login page to anonymous visitors."""

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, pk):
        try:
            transcript = selectors.transcript_for_download(viewer=request.user, pk=pk)
        except Transcript.DoesNotExist:
            raise Http404 from None
        return transcript_file_response(transcript)


class EnrollmentTranscriptIssueView(StaffRequiredMixin, View):
    """POST: a new transcript of the enrollment, issued alone (numbered, signed, stored, audited); back to the
    student's page with the outcome."""

    permission_required = "diplomas.add_diploma"

    def post(self, request, pk):
        enrollment = enrollments_for_action(viewer=request.user, ids=[pk]).first()
        if enrollment is None:
            raise Http404
        try:
            transcript = services.transcript_issue(enrollment=enrollment, by=request.user)
        except DomainError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Transcript %(number)s issued.") % {"number": transcript.number})
        return redirect(reverse("students:student-detail", args=[enrollment.student_id]) + f"#enrollment-{pk}")


def _day(moment) -> str | None:
    return timezone.localdate(moment).isoformat() if moment else None


def transcript_public_json(transcript: Transcript) -> dict:
    """What the verification page says, for machines: the same holder rule (``public_holder``: names only with the
    holder's consent, initials otherwise)."""
    enrollment = transcript.enrollment
    holder = diploma_selectors.public_holder(transcript)  # type: ignore[arg-type]  # reads enrollment and reason
    track = enrollment.track
    host = enrollment.cohort.host
    diploma = transcript.diploma
    return {
        "kind": "transcript",
        "status": transcript.status,
        "number": transcript.number,
        "issued_on": _day(transcript.issued_at),
        "revoked_on": _day(transcript.revoked_at),
        "revocation_reason": holder.revoked_reason if transcript.revoked_at else None,
        "track": {"code": track.code, "name_en": track.name_en, "name_ru": track.name_ru, "name_zh": track.name_zh},
        "holder": {"named": holder.named, "latin": holder.latin, "han": holder.han, "cyrillic": holder.cyrillic},
        "issuer": {"name_en": host.name_en, "name_ru": host.name_ru, "name_zh": host.name_zh},
        "sha256": transcript.sha256,
        "verification_url": transcript.verification_url,
        "diploma": {"number": diploma.number, "verification_url": diploma.verification_url} if diploma else None,
    }


class TranscriptVerifyView(VerifyView):
    """Public: the transcript with this code, its status, its holder (names only with consent), the diploma it was
    issued with, and a check of an uploaded copy's SHA-256; JSON with ``?format=json`` or ``Accept:
    application/json`` (``json_answer``). The diploma's page's rate limit and upload size rules (``VerifyView``)."""

    template_name = "diplomas/verify_transcript.html"

    def diploma(self, code):  # the document this page is about: a transcript
        try:
            return selectors.transcript_for_verification(code=code)
        except Transcript.DoesNotExist:
            raise Http404(_("No transcript has this verification code.")) from None

    def respond(self, request, diploma, form=None, copy=None, status=200, **check):
        """The page; ``check``: ``match`` and ``uploaded_sha256`` after an upload. Never stored, like the diploma's."""
        context = {
            "diploma": diploma,
            "holder": diploma_selectors.public_holder(diploma),
            "form": form or PdfCheckForm(),
            "match": check.get("match"),
            "uploaded_sha256": check.get("uploaded_sha256", ""),
        }
        response = render(request, self.template_name, context, status=status)
        response["Cache-Control"] = "no-store"
        response["X-Robots-Tag"] = "noindex"
        patch_vary_headers(response, ["Accept"])
        return response

    def get(self, request, code):
        if wants_json(request):
            try:
                transcript = selectors.transcript_for_verification(code=code)
            except Transcript.DoesNotExist:
                message = _("No transcript has this verification code.")
                return json_answer({"code": "not_found", "message": message}, status=404)
            return json_answer(transcript_public_json(transcript))
        return self.respond(request, self.diploma(code), PdfCheckForm())

    def check_upload(self, request, diploma):
        form = PdfCheckForm(request.POST, request.FILES)
        if not form.is_valid():
            too_large = form.has_error("pdf", code="file_too_large")
            return self.respond(request, diploma, form, status=413 if too_large else 200)
        uploaded = hashlib.sha256(form.content()).hexdigest()
        return self.respond(
            request, diploma, PdfCheckForm(), match=uploaded == diploma.sha256, uploaded_sha256=uploaded
        )
