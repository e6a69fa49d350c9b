"""Parse a roster table into a preview (``parse_roster``): every error by row and column; writes nothing."""

from __future__ import annotations

import datetime
from collections import Counter

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import CheckConstraint
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mobility.foundation.access import can_view_sensitive, can_write_sensitive
from programs.models import AgreementQuota, Cohort, Institution, Track
from programs.selectors import quotas_with_usage

from ...models import Enrollment, Student
from ...names import HAN, name_problem
from ...transliteration import NoReading, no_reading_message, suggest_names
from ..base import RowError, Table, match_columns
from .checks import condition_holds as _condition_holds
from .checks import field_errors
from .columns import COLUMNS, NAME_FIELDS, STUDENT_FIELDS, _clean_value, _field_label
from .consent import check_consents
from .preview import RosterPreview, RosterRow

# Friendly messages for the model's check constraints: constraint name → (field it is about, message).
CONSTRAINT_MESSAGES = {
    "student_passport_dates_ordered": (
        "passport_expires_on",
        gettext_lazy("The passport expires before it was issued."),
    ),
    "student_birth_date_plausible": ("birth_date", gettext_lazy("The birth date is before 1900.")),
    "student_latin_name_not_blank": (
        "family_name_latin",
        gettext_lazy("The Latin family and given names are required."),
    ),
    "student_home_id_not_blank": ("home_student_id", gettext_lazy("The home student id is required.")),
}
_CHUNK = 500  # ids per IN (...) query: well under SQLite's parameter limit


def _no_reading(exc: Exception) -> str:
    """The refusal of a suggestion (``transliteration.NoReading``) in words, or ``""`` for any other failure."""
    return no_reading_message(exc) if isinstance(exc, NoReading) else ""


def parse_roster(
    table: Table,
    *,
    cohort: Cohort | None,
    institution: Institution | None = None,
    viewer=None,
    today: datetime.date | None = None,
) -> RosterPreview:
    """Read a roster table into a preview: one ``RosterRow`` per data row with its errors. Writes nothing.

    ``cohort`` is the cohort the whole file applies to (its sending college is then the institution); without it,
    every row names its cohort in a cohort code column and ``institution`` is the sending college. ``viewer`` is
    who will apply it: without ``students.view_sensitive``, passport and birth-date columns are ignored.
    """
    today = today or timezone.localdate()
    institution = institution or (cohort.partner if cohort else None)
    columns, missing = match_columns(table.headers, COLUMNS)
    preview = RosterPreview(
        rows=[],
        file_errors=[],
        warnings=[],
        headers=table.headers,
        columns=columns,
        kind=table.kind,
        encoding=table.encoding,
        cohort=cohort,
        institution=institution,
        viewer=viewer,
    )
    _check_columns(preview, missing)
    if institution is None:
        preview.file_errors.append(_("Choose the cohort (or the sending college) the roster is for."))
    if preview.file_errors or institution is None:
        return preview
    if cohort is not None and cohort.partner_id != institution.pk:
        preview.file_errors.append(_("Cohort %(cohort)s belongs to another sending college.") % {"cohort": cohort.code})
        return preview
    if cohort is not None and not cohort.is_open_for_applications(today=today):
        # Said once for the file: every row would be refused for the same reason.
        preview.file_errors.append(_closed_message(cohort, today))
        return preview
    if not can_write_sensitive(viewer):
        ignored = [name for name in Student.SENSITIVE_FIELDS if name in columns]
        for name in ignored:
            del columns[name]
        if ignored:
            preview.warnings.append(
                _("Columns %(columns)s were ignored: only staff with the sensitive-data permission import them.")
                % {"columns": ", ".join(table.headers[index] for index in _indexes(table, ignored))}
            )

    header_of = {name: table.headers[index] for name, index in columns.items()}
    for number, cells in table.rows:
        values = {name: cells[index].strip() for name, index in columns.items()}
        preview.rows.append(RosterRow(row=number, values=values))

    existing = _existing_students(institution, [row.home_student_id for row in preview.rows])
    email_owners = _email_owners({row.values.get("email", "").lower() for row in preview.rows} - {""})
    cohorts, tracks = _cohorts_and_tracks(preview, cohort)
    current = _current_enrollments([student.pk for student in existing.values()])
    suggestions: dict[tuple[str, str], dict] = {}
    closed_cohorts: list[Cohort] = []
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}

    def error(row: RosterRow, name: str, message: str) -> None:
        row.errors.append(RowError(row.row, header_of.get(name) or _field_label(name), message))

    for row in preview.rows:
        home_id = row.home_student_id
        if not home_id:
            error(row, "home_student_id", _("The home student id is required."))
        elif home_id in seen_ids:
            error(row, "home_student_id", _("The same home student id as row %(row)d.") % {"row": seen_ids[home_id]})
        else:
            seen_ids[home_id] = row.row
        row.student = existing.get(home_id)

        for name in STUDENT_FIELDS:
            text = row.values.get(name, "")
            if name == "home_student_id" or not text:
                continue
            try:
                row.data[name] = _clean_value(name, text)
            except ValueError as exc:
                error(row, name, str(exc))

        _suggest_names(row, suggestions, preview)
        _check_email(row, institution, email_owners, seen_emails, error)
        _check_home_institution(row, institution, error)
        _resolve_cohort(row, cohort, institution, cohorts, tracks, today, error, closed_cohorts)
        _plan_student(row, institution, error)
        _plan_application(row, current)
    check_consents(preview, error, today=today, chunks=_chunks)

    if not can_view_sensitive(viewer):  # a partner writes its students' passport data but does not read them back
        for row in preview.rows:
            for name in set(row.changes) & set(Student.SENSITIVE_FIELDS):
                row.changes[name] = ("***", row.changes[name][1])
    for closed in dict.fromkeys(closed_cohorts):  # each closed cohort named in a cohort code column, once
        preview.file_errors.append(_closed_message(closed, today))
    _warn_about_places(preview)
    return preview


def _closed_message(cohort: Cohort, today: datetime.date) -> str:
    return _("%(reason)s Nothing in this file can be imported into it; choose a cohort open for applications.") % {
        "reason": cohort.applications_closed_reason(today=today)
    }


def _indexes(table: Table, names: list[str]) -> list[int]:
    found, _missing = match_columns(table.headers, {name: COLUMNS[name] for name in names})
    return sorted(found.values())


def _check_columns(preview: RosterPreview, missing: list[str]) -> None:
    found = preview.columns
    needed = []
    if "home_student_id" not in found:
        needed.append(COLUMNS["home_student_id"][0])
    for part in ("family", "given"):
        if f"{part}_name_han" not in found and f"{part}_name_latin" not in found:
            needed.append(f"{COLUMNS[f'{part}_name_han'][0]} / {COLUMNS[f'{part}_name_latin'][0]}")
    if preview.cohort is None and "cohort_code" not in found:
        needed.append(COLUMNS["cohort_code"][0])
    if needed:
        preview.file_errors.append(
            _("Required columns are missing: %(columns)s. The file has: %(headers)s.")
            % {"columns": ", ".join(needed), "headers": ", ".join(h for h in preview.headers if h) or "—"}
        )


def _chunks(items: list, size: int = _CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _existing_students(institution: Institution, home_ids: list[str]) -> dict[str, Student]:
    wanted = sorted({home_id for home_id in home_ids if home_id})
    found: dict[str, Student] = {}
    for chunk in _chunks(wanted):
        for student in Student.objects.filter(home_institution=institution, home_student_id__in=chunk):
            found[student.home_student_id] = student
    return found


def _email_owners(emails: set[str]) -> dict[str, tuple[int, str]]:
    """lower-case e-mail → (home institution id, home student id) of the student who has it."""
    owners = {}
    for chunk in _chunks(sorted(emails)):
        rows = (
            Student.objects.annotate(email_lower=Lower("email"))
            .filter(email_lower__in=chunk)
            .values_list("email_lower", "home_institution_id", "home_student_id")
        )
        for email, institution_id, home_id in rows:
            owners[email] = (institution_id, home_id)
    return owners


def _cohorts_and_tracks(preview: RosterPreview, cohort: Cohort | None) -> tuple[dict[str, Cohort], dict[str, Track]]:
    codes = {row.values.get("cohort_code", "") for row in preview.rows} - {""}
    tracks_wanted = {row.values.get("track_code", "") for row in preview.rows} - {""}
    cohorts = {
        c.code.lower(): c
        for c in Cohort.objects.filter(code__in=codes | {code.upper() for code in codes}).select_related(
            "track", "agreement"
        )
    }
    if cohort is not None:
        cohorts[cohort.code.lower()] = cohort
    tracks = {
        t.code.lower(): t for t in Track.objects.filter(code__in=tracks_wanted | {c.upper() for c in tracks_wanted})
    }
    return cohorts, tracks


def _current_enrollments(student_ids: list[int]) -> dict[tuple[int, int], str]:
    """(student id, track id) → code of the cohort of the student's current enrollment in the track."""
    current = {}
    for chunk in _chunks(student_ids):
        rows = Enrollment.objects.filter(student_id__in=chunk, status__in=Enrollment.CURRENT_STATUSES).values_list(
            "student_id", "track_id", "cohort__code"
        )
        for student_id, track_id, cohort_code in rows:
            current[(student_id, track_id)] = cohort_code
    return current


def _suggest_names(row: RosterRow, cache: dict, preview: RosterPreview) -> None:
    """Fill empty Latin/Cyrillic names (in the file and, for an existing student, in the database) from Han.

    A suggestion refused because a character has no known reading (``NoReading``) fills nothing and says so: an
    empty Latin name is then refused naming the character (``_plan_student``), an empty Cyrillic one is a warning."""
    family_han = row.data.get("family_name_han") or (row.student.family_name_han if row.student else "")
    given_han = row.data.get("given_name_han") or (row.student.given_name_han if row.student else "")
    if not (family_han or given_han):
        return
    if name_problem(family_han, HAN) or name_problem(given_han, HAN):
        return  # the Han name itself is refused on its column; nothing to suggest from
    empty = [
        name
        for name in NAME_FIELDS[2:]
        if not row.data.get(name) and not (row.student is not None and getattr(row.student, name))
    ]
    if not empty:
        return
    key = (family_han, given_han)
    if key not in cache:
        try:
            cache[key] = suggest_names(family_han, given_han)
        except Exception as exc:  # a suggestion is a convenience: its failure alone never refuses a row
            cache[key] = {"": _no_reading(exc)}
    row.no_reading = cache[key].get("", "")
    for name in empty:
        value = cache[key].get(name, "")
        if value:
            row.data[name] = value
            row.suggested.append(name)
    if row.no_reading and any(name.endswith("_cyrillic") for name in empty):
        preview.warnings.append(
            _("Row %(row)d: no Cyrillic name was suggested. %(reason)s") % {"row": row.row, "reason": row.no_reading}
        )


def _check_email(row: RosterRow, institution, owners, seen, error) -> None:
    email = row.data.get("email", "").lower()
    if not email:
        return
    if email in seen:
        error(row, "email", _("The same e-mail as row %(row)d.") % {"row": seen[email]})
        return
    seen[email] = row.row
    owner = owners.get(email)
    if owner is not None and owner != (institution.pk, row.home_student_id):
        error(
            row,
            "email",
            _("The e-mail %(email)s belongs to another student (home id %(id)s).") % {"email": email, "id": owner[1]},
        )


def _check_home_institution(row: RosterRow, institution: Institution, error) -> None:
    """The optional home institution column names the college of the import (its code or one of its names)."""
    value = row.values.get("home_institution", "")
    names = (institution.code, institution.short_name, institution.name_en, institution.name_ru, institution.name_zh)
    if value and value.casefold() not in {name.casefold() for name in names if name}:
        error(
            row,
            "home_institution",
            _("%(value)s is not %(college)s, the sending college of this import: a college nominates its own students.")
            % {"value": value, "college": institution.code},
        )


def _resolve_cohort(row: RosterRow, cohort, institution, cohorts, tracks, today, error, closed: list) -> None:
    code = row.values.get("cohort_code", "")
    if code:
        found = cohorts.get(code.lower())
        if found is None:
            error(row, "cohort_code", _("There is no cohort %(code)s.") % {"code": code})
            return
        if cohort is not None and found.pk != cohort.pk:
            error(
                row,
                "cohort_code",
                _("Cohort %(code)s is not the cohort of this import (%(cohort)s).")
                % {"code": code, "cohort": cohort.code},
            )
            return
    else:
        found = cohort
    if found is None:
        error(row, "cohort_code", _("The cohort code is required."))
        return
    row.cohort = found
    track_code = row.values.get("track_code", "")
    if track_code:
        track = tracks.get(track_code.lower())
        if track is None:
            error(row, "track_code", _("There is no track %(code)s.") % {"code": track_code})
        elif track.pk != found.track_id:
            error(
                row,
                "track_code",
                _("Cohort %(cohort)s is a cohort of track %(track)s, not %(code)s.")
                % {"cohort": found.code, "track": found.track.code, "code": track_code},
            )
    # The checks of enrollment_apply, made here so that the preview shows them per row; a closed cohort is one
    # file-level error (``parse_roster``), not the same line on every row.
    if found.partner_id != institution.pk:
        error(row, "cohort_code", _("Cohort %(cohort)s belongs to another sending college.") % {"cohort": found.code})
    elif not found.is_open_for_applications(today=today):
        closed.append(found)


def _plan_student(row: RosterRow, institution: Institution, error) -> None:
    """Create, update (with the changed fields) or unchanged, validated by the model's own field rules and checks."""
    if row.student is None:
        row.action = "create"
        instance = Student(home_institution=institution, home_student_id=row.home_student_id, **row.data)
    else:
        instance = Student(**{f.attname: getattr(row.student, f.attname) for f in Student._meta.concrete_fields})
        row.changes = {}
        for name, value in row.data.items():
            old = getattr(row.student, name)
            if old != value and not (name == "email" and old.lower() == value.lower()):
                row.changes[name] = (old, value)
                setattr(instance, name, value)
        row.action = "update" if row.changes else "unchanged"
    flagged: set[str] = set()
    for name in ("family_name_latin", "given_name_latin"):
        if not getattr(instance, name):
            error(row, name, row.no_reading or _("The Latin name is required (none given, none could be suggested)."))
            flagged.add(name)
    # Field rules (lengths, e-mail syntax, choices), as clean_fields checks them. The foreign key is known to exist
    # and uniqueness is checked set-wise above; the check constraints follow.
    refused = field_errors(instance, exclude={"home_institution", "user", *flagged})
    if refused is not None:
        for name, messages in refused.message_dict.items():
            for message in messages:
                error(row, name if name != NON_FIELD_ERRORS else "", message)
            flagged.add(name)
    for constraint in Student._meta.constraints:
        if not isinstance(constraint, CheckConstraint):
            continue
        name, lazy_message = CONSTRAINT_MESSAGES.get(constraint.name, ("", ""))
        if name in flagged:
            continue
        holds = _condition_holds(constraint.condition, instance)
        if holds is None:  # a condition checks.py does not read: ask the database, as Django does
            try:
                constraint.validate(Student, instance)
            except ValidationError as exc:
                error(row, name, str(lazy_message) or exc.messages[0])  # the lazy text, in this request's language
        elif not holds:
            error(row, name, str(lazy_message) or str(constraint.get_violation_error_message()))


def _plan_application(row: RosterRow, current: dict) -> None:
    if row.cohort is None:
        return
    held = current.get((row.student.pk, row.cohort.track_id)) if row.student is not None else None
    if held is None:
        row.application = True
    else:
        row.application_note = _("already in %(cohort)s") % {"cohort": held}


def _warn_about_places(preview: RosterPreview) -> None:
    """More new applications than places left in a cohort or the agreement's quota: a warning (see the module doc)."""
    new = Counter(row.cohort.pk for row in preview.rows if row.application and not row.errors and row.cohort)
    by_pk = {row.cohort.pk: row.cohort for row in preview.rows if row.cohort is not None}
    for pk, count in sorted(new.items()):
        cohort = by_pk[pk]
        taken = Enrollment.objects.filter(cohort_id=pk, status__in=Enrollment.PLACE_STATUSES).count()
        left = cohort.capacity - taken
        if count > left:
            preview.warnings.append(
                _(
                    "%(count)d new applications to cohort %(cohort)s, which has %(left)d of %(capacity)d places left; "
                    "admission will stop when it is full."
                )
                % {"count": count, "cohort": cohort.code, "left": max(left, 0), "capacity": cohort.capacity}
            )
        if cohort.agreement_id is None:
            continue
        quota = quotas_with_usage(
            AgreementQuota.objects.filter(
                agreement_id=cohort.agreement_id, track_id=cohort.track_id, year=cohort.intake_year
            )
        ).first()
        if quota is None:
            preview.warnings.append(
                _("Agreement %(agreement)s has no quota for %(track)s in %(year)d: nobody can be admitted yet.")
                % {"agreement": cohort.agreement.number, "track": cohort.track.code, "year": cohort.intake_year}  # type: ignore[union-attr]  # agreement_id checked
            )
        elif count > quota.left:  # type: ignore[attr-defined]  # annotated by quotas_with_usage
            preview.warnings.append(
                _(
                    "%(count)d new applications to cohort %(cohort)s, over the quota of agreement %(agreement)s "
                    "(%(left)d of %(places)d places left for %(track)s in %(year)d)."
                )
                % {
                    "count": count,
                    "cohort": cohort.code,
                    "agreement": cohort.agreement.number,  # type: ignore[union-attr]  # agreement_id checked above
                    "left": max(quota.left, 0),  # type: ignore[attr-defined]  # annotated by quotas_with_usage
                    "places": quota.places,
                    "track": cohort.track.code,
                    "year": quota.year,
                }
            )
