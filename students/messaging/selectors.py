"""Reads about messages to students: the audience of a message, the office's lists, a student's copies."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _

from mobility.foundation.access import is_office_staff
from programs.models import Cohort, Institution, Track

from ..forms import StudentFilterForm
from ..models import Enrollment, Message, MessageRecipient, SavedFilter, Student
from ..selectors import _own_only, student_list, visible_students_only

# The students list's query-string parameters a saved filter and a message's audience keep (not sort, not paging).
FILTER_PARAMETERS = ("q", "partner", "track", "cohort", "status")
# A cohort's audience: every student of the cohort but those whose application or enrollment was closed without
# them (rejected, withdrawn).
COHORT_EXCLUDED_STATUSES = (Enrollment.Status.REJECTED, Enrollment.Status.WITHDRAWN)


def filter_params(query: QueryDict | dict) -> dict[str, str]:
    """The list's filter parameters of a query string, non-empty ones only, as strings."""
    return {name: str(query.get(name)).strip() for name in FILTER_PARAMETERS if str(query.get(name) or "").strip()}


def filters_described(params_list: list[dict[str, str]]) -> list[list[tuple[str, str]]]:
    """For each set of filter parameters, what a person reads: (label, value) pairs with the search text, the home
    institution's, track's and cohort's codes and the status's name, in the active language. One query per kind of
    id for the whole list."""
    models: dict[str, Any] = {"partner": Institution, "track": Track, "cohort": Cohort}
    wanted: dict[str, set[int]] = {key: set() for key in models}
    for params in params_list:
        for key in models:
            if str(params.get(key, "")).isdigit():
                wanted[key].add(int(params[key]))
    codes = {
        key: dict(models[key].objects.filter(pk__in=ids).order_by().values_list("pk", "code")) if ids else {}
        for key, ids in wanted.items()
    }
    labels = {
        "q": _("Search"),
        "partner": _("Home institution"),
        "track": _("Track"),
        "cohort": _("Cohort"),
        "status": _("Status"),
    }
    described = []
    for params in params_list:
        rows = []
        for key in FILTER_PARAMETERS:
            value = str(params.get(key) or "")
            if not value:
                continue
            if key in codes and value.isdigit():
                value = codes[key].get(int(value), value)
            elif key == "status" and value in Enrollment.Status.values:
                value = str(Enrollment.Status(value).label)
            rows.append((str(labels[key]), value))
        described.append(rows)
    return described


def filters_from_params(params: dict[str, str]) -> dict:
    """The filters ``student_list`` takes, read by the list's own form (invalid values are dropped as there)."""
    query = QueryDict(mutable=True)
    query.update(params)
    return StudentFilterForm(query).filters()


def message_audience(*, viewer, audience: str, params: dict[str, str] | None = None, cohort=None) -> QuerySet[Student]:
    """The students a message to ``audience`` reaches now, as the viewer may see them: the students list with the
    filter ``params`` (a saved filter or the list's current one), or a cohort's students (``cohort``) but those
    rejected or withdrawn from it. Students whose personal data were erased are never written to."""
    if audience == Message.Audience.COHORT:
        if cohort is None:
            return Student.objects.none()
        members = Enrollment.objects.filter(student=OuterRef("pk"), cohort=cohort).exclude(
            status__in=COHORT_EXCLUDED_STATUSES
        )
        students = student_list(viewer=viewer).filter(Exists(members))
    else:
        students = student_list(viewer=viewer, filters=filters_from_params(params or {}))
    return students.prefetch_related(None).filter(erased_at__isnull=True)


def saved_filter_list() -> QuerySet[SavedFilter]:
    """Every saved filter of the office, by name (they are shared)."""
    return SavedFilter.objects.order_by("name")


def message_list(*, viewer) -> QuerySet[Message]:
    """The office's messages, newest first, with their sender, cohort and the counts of recipients, e-mails sent,
    failed, waiting and copies read, in one query. Nobody but office staff sees any."""
    if not is_office_staff(viewer):
        return Message.objects.none()
    status = MessageRecipient.Email
    return (
        Message.objects.select_related("sent_by", "cohort")
        .annotate(
            recipients_count=Count("recipients"),
            sent_count=Count("recipients", filter=Q(recipients__email_status=status.SENT)),
            failed_count=Count("recipients", filter=Q(recipients__email_status=status.FAILED)),
            pending_count=Count("recipients", filter=Q(recipients__email_status=status.PENDING)),
            no_email_count=Count("recipients", filter=Q(recipients__email_status=status.NONE)),
            read_count=Count("recipients", filter=Q(recipients__read_at__isnull=False)),
        )
        .order_by("-sent_at", "-id")
    )


def message_recipients(*, message: Message) -> QuerySet[MessageRecipient]:
    """A message's recipients with their students, by name."""
    return message.recipients.select_related("student").order_by(
        "student__family_name_latin", "student__given_name_latin", "id"
    )


def student_messages(*, viewer, student: Student) -> QuerySet[MessageRecipient]:
    """What the office sent a student (the staff page), newest first, with the message and its sender; none for a
    viewer who may not see the student."""
    return (
        visible_students_only(MessageRecipient.objects.filter(student=student), viewer=viewer, path="student__")
        .select_related("message__sent_by")
        .order_by("-message__sent_at", "-id")
    )


def portal_messages(*, viewer) -> QuerySet[MessageRecipient]:
    """The viewer's own copies of the office's messages, newest first, with the message (the portal)."""
    return _own_only(MessageRecipient.objects.select_related("message"), viewer=viewer, path="student__").order_by(
        "-message__sent_at", "-id"
    )


def portal_unread_count(*, viewer) -> int:
    """How many of the viewer's own copies are not read yet."""
    return portal_messages(viewer=viewer).filter(read_at__isnull=True).count()
