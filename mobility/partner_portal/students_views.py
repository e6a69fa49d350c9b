"""The partner portal's students: the list (search in any script, filters, the at-risk flag), a student's page
(names, enrollments with their progress per module, results, decisions, diplomas) and a diploma's PDF. Rows come
from the selectors with ``viewer=request.user``; another college's ids answer 404. No passport data or birth date:
the portal follows progress, it does not need them."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import Http404
from django.urls import reverse

from diplomas.models import Diploma
from diplomas.selectors import diploma_for_download
from diplomas.transcripts.models import Transcript
from diplomas.transcripts.selectors import transcript_for_download
from diplomas.transcripts.views import transcript_file_response
from diplomas.views import diploma_file_response
from mobility.foundation.transfers.models import Transfer
from mobility.foundation.transfers.services import transfer_record
from programs.selectors import cohorts_visible_to
from students.consent.models import Category
from students.models import Enrollment, Student
from students.progress import (
    enrollments_at_risk,
    portal_enrollment_progress,
    progress_for_many,
    student_at_risk,
    with_at_risk_flag,
)
from students.selectors import enrollment_list, enrollment_status_history, student_get, student_list

from .base import PartnerView
from .forms import PartnerStudentFilterForm


class StudentListView(PartnerView):
    """The college's students, searched by name in any script or home id, filtered by cohort, track, status and
    "at risk only", paginated; each row with their latest enrollment, its progress and the at-risk badge. A fixed
    number of queries whatever the page size."""

    template_name = "partner/students.html"
    section = "students"

    def get(self, request):
        viewer = request.user
        cohorts = list(cohorts_visible_to(viewer=viewer).select_related("track", "partner"))
        form = PartnerStudentFilterForm(request.GET, cohorts=cohorts)
        filters = form.filters()
        students = with_at_risk_flag(student_list(viewer=viewer, filters=filters))
        if filters.get("at_risk") == "1":
            students = students.filter(student_at_risk())
        page = Paginator(students, form.page_size()).get_page(request.GET.get("page"))
        rows = list(page.object_list)
        latest = {student.pk: next(iter(student.enrollments.all()), None) for student in rows}
        progress = progress_for_many(enrollments=[e for e in latest.values() if e is not None])
        for student in rows:
            student.latest = latest[student.pk]
            student.progress = progress.get(student.latest.pk) if student.latest else None
        return self.render(
            request,
            {
                "form": form,
                "page_obj": page,
                "students": rows,
                "filtered": any(value not in (None, "") for value in filters.values()),
                "reset_url": reverse("partner:students"),
            },
        )


class StudentDetailView(PartnerView):
    """One of the college's students: names in three scripts, home id and specialty, each enrollment with its
    decisions (status history with reasons), progress per module and results (score, grade, attempts, date), and
    its diplomas with the PDF and the public verification link."""

    template_name = "partner/student.html"
    section = "students"

    def get(self, request, pk):
        try:
            student = student_get(viewer=request.user, pk=pk)
        except Student.DoesNotExist:
            raise Http404 from None
        own = enrollment_list(viewer=request.user).filter(student_id=student.pk)
        at_risk = set(enrollments_at_risk(own).values_list("pk", flat=True))
        enrollments = []
        for enrollment in student.enrollments.all():
            enrollments.append(
                {
                    "enrollment": enrollment,
                    "at_risk": enrollment.pk in at_risk,
                    "progress": portal_enrollment_progress(enrollment=enrollment)
                    if enrollment.status in _PROGRESS_STATUSES
                    else None,
                    "history": _history(enrollment),
                    "diplomas": _diplomas(enrollment),
                    "transcripts": _transcripts(enrollment),
                }
            )
        return self.render(request, {"student": student, "enrollments": enrollments, "at_risk": bool(at_risk)})


# Enrollments whose modules are worth showing: the student has started (or finished) studying.
_PROGRESS_STATUSES = (
    Enrollment.Status.ENROLLED,
    Enrollment.Status.COMPLETED,
    Enrollment.Status.FAILED,
    Enrollment.Status.WITHDRAWN,
)


def _history(enrollment: Enrollment) -> list[dict]:
    """The enrollment's steps (application and each decision), oldest first: the day, the status it moved to and
    the reason given, from its status history (``enrollment_status_history``); for an enrollment written without
    one (imported from before the audit log), from its step dates, with the last decision's reason. Who decided is
    the office's business: not shown."""
    labels = dict(Enrollment.Status.choices)
    steps = []
    for entry in enrollment_status_history(enrollment=enrollment):
        status = (entry.changes.get("status") or [None, None])[-1]
        steps.append({"at": entry.at, "status": status, "label": labels.get(status, status), "reason": entry.reason})
    if steps:
        return steps
    for field, status in _STEP_DATES:
        day = getattr(enrollment, field)
        if day is not None:
            status = status or enrollment.status
            steps.append({"at": day, "status": status, "label": labels[status], "reason": ""})
    if steps and enrollment.status_reason:
        steps[-1]["reason"] = enrollment.status_reason
    return steps


# The step dates of an enrollment and the status each one records (``closed_on``: rejected, withdrawn or failed, the
# enrollment's own status).
_STEP_DATES = (
    ("applied_on", Enrollment.Status.APPLIED),
    ("admitted_on", Enrollment.Status.ADMITTED),
    ("enrolled_on", Enrollment.Status.ENROLLED),
    ("completed_on", Enrollment.Status.COMPLETED),
    ("closed_on", None),
)


def _diplomas(enrollment: Enrollment) -> list[Diploma]:
    """The enrollment's diplomas (prefetched by ``student_get``), newest first, each with its public verification
    link when it has been issued."""
    diplomas = sorted(enrollment.diplomas.all(), key=lambda d: (d.requested_at, d.pk), reverse=True)
    for diploma in diplomas:
        diploma.verify_url = diploma.verification_url if diploma.status in _VERIFIABLE else ""  # type: ignore[attr-defined]
    return diplomas


_VERIFIABLE = (Diploma.Status.ISSUED, Diploma.Status.REVOKED)


def _transcripts(enrollment: Enrollment) -> list[Transcript]:
    """The enrollment's valid stored transcripts (prefetched by ``student_get``), newest first."""
    stored = [t for t in enrollment.transcripts.all() if t.sha256 and t.pdf and t.revoked_at is None]
    return sorted(stored, key=lambda t: (t.issued_at, t.pk), reverse=True)


class DiplomaDownloadView(PartnerView):
    """An issued diploma's PDF (or, with ``kind="credential"``, its credential's JSON) of one of the college's
    students, as an attachment (``diploma_for_download``: any other id, or a diploma not issued, answers 404). Never
    cached."""

    kind = "pdf"

    def get(self, request, pk):
        try:
            diploma = diploma_for_download(viewer=request.user, pk=pk)
        except Diploma.DoesNotExist:
            raise Http404 from None
        response = diploma_file_response(diploma, self.kind)
        # The diploma (with the holder's names) goes to the college: Russia → China, in the register of transfers.
        transfer_record(
            direction=Transfer.Direction.TO_PARTNER,
            channel=Transfer.Channel.PARTNER_PORTAL,
            institution_id=self.institution.pk,
            categories=[Category.NAMES, Category.DIPLOMA],
            student_ids=[diploma.enrollment.student_id],
            reference=f"GET {request.path} → diploma {diploma.number}",
            actor=request.user,
        )
        return response


class TranscriptDownloadView(PartnerView):
    """A valid transcript's PDF of one of the college's students, as an attachment (``transcript_for_download``: any
    other id answers 404), recorded in the register of transfers like the diploma's. Never cached."""

    def get(self, request, pk):
        try:
            transcript = transcript_for_download(viewer=request.user, pk=pk)
        except Transcript.DoesNotExist:
            raise Http404 from None
        response = transcript_file_response(transcript)
        # The transcript (names and results) goes to the college: Russia → China, in the register of transfers.
        transfer_record(
            direction=Transfer.Direction.TO_PARTNER,
            channel=Transfer.Channel.PARTNER_PORTAL,
            institution_id=self.institution.pk,
            categories=[Category.NAMES, Category.EDUCATION],
            student_ids=[transcript.enrollment.student_id],
            reference=f"GET {request.path} → transcript {transcript.number}",
            actor=request.user,
        )
        return response
