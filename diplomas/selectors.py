"""Reads about diplomas, scoped by viewer: downloads, the public verification, batch progress."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from mobility.foundation.access import is_office_staff, is_staff_key, partner_institution_id
from students import public_names
from students.consent.models import Purpose
from students.consent.selectors import consent_holds
from students.models import Student
from students.selectors import student_search, visible_students_only

from .models import Diploma, DiplomaArchive, DiplomaBatch

S = Diploma.Status


def diplomas_visible_to(*, viewer) -> QuerySet[Diploma]:
    """The diplomas whose PDF a viewer may download: office staff with ``diplomas.view_diploma`` and staff API keys
    any issued or revoked one; a student their own issued ones; a partner's API key the issued ones of its home
    students; anyone else none."""
    queryset = Diploma.objects.filter(status__in=(S.ISSUED, S.REVOKED)).exclude(pdf="")
    if partner_institution_id(viewer) is not None:
        return visible_students_only(queryset, viewer=viewer, path="enrollment__student__").filter(status=S.ISSUED)
    if is_staff_key(viewer):
        return queryset
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return queryset.none()
    if is_office_staff(viewer) and viewer.has_perm("diplomas.view_diploma"):
        return queryset
    student = getattr(viewer, "student", None)
    if student is None:
        return queryset.none()
    return queryset.filter(status=S.ISSUED, enrollment__student=student)


def diploma_for_download(*, viewer, pk: int) -> Diploma:
    """One diploma the viewer may download; ``Diploma.DoesNotExist`` otherwise (the view answers 404)."""
    return diplomas_visible_to(viewer=viewer).get(pk=pk)


def diploma_for_verification(*, code: str) -> Diploma:
    """The public view of a diploma by its verification code: only issued and revoked ones exist for the public
    (requested, rendering and failed ones are ``DoesNotExist``, like unknown codes)."""
    return Diploma.objects.select_related("enrollment__student", "enrollment__track", "enrollment__cohort__host").get(
        verification_code=code, status__in=(S.ISSUED, S.REVOKED)
    )


@dataclass(frozen=True)
class PublicHolder:
    """What the public verification page shows of a diploma's holder: the full names in the three scripts when the
    holder consents to ``public_name`` (``named``), their initials otherwise (``students.public_names``), and the
    revocation reason with the holder's names in it replaced by initials unless named."""

    named: bool
    latin: str
    han: str
    cyrillic: str
    revoked_reason: str


def public_holder(diploma: Diploma) -> PublicHolder:
    """The holder as the verification page may show them, decided at each request (one query: the current
    ``public_name`` decision; never decided is no consent), so a withdrawal shows initials on the next request."""
    student = diploma.enrollment.student
    if consent_holds(student, Purpose.PUBLIC_NAME):
        return PublicHolder(
            named=True,
            latin=student.full_name_latin,
            han=student.full_name_han,
            cyrillic=student.full_name_cyrillic,
            revoked_reason=diploma.revoked_reason,
        )
    shown = public_names.initials(student)
    return PublicHolder(
        named=False,
        latin=shown["latin"],
        han=shown["han"],
        cyrillic=shown["cyrillic"],
        revoked_reason=public_names.redact_names(diploma.revoked_reason, student),
    )


@dataclass
class BatchProgress:
    batch: DiplomaBatch
    total: int
    issued: int
    failed: int
    waiting: int
    revoked: int

    @property
    def done(self) -> bool:
        return self.waiting == 0

    def percent(self, count: int) -> int:
        return round(100 * count / self.total) if self.total else 0

    @property
    def done_percent(self) -> int:
        """The share of the batch no longer waiting (issued, revoked or failed), rounded down: 100 only when done."""
        if self.done:
            return 100
        return 100 * (self.total - self.waiting) // self.total

    @property
    def issued_percent(self) -> int:
        return self.percent(self.issued + self.revoked)

    @property
    def failed_percent(self) -> int:
        return self.percent(self.failed)

    @property
    def waiting_percent(self) -> int:
        return max(0, 100 - self.issued_percent - self.failed_percent) if self.waiting else 0


def batch_progress(*, batch: DiplomaBatch) -> BatchProgress:
    """Counts of the batch's diplomas by outcome, in one query: issued (revoked since counted apart), failed, and
    waiting (requested or rendering)."""
    counts = Diploma.objects.filter(batch=batch).aggregate(
        total=Count("id"),
        issued=Count("id", filter=Q(status=S.ISSUED)),
        failed=Count("id", filter=Q(status=S.FAILED)),
        waiting=Count("id", filter=Q(status__in=(S.REQUESTED, S.RENDERING))),
        revoked=Count("id", filter=Q(status=S.REVOKED)),
    )
    return BatchProgress(batch=batch, **counts)


def cohort_latest_batch_progress(*, cohort_id: int) -> BatchProgress | None:
    """Progress of the cohort's latest batch, or None when the cohort has none. Two queries."""
    batch = DiplomaBatch.objects.filter(cohort_id=cohort_id).order_by("-requested_at", "-pk").first()
    return batch_progress(batch=batch) if batch else None


def batch_diplomas(*, batch: DiplomaBatch) -> QuerySet[Diploma]:
    return Diploma.objects.filter(batch=batch).select_related("enrollment__student").order_by("number", "pk")


def diploma_for_staff(*, viewer, pk: int) -> Diploma:
    """One diploma with its student, for the staff actions (retry, revoke, reissue); ``DoesNotExist`` for anyone
    who is not office staff."""
    queryset = Diploma.objects.select_related("enrollment__student", "enrollment__cohort")
    if not is_office_staff(viewer):
        queryset = queryset.none()
    return queryset.get(pk=pk)


# --- the partner API ------------------------------------------------------------------------------------------------


def diploma_list(*, viewer) -> QuerySet[Diploma]:
    """Diplomas in every status of the students the viewer may see, with their enrollment in the same query."""
    queryset = Diploma.objects.select_related("enrollment")
    return visible_students_only(queryset, viewer=viewer, path="enrollment__student__").order_by("-requested_at", "-id")


def diploma_lookup(*, viewer, number: str) -> Diploma:
    """The issued or revoked diploma with this number among those the viewer may see (a partner: its own
    students'), with the student and track, for verification; ``Diploma.DoesNotExist`` otherwise. The number is
    matched whatever its letter case: a number typed from a printed diploma often comes in lower case."""
    return (
        diploma_list(viewer=viewer)
        .select_related("enrollment__student", "enrollment__track")
        # What verification shows, not four tables' every column: the lookup is a hot path of partners' systems.
        .only(*_LOOKUP_FIELDS)
        .get(number__iexact=number.strip(), status__in=(S.ISSUED, S.REVOKED))
    )


_LOOKUP_FIELDS = (
    "number",
    "status",
    "issued_at",
    "sha256",
    "revoked_at",
    "revoked_reason",
    "enrollment__student__family_name_han",
    "enrollment__student__given_name_han",
    "enrollment__student__family_name_latin",
    "enrollment__student__given_name_latin",
    "enrollment__student__family_name_cyrillic",
    "enrollment__student__given_name_cyrillic",
    "enrollment__track__code",
    "enrollment__track__name_en",
    "enrollment__track__name_ru",
    "enrollment__track__name_zh",
)


# --- the register: every diploma, for the office ---------------------------------------------------------------------

# ``sort`` parameter → ordering; anything else falls back to the newest request first.
REGISTER_SORTS: dict[str, tuple] = {
    "number": (F("number").asc(nulls_last=True), "id"),
    "-number": (F("number").desc(nulls_last=True), "-id"),
    "requested": ("requested_at", "id"),
    "-requested": ("-requested_at", "-id"),
    "issued": (F("issued_at").asc(nulls_last=True), "id"),
    "-issued": (F("issued_at").desc(nulls_last=True), "-id"),
}
DEFAULT_REGISTER_SORT = "-requested"


def _year_bounds(year: int) -> tuple[datetime.datetime, datetime.datetime]:
    """The first moment of ``year`` and of the next one in the site's time zone (``TIME_ZONE``)."""
    zone = timezone.get_default_timezone()
    return (
        datetime.datetime(year, 1, 1, tzinfo=zone),
        datetime.datetime(year + 1, 1, 1, tzinfo=zone),
    )


def diploma_register(*, viewer, filters: dict | None = None) -> QuerySet[Diploma]:
    """Every diploma the viewer may see (the office: all of them, in every status), with its student, cohort and
    track in the same query, searched, filtered and sorted.

    ``filters`` keys (all optional): ``q`` — a diploma number or its beginning (any letter case), or words of the
    student's name in any script, home id or e-mail (``students.selectors.student_search``); ``year`` — the year of
    issue, or of the request for a diploma not issued (yet), in the site's time zone; ``cohort``; ``track``;
    ``status``; ``sort`` (a key of ``REGISTER_SORTS``)."""
    filters = filters or {}
    queryset: QuerySet[Diploma] = visible_students_only(
        Diploma.objects.select_related("enrollment__student", "enrollment__cohort", "enrollment__track"),
        viewer=viewer,
        path="enrollment__student__",
    )
    text = (filters.get("q") or "").strip()
    if text:
        by_name = student_search(Student.objects.all(), text, diploma_numbers=False).values("pk")
        by_number = Q(number__istartswith=text) if len(text.split()) == 1 else Q(pk__in=[])
        queryset = queryset.filter(by_number | Q(enrollment__student__in=by_name))
    if filters.get("year"):
        start, end = _year_bounds(filters["year"])
        queryset = queryset.filter(
            Q(issued_at__gte=start, issued_at__lt=end)
            | Q(issued_at__isnull=True, requested_at__gte=start, requested_at__lt=end)
        )
    if filters.get("cohort"):
        queryset = queryset.filter(enrollment__cohort=filters["cohort"])
    if filters.get("track"):
        queryset = queryset.filter(enrollment__track=filters["track"])
    if filters.get("status"):
        queryset = queryset.filter(status=filters["status"])
    return queryset.order_by(*REGISTER_SORTS.get(filters.get("sort") or "", REGISTER_SORTS[DEFAULT_REGISTER_SORT]))


# --- a cohort's ZIP of issued PDFs -----------------------------------------------------------------------------------


def archive_diplomas(*, cohort_id: int) -> QuerySet[Diploma]:
    """What a cohort's archive holds: its issued diplomas (revoked, failed and waiting ones left out), by number."""
    return (
        Diploma.objects.filter(enrollment__cohort_id=cohort_id, status=S.ISSUED)
        .exclude(pdf="")
        .select_related("enrollment__student")
        .order_by("number", "pk")
    )


def cohort_latest_archive(*, cohort_id: int) -> DiplomaArchive | None:
    """The cohort's latest ZIP of issued PDFs, or None. One query."""
    return DiplomaArchive.objects.filter(cohort_id=cohort_id).order_by("-created_at", "-pk").first()


def archive_for_download(*, viewer, pk: int) -> DiplomaArchive:
    """A ready archive, for office staff with ``diplomas.view_diploma``; ``DoesNotExist`` otherwise."""
    queryset = DiplomaArchive.objects.filter(status=DiplomaArchive.Status.READY).select_related("cohort")
    if not (is_office_staff(viewer) and viewer.has_perm("diplomas.view_diploma")):
        queryset = queryset.none()
    return queryset.get(pk=pk)
