"""The retention schedule (settings.RETENTION, docs/configuration.md#retention-of-personal-data): per category of
personal data, its fields are erased a number of months after the student's studies ended, by Celery beat every
night (``mobility.personal_data.tasks``), by ``manage.py retention`` and shown as a dry run on /privacy/retention/.

The studies end on the latest ``completed_on``/``closed_on`` of the student's enrollments; a student with a
current enrollment (applied, admitted, enrolled) is never due, nor one who never had an enrollment. Only the
categories' fields go: names, enrollments, results and diplomas stay (an issued diploma shows the names). Contact
details (e-mail, phone) go only for students without an account in use: the e-mail of an active account is its user
name and the address of its password reset.
"""

from __future__ import annotations

import calendar
import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.translation import gettext_lazy

from mobility.foundation.audit import audit_entry_build
from mobility.foundation.models import AuditEntry
from students.models import MessageRecipient, Student

from .rules import ACTIVE_STATUSES, ALWAYS_ERASED, ERASED

BATCH = 200  # students per transaction: locks held briefly, a failure loses one batch's work at most
ACTION = "student.retention_erase"


@dataclass(frozen=True)
class Category:
    key: str
    label: object  # a lazy translation
    fields: tuple[str, ...]


CATEGORIES = (
    Category(
        "identity_document",
        gettext_lazy("identity document"),
        ("passport_number", "passport_issued_on", "passport_expires_on"),
    ),
    Category("birth_date", gettext_lazy("birth date"), ("birth_date",)),
    Category("contact", gettext_lazy("contact details"), ("email", "phone")),
)
CATEGORY = {category.key: category for category in CATEGORIES}


def add_months(day: datetime.date, months: int) -> datetime.date:
    """``day`` plus ``months`` calendar months; the 31st becomes the last day of a shorter month."""
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return day.replace(year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Due:
    """A category of one student's data, due for erasure on ``due_on`` (``months`` after ``ended_on``)."""

    student_id: int
    category: str
    ended_on: datetime.date
    due_on: datetime.date
    months: int


@dataclass
class RetentionPlan:
    """What the schedule erases on ``today`` (``due``), and what becomes due in the ``horizon`` days after
    (``upcoming``), per category, each list by due date."""

    today: datetime.date
    months: dict[str, int | None]
    due: dict[str, list[Due]] = field(default_factory=dict)
    upcoming: dict[str, list[Due]] = field(default_factory=dict)

    def by_student(self) -> dict[int, list[Due]]:
        students: dict[int, list[Due]] = defaultdict(list)
        for items in self.due.values():
            for item in items:
                students[item.student_id].append(item)
        return dict(students)


@dataclass
class RetentionReport:
    plan: RetentionPlan
    dry_run: bool
    erased: dict[str, int] = field(default_factory=dict)  # category → students whose fields went
    students: int = 0  # students erased (one audit entry each)

    def counts(self) -> dict[str, int]:
        """Per category, how many are due (a dry run) or were erased."""
        if self.dry_run:
            return {key: len(items) for key, items in self.plan.due.items()}
        return dict(self.erased)


def _holding(category: Category) -> Q:
    """Students who still hold a value of the category."""
    query = Q(pk__in=[])
    for name in category.fields:
        blank = ALWAYS_ERASED[name]
        query |= ~Q(**{name: blank}) if blank == "" else Q(**{f"{name}__isnull": False})
    if category.key == "contact":  # not for an account in use (the module's docstring says why)
        query &= Q(user__isnull=True) | Q(user__is_active=False)
    return query


def _candidates(category: Category, *, until: datetime.date, months: int, ids=None) -> QuerySet:
    """Students not erased, with no current enrollment, holding the category, whose studies ended early enough to be
    due by ``until`` (month ends shorten a month by three days at most: the exact date is computed after)."""
    ended = Max(
        Greatest(
            Coalesce("enrollments__completed_on", "enrollments__closed_on"),
            Coalesce("enrollments__closed_on", "enrollments__completed_on"),
        )
    )
    students = Student.objects.filter(erased_at__isnull=True).filter(_holding(category))
    if ids is not None:
        students = students.filter(pk__in=ids)
    return (
        students.exclude(enrollments__status__in=ACTIVE_STATUSES)
        .annotate(ended_on=ended)
        .filter(ended_on__lte=add_months(until, -months) + datetime.timedelta(days=3))
        .values_list("pk", "ended_on")
        .order_by()
    )


def retention_plan(today: datetime.date | None = None, *, horizon_days: int = 0, ids=None) -> RetentionPlan:
    """What is due on ``today`` (the site's date by default) and in the ``horizon_days`` after; reads only, one query
    per category that is on. ``ids`` limits it to those students (the run checks its batch again under lock)."""
    today = today or timezone.localdate()
    months = dict(settings.RETENTION)
    plan = RetentionPlan(today=today, months=months)
    until = today + datetime.timedelta(days=horizon_days)
    for category in CATEGORIES:
        plan.due[category.key], plan.upcoming[category.key] = [], []
        number = months.get(category.key)
        if not number:
            continue
        for pk, ended_on in _candidates(category, until=until, months=number, ids=ids):
            due_on = add_months(ended_on, number)
            item = Due(student_id=pk, category=category.key, ended_on=ended_on, due_on=due_on, months=number)
            if due_on <= today:
                plan.due[category.key].append(item)
            elif due_on <= until:
                plan.upcoming[category.key].append(item)
        for items in (plan.due[category.key], plan.upcoming[category.key]):
            items.sort(key=lambda item: (item.due_on, item.student_id))
    return plan


def retention_run(*, dry_run: bool, by=None, today: datetime.date | None = None) -> RetentionReport:
    """Carry out the schedule: erase every category that is due (``retention_plan``) and nothing else.

    Guarantees:
    - ``dry_run`` writes nothing and reports what is due;
    - one transaction per batch of ``BATCH`` students; their rows are locked and checked again under the lock (a
      student who applied again or was edited in between is left for the next run);
    - the fields of a due category become empty (blank, or NULL for dates); the same values in the audit entries
      about the student become ``[erased]``; for contact details also the address the office's messages went to,
      and a disabled account's e-mail and user name;
    - one audit entry ``student.retention_erase`` per student: the categories, fields, months and the end of the
      studies, no values;
    - idempotent: what was erased holds nothing, so a second run finds nothing.
    """
    plan = retention_plan(today)
    report = RetentionReport(plan=plan, dry_run=dry_run, erased=dict.fromkeys(plan.due, 0))
    if dry_run:
        return report
    ids = sorted(plan.by_student())
    for start in range(0, len(ids), BATCH):
        _erase_batch(ids[start : start + BATCH], report=report, by=by, today=plan.today)
    return report


def _erase_batch(ids: list[int], *, report: RetentionReport, by, today: datetime.date) -> None:
    with transaction.atomic():
        students = {
            student.pk: student
            for student in Student.objects.select_for_update(of=("self",)).select_related("user").filter(pk__in=ids)
        }
        due = retention_plan(today, ids=list(students)).by_student()  # again, now that the rows are locked
        entries = []
        scrub: dict[str, set[str]] = {}
        for pk, items in sorted(due.items()):
            student = students[pk]
            fields = [name for item in items for name in CATEGORY[item.category].fields]
            for name in fields:
                setattr(student, name, ALWAYS_ERASED[name])
            student.save(update_fields=[*fields, "modified_at"])
            if any(item.category == "contact" for item in items):
                _contact_elsewhere(student)
            scrub[str(pk)] = set(fields)
            for item in items:
                report.erased[item.category] += 1
            report.students += 1
            entries.append(_audit_entry(student, items, fields=fields, by=by))
        _audit_scrub(scrub)
        AuditEntry.objects.bulk_create(entries)


def _contact_elsewhere(student: Student) -> None:
    """The e-mail where it is copied: the office's messages' recipients, and a disabled account's e-mail and user
    name (an account in use is never here: ``_holding``)."""
    MessageRecipient.objects.filter(student=student).update(email="")
    user = student.user
    if user is not None and not user.is_active:
        get_user_model().objects.filter(pk=user.pk).update(email="", username=f"erased-{student.pk}")


def _audit_entry(student: Student, items: list[Due], *, fields: list[str], by) -> AuditEntry:
    ended_on = items[0].ended_on
    return audit_entry_build(
        actor=by,
        obj=student,
        action=ACTION,
        changes={
            "categories": (None, ",".join(item.category for item in items)),
            "fields": (None, ",".join(fields)),
            "months": (None, ",".join(f"{item.category}={item.months}" for item in items)),
            "ended_on": (None, ended_on.isoformat()),
        },
        object_repr=f"student #{student.pk}",
    )


def _audit_scrub(scrub: dict[str, set[str]]) -> None:
    """Old values of the erased fields in the audit entries about the students become ``[erased]``."""
    if not scrub:
        return
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Student), object_id__in=list(scrub)
    ).only("pk", "object_id", "changes")
    changed = []
    for entry in entries:
        names = scrub[entry.object_id] & set(entry.changes or {})
        if not names:
            continue
        for name in names:
            pair = entry.changes[name]
            values = pair if isinstance(pair, list) else [pair]
            entry.changes[name] = [None if value in (None, "") else ERASED for value in values]
        changed.append(entry)
    AuditEntry.objects.bulk_update(changed, ["changes"], batch_size=500)
