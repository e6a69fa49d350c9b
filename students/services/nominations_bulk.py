"""Many students and their applications at once (a roster): the outcome of ``student_create`` / ``student_update``
and ``enrollment_apply`` once per row, at a fixed number of queries per 500 rows."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, actor_label, audit_entries_insert
from mobility.foundation.bulk import objects_insert
from mobility.foundation.exceptions import DomainError
from programs.models import Cohort

from ..consent.models import SENSITIVE_PURPOSE, Consent, ConsentText
from ..consent.services import (
    Attestation,
    attestation_action,
    attestation_refusal,
    consent_audit_changes,
    consent_build,
    consent_missing_error,
)
from ..models import Enrollment, Student
from ..staff_notifications import applications_received_notify
from .accounts import student_user_sync
from .applications import application_refusal, duplicate_enrollment_error
from .records import _attname, _check_student_data, _sensitive_given, _student_audit_value

IDS_PER_QUERY = 500  # ids per IN (...) query and rows per bulk write: well under SQLite's parameter limit


@dataclass(frozen=True)
class NominationInput:
    """One row of a roster for ``students_nominate_bulk``.

    ``student``: the college's existing record (same home institution and home id), or ``None`` to create one from
    ``data`` (every field, ``home_institution`` included, as ``student_create`` takes them). For an existing student
    ``data`` holds the fields to change (as ``student_update`` takes them); the record is written when ``data`` or
    ``attestation`` is given. ``cohort``: the cohort to apply to, or ``None`` for no application."""

    student: Student | None
    data: dict
    attestation: Attestation | None = None
    cohort: Cohort | None = None


@dataclass(frozen=True)
class BulkNomination:
    """What ``students_nominate_bulk`` wrote: each row's student (in the rows' order) and its new application."""

    students: list[Student]
    enrollments: list[Enrollment | None]


class NominationRefused(DomainError):
    """A row was refused (``index``: its position in the rows); nothing was written. The message, code and field
    are the per-row service's. (A clash that only the database sees, a concurrent writer's, is its
    ``IntegrityError``.)"""

    def __init__(self, error: DomainError, *, index: int):
        super().__init__(error.message, code=error.code, field=error.field, details=error.details)
        self.index = index


def students_nominate_bulk(
    *,
    rows: Iterable[NominationInput],
    by: Actor,
    source: str = Enrollment.Source.IMPORT,
    applied_on: datetime.date | None = None,
) -> BulkNomination:
    """Create or update many students, record the attested consents and create their applications, in ONE
    transaction, all or nothing, with the outcome of calling ``student_create`` or ``student_update`` and then
    ``enrollment_apply`` once per row in the given order: the same rows, the same refusals (``NominationRefused``
    naming the row), the same audit entries in the same order (``consent.given``, ``student.create`` or
    ``student.change``, ``enrollment.apply``). A changed e-mail syncs the student's account as ``student_update``
    does (one query per such student with an account).

    A fixed number of queries per 500 rows: the existing students are locked once (in id order, so two imports
    cannot deadlock), their current consents, current enrollments and the e-mails and home ids of the rows are
    loaded set-wise, every row is checked under the lock before anything is written, then students, consents,
    applications and audit entries are written in bulk, below the ORM (``mobility.foundation.bulk``: no ``save()``,
    no signal, as ``bulk_create``), 500 rows a statement; the audit entries all bear the moment of the write.
    Staff are told of API and portal applications as ``enrollment_apply`` tells them; an import's caller tells them
    once for the file.
    """
    rows = list(rows)
    applied_on = applied_on or timezone.localdate()
    if not rows:
        return BulkNomination(students=[], enrollments=[])
    plan = _Plan(rows=rows, by=by, applied_on=applied_on, source=source)
    with transaction.atomic():
        plan.load()
        for index, row in enumerate(rows):
            try:
                plan.check(index, row)
            except DomainError as error:
                raise NominationRefused(error, index=index) from error
        return plan.write()


class _Plan:
    """The rows' outcome, worked out under the lock before anything is written."""

    def __init__(self, *, rows: list[NominationInput], by: Actor, applied_on: datetime.date, source: str):
        self.rows, self.by, self.applied_on, self.source = rows, by, applied_on, source
        self.label = actor_label(by)
        self.students: list[Student] = []
        self.created: list[Student] = []
        self.changed: dict[int, tuple[Student, set[str]]] = {}  # pk → (locked record, the fields changed)
        self.consents: list[tuple[Student, Consent, Consent | None]] = []  # (student, new, previous current)
        self.enrollments: list[Enrollment | None] = []
        # (object, action, changes, object_repr) of each audit entry, in the per-row services' order; the objects
        # get their ids when written
        self.entries: list[tuple] = []
        self.synced: list[Student] = []
        self.status_shown: dict[int, str] = {}  # cohort id → the end of str(enrollment) of a new application

    # --- loading, set-wise --------------------------------------------------------------------------------------

    def load(self) -> None:
        rows = self.rows
        existing = sorted({row.student.pk for row in rows if row.student is not None})
        self.locked: dict[int, Student] = {}
        for chunk in _chunks(existing):
            locked = Student.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
            self.locked.update((student.pk, student) for student in locked)
        wanted_texts = {(row.attestation.purpose, row.attestation.version) for row in rows if row.attestation}
        self.texts: dict[tuple[str, int], ConsentText] = {}
        if wanted_texts:
            texts = ConsentText.objects.filter(
                purpose__in={purpose for purpose, _v in wanted_texts},
                version__in={version for _p, version in wanted_texts},
                published_at__isnull=False,
            )
            self.texts = {(text.purpose, text.version): text for text in texts}
        self.digests = {key: text.digest("ru") for key, text in self.texts.items()}
        self.current_consents: dict[tuple[int, str], Consent] = {}
        for chunk in _chunks(existing):
            consents = Consent.objects.filter(student_id__in=chunk, current=True).select_related("text")
            self.current_consents.update(((c.student_id, c.purpose), c) for c in consents)
        self.current_tracks: set[tuple[int, int]] = set()
        applying = sorted({row.student.pk for row in rows if row.student is not None and row.cohort is not None})
        for chunk in _chunks(applying):
            held = Enrollment.objects.filter(student_id__in=chunk, status__in=Enrollment.CURRENT_STATUSES)
            self.current_tracks.update(held.values_list("student_id", "track_id"))
        self._load_uniques()

    def _load_uniques(self) -> None:
        """Who holds each e-mail the rows bring, and which new home ids are taken: the checks the unique
        constraints make, done before the writes so that the refusal names its row."""
        emails = sorted({row.data["email"].lower() for row in self.rows if row.data.get("email")})
        self.email_owners: dict[str, object] = {}
        for chunk in _chunks(emails):
            holders = Student.objects.annotate(email_lower=Lower("email")).filter(email_lower__in=chunk)
            self.email_owners.update(holders.values_list("email_lower", "pk"))
        self.home_ids: set[tuple[int, str]] = set()
        new = sorted(
            {(row.data["home_institution"].pk, row.data["home_student_id"]) for row in self.rows if not row.student}
        )
        for institution_id in sorted({institution_id for institution_id, _id in new}):
            ids = [home_id for inst, home_id in new if inst == institution_id]
            for chunk in _chunks(ids):
                taken = Student.objects.filter(home_institution_id=institution_id, home_student_id__in=chunk)
                self.home_ids.update(taken.values_list("home_institution_id", "home_student_id"))

    # --- the checks, row by row, in the per-row services' order ------------------------------------------------

    def check(self, index: int, row: NominationInput) -> None:
        _check_student_data(row.data, self.by)
        if row.student is None:
            student = self._create(index, row)
        elif row.data or row.attestation is not None:
            student = self._update(row)
        else:
            student = self._locked(row.student)
        self.students.append(student)
        self.enrollments.append(self._apply(row.cohort, student) if row.cohort is not None else None)

    def _locked(self, student: Student) -> Student:
        try:
            return self.locked[student.pk]
        except KeyError:  # deleted since it was read: as student_update's get() fails
            raise Student.DoesNotExist(f"Student {student.pk} no longer exists.") from None

    def _text(self, attestation: Attestation) -> ConsentText:
        text = self.texts.get((attestation.purpose, attestation.version))
        refusal = attestation_refusal(attestation, text)
        if refusal is not None:
            raise refusal
        return text  # type: ignore[return-value]  # not None: refused above

    def _create(self, index: int, row: NominationInput) -> Student:
        data = row.data
        text = self._text(row.attestation) if row.attestation is not None else None
        if text is None and _sensitive_given(data):
            raise consent_missing_error(_sensitive_given(data))
        student = Student(**data)
        key = (student.home_institution_id, student.home_student_id)
        if key in self.home_ids:
            raise DomainError(
                _("Another student of this institution has the home student id %(id)s.")
                % {"id": student.home_student_id},
                code="duplicate_home_id",
                field="home_student_id",
            )
        self.home_ids.add(key)
        self._take_email(student, old="", owner=("row", index))
        _check_passport_dates(student)
        self.created.append(student)
        if text is not None:
            self._attest(student, row.attestation, text)  # type: ignore[arg-type]  # given with the text
        changes = {
            field: (None, _student_audit_value(field, value))
            for field, value in data.items()
            if value not in (None, "")
        }
        self.entries.append((student, "student.create", changes, str(student)))
        return student

    def _update(self, row: NominationInput) -> Student:
        locked = self._locked(row.student)  # type: ignore[arg-type]  # an update has its student
        if locked.erased_at is not None:
            raise DomainError(
                _("The personal data of this student were erased: the record cannot be changed."),
                code="student_erased",
            )
        old_email = locked.email
        changes = {}
        for field, value in row.data.items():
            attname = _attname(field)
            old = getattr(locked, attname)
            new = value.pk if hasattr(value, "pk") else value
            if old != new:
                changes[field] = (_student_audit_value(field, old), _student_audit_value(field, new))
                setattr(locked, attname, new)
        sensitive = _sensitive_given({f: row.data[f] for f in changes})
        text = self._text(row.attestation) if row.attestation is not None else None
        current = self.current_consents.get((locked.pk, SENSITIVE_PURPOSE))
        if text is None and sensitive and not (current is not None and current.holds):
            raise consent_missing_error(sensitive)
        if text is not None:
            self._attest(locked, row.attestation, text)  # type: ignore[arg-type]  # given with the text
            now = self.current_consents.get((locked.pk, SENSITIVE_PURPOSE))
            if sensitive and not (now is not None and now.holds):  # the student's own refusal stands
                raise consent_missing_error(sensitive)
        if changes:
            if "email" in changes:
                self._take_email(locked, old=old_email, owner=locked.pk)
            _check_passport_dates(locked)
            self.changed.setdefault(locked.pk, (locked, set()))[1].update(changes)
            self.entries.append((locked, "student.change", changes, str(locked)))
        if "email" in changes:
            self.synced.append(locked)
        if row.student is not locked:  # the caller's instance reads as student_update leaves it
            for field in Student._meta.concrete_fields:
                setattr(row.student, field.attname, getattr(locked, field.attname))
        return locked

    def _take_email(self, student: Student, *, old: str, owner: object) -> None:
        email = student.email.lower()
        if email:
            holder = self.email_owners.get(email)
            if holder is not None and holder != owner:
                raise DomainError(
                    _("Another student has the e-mail %(email)s.") % {"email": student.email},
                    code="duplicate_email",
                    field="email",
                )
            self.email_owners[email] = owner
        if old and old.lower() != email and self.email_owners.get(old.lower()) == owner:
            del self.email_owners[old.lower()]

    def _attest(self, student: Student, attestation: Attestation, text: ConsentText) -> None:
        """``consent_attest`` on the loaded current decision."""
        key = (student.pk, attestation.purpose) if student.pk else None
        current = self.current_consents.get(key) if key else None
        if attestation_action(attestation, text=text, current=current) != "record":
            return
        consent = consent_build(
            student=student,
            text=text,
            decision=Consent.Decision.GIVEN,
            given_by=attestation.given_by,
            channel=attestation.channel,
            by=self.by,
            collected_on=attestation.collected_on,
            digest=self.digests[(text.purpose, text.version)],
            label=self.label,
        )
        if current is not None and current.pk is None:  # recorded by an earlier row of this call: not current
            current.current = False
        self.consents.append((student, consent, current))
        if key:
            self.current_consents[key] = consent
        changes = consent_audit_changes(consent, previous=current)
        self.entries.append((student, f"consent.{consent.decision}", changes, str(student)))

    def _apply(self, cohort: Cohort, student: Student) -> Enrollment:
        refusal = application_refusal(student=student, cohort=cohort, applied_on=self.applied_on)
        if refusal is not None:
            raise refusal
        # a new student (not saved yet) by its object: it has no id
        track = (id(student) if student._state.adding else student.pk, cohort.track_id)
        if track in self.current_tracks:
            raise duplicate_enrollment_error(student=student, cohort=cohort)
        self.current_tracks.add(track)
        enrollment = Enrollment(
            student=student, cohort=cohort, track_id=cohort.track_id, source=self.source, applied_on=self.applied_on
        )
        if cohort.pk not in self.status_shown:
            self.status_shown[cohort.pk] = f"{cohort.code} · {enrollment.get_status_display()}"
        shown = f"{student} · {self.status_shown[cohort.pk]}"  # str(enrollment), without its query of the cohort
        self.entries.append((enrollment, "enrollment.apply", {"status": (None, Enrollment.Status.APPLIED)}, shown))
        return enrollment

    # --- the writes, in bulk --------------------------------------------------------------------------------------

    def write(self) -> BulkNomination:
        for chunk in _chunks(self.created):  # below the ORM's per-value work; each student gets its id back
            objects_insert(Student, chunk, with_ids=True)
        if self.changed:
            now = timezone.now()  # bulk_update does not apply auto_now
            records = [record for record, _changes in self.changed.values()]
            for record in records:
                record.modified_at = now
            fields = sorted({_attname(f) for _r, changes in self.changed.values() for f in changes})
            for chunk in _chunks(records):
                Student.objects.bulk_update(chunk, [*fields, "modified_at"])
        for student in self.synced:
            student_user_sync(student=student)
        replaced = sorted({previous.pk for _s, _c, previous in self.consents if previous and previous.pk})
        for chunk in _chunks(replaced):
            Consent.objects.filter(pk__in=chunk).update(current=False)
        # Consents and audit entries as plain rows (nothing refers to them by id); each new student's id is taken
        # from the object, saved above; the applications get theirs back, which their audit entries name.
        consents = [consent for _student, consent, _previous in self.consents]
        for chunk in _chunks(consents):
            objects_insert(Consent, chunk)
        enrollments = [enrollment for enrollment in self.enrollments if enrollment is not None]
        for chunk in _chunks(enrollments):
            objects_insert(Enrollment, chunk, with_ids=True)
        at = timezone.now()
        for chunk in _chunks(self.entries):
            audit_entries_insert(actor=self.by, entries=chunk, at=at)
        if self.source in (Enrollment.Source.API, Enrollment.Source.PORTAL):
            for enrollment in enrollments:  # as enrollment_apply tells staff of each
                applications_received_notify(college=enrollment.cohort.partner, count=1, source=self.source)
        return BulkNomination(students=self.students, enrollments=self.enrollments)


def _check_passport_dates(student: Student) -> None:
    """The refusal ``_save_student`` gives when the database's check refuses the passport's dates."""
    issued, expires = student.passport_issued_on, student.passport_expires_on
    if issued and expires and expires <= issued:
        raise DomainError(
            _("The passport's expiry date must be after its issue date (%(issued)s).") % {"issued": issued.isoformat()},
            code="passport_dates",
            field="passport_expires_on",
        )


def _chunks(items: list):
    size = IDS_PER_QUERY  # read at call time, so a test can make the chunks small
    for start in range(0, len(items), size):
        yield items[start : start + size]
