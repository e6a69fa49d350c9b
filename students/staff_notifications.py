"""The students app's notifications to the office's staff (``mobility.foundation.notifications``): new applications
from a partner (the API, a roster import), students' correction requests, passports that expire before the course
ends. The kinds are registered when the app is ready (``students.apps``)."""

from __future__ import annotations

import datetime

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from mobility.foundation.notifications.registry import date_param, names, staff_notification_kind_register
from mobility.foundation.notifications.services import staff_notify
from programs.models import Institution

from .consent.models import Purpose
from .models import CorrectionRequest, Enrollment, Student, Thread

APPLICATIONS = "students.applications"
CORRECTION_REQUESTED = "students.correction_requested"
PASSPORT_EXPIRING = "students.passport_expiring"
THREAD_POST = "students.thread_post"
CONSENT_REFUSED = "students.consent_refused"


def _applications_sentence(params) -> str:
    count = params.get("count") or 0
    values = {"count": count, "college": params.get("college", "")}
    if params.get("source") == Enrollment.Source.IMPORT:
        return (
            ngettext(
                "%(count)s new application from %(college)s (import)",
                "%(count)s new applications from %(college)s (import)",
                count,
            )
            % values
        )
    if params.get("source") == Enrollment.Source.PORTAL:
        return (
            ngettext(
                "%(count)s new application from %(college)s (partner portal)",
                "%(count)s new applications from %(college)s (partner portal)",
                count,
            )
            % values
        )
    return (
        ngettext(
            "%(count)s new application from %(college)s (API)",
            "%(count)s new applications from %(college)s (API)",
            count,
        )
        % values
    )


def _thread_post_sentence(params) -> str:
    count = params.get("count") or 0
    values = {"count": count, "college": params.get("college", ""), "student": params.get("student", "")}
    if params.get("student"):
        return (
            ngettext(
                "%(college)s wrote about %(student)s (%(count)s new message)",
                "%(college)s wrote about %(student)s (%(count)s new messages)",
                count,
            )
            % values
        )
    return (
        ngettext(
            "%(college)s wrote to the office (%(count)s new message)",
            "%(college)s wrote to the office (%(count)s new messages)",
            count,
        )
        % values
    )


def _consent_refused_sentence(params) -> str:
    purpose = params.get("purpose", "")
    values = {
        "student": params.get("student", ""),
        "purpose": Purpose(purpose).label if purpose in Purpose.values else purpose,
    }
    if params.get("decision") == "withdrawn":
        return _("%(student)s withdrew their consent to %(purpose)s.") % values
    return _("%(student)s declined the consent to %(purpose)s.") % values


def register() -> None:
    staff_notification_kind_register(APPLICATIONS, label=_("New applications"), sentence=_applications_sentence)
    staff_notification_kind_register(
        CORRECTION_REQUESTED,
        label=_("Correction requests"),
        sentence=_("%(student)s asks to correct their personal data."),
    )
    staff_notification_kind_register(
        PASSPORT_EXPIRING,
        label=_("Passports expiring"),
        # Not the passport's date itself: passport data are for staff with the sensitive-data permission.
        sentence=_("The passport of %(student)s expires before cohort %(cohort)s ends (%(end)s)."),
    )
    staff_notification_kind_register(
        THREAD_POST, label=_("Messages from partner colleges"), sentence=_thread_post_sentence
    )
    staff_notification_kind_register(
        CONSENT_REFUSED, label=_("Consents declined or withdrawn"), sentence=_consent_refused_sentence
    )


def student_names(student: Student) -> dict[str, str]:
    """The student's name for each reader's language: Latin, Cyrillic, Han (``Student.name_in``'s scripts)."""
    return {"en": student.full_name_latin, "ru": student.full_name_cyrillic, "zh": student.full_name_han}


def applications_received_notify(*, college: Institution, count: int, source: str) -> None:
    """Tell staff that ``count`` applications came from ``college`` by ``source`` (``Enrollment.Source``: API or
    import): one notification per college, source and day, its count added up and shown as new again by each
    batch (an import is one call, an API request another)."""
    if count <= 0:
        return
    staff_notify(
        kind=APPLICATIONS,
        params={"count": count, "college": names(college), "source": str(source)},
        about=college,
        key=f"{source}:{timezone.localdate().isoformat()}",
        accumulate="count",
        link_name="students:student-list",
        link_suffix=f"?partner={college.pk}&status={Enrollment.Status.APPLIED}",
    )


def correction_requested_notify(*, request: CorrectionRequest) -> None:
    """Tell staff a student asked to correct their data; the notification leads to the requests on their page."""
    staff_notify(
        kind=CORRECTION_REQUESTED,
        params={"student": student_names(request.student)},
        about=request,
        key="open",
        link_name="students:student-detail",
        link_args=[request.student_id],
        link_suffix="#corrections",
    )


def consent_refused_notify(*, student: Student, consent) -> None:
    """Tell staff a student declined or withdrew a consent in the portal (``consent``, their new decision): one
    notification per decision, leading to the student's page."""
    staff_notify(
        kind=CONSENT_REFUSED,
        params={"student": student_names(student), "purpose": consent.purpose, "decision": consent.decision},
        about=student,
        key=f"consent:{consent.pk}",
        link_name="students:student-detail",
        link_args=[student.pk],
    )


def passports_expiring_notify(*, today: datetime.date | None = None) -> int:
    """Notify staff of every student whose passport expires before the end of a cohort they are admitted to or
    enrolled in (a cohort not ended yet): once per enrollment, passport expiry and cohort end. Returns how many
    enrollments were found."""
    today = today or timezone.localdate()
    enrollments = (
        Enrollment.objects.select_related("student", "cohort")
        .filter(
            status__in=(Enrollment.Status.ADMITTED, Enrollment.Status.ENROLLED),
            cohort__end_date__gte=today,
            student__erased_at__isnull=True,
            student__passport_expires_on__isnull=False,
            student__passport_expires_on__lt=F("cohort__end_date"),
        )
        .order_by("pk")
    )
    found = 0
    for enrollment in enrollments:
        found += 1
        student, cohort = enrollment.student, enrollment.cohort
        staff_notify(
            kind=PASSPORT_EXPIRING,
            params={
                "student": student_names(student),
                "cohort": cohort.code,
                "end": date_param(cohort.end_date),
            },
            about=enrollment,
            key=f"{student.passport_expires_on}:{cohort.end_date}",
            link_name="students:student-detail",
            link_args=[student.pk],
        )
    return found


def thread_post_notify(*, thread: Thread) -> None:
    """Tell staff a college wrote in one of its threads: one notification per thread and day, its count added up
    and shown as new again by each post; it leads to the thread."""
    params = {"count": 1, "college": names(thread.institution), "student": ""}
    if thread.student is not None:
        params["student"] = student_names(thread.student)
    staff_notify(
        kind=THREAD_POST,
        params=params,
        about=thread,
        key=timezone.localdate().isoformat(),
        accumulate="count",
        link_name="students:thread-detail",
        link_args=[thread.pk],
    )
