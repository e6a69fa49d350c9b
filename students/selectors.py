"""Reads about students and their enrollments."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast, Concat

from mobility.foundation.access import can_view_sensitive
from mobility.foundation.models import AuditEntry
from programs.models import Cohort, Module

from .consent.selectors import consent_ended, transfer_consent_missing
from .models import Continuation, CorrectionRequest, Enrollment, ModuleResult, Student
from .names import normalize_search
from .scoping import visible_enrollments_only, visible_results_only, visible_students_only


def completion_missing_modules(*, enrollment: Enrollment) -> QuerySet[Module]:
    """The completion rule: the required modules of the enrollment's track that have no passing result.

    An enrollment may be completed when this is empty. The UI, the API and diploma issuance all ask this one
    function (or ``enrollments_eligible_for_completion``, its set-wise twin).
    """
    passed = ModuleResult.objects.filter(enrollment=enrollment, module=OuterRef("pk"), passed=True)
    return Module.objects.filter(track_id=enrollment.track_id, is_required=True).exclude(Exists(passed))


def enrollment_is_eligible_for_completion(*, enrollment: Enrollment) -> bool:
    return (
        enrollment.status == Enrollment.Status.ENROLLED
        and not completion_missing_modules(enrollment=enrollment).exists()
    )


def enrollments_eligible_for_completion(
    queryset: QuerySet[Enrollment] | None = None,
) -> QuerySet[Enrollment]:
    """Enrolled enrollments with a passing result for every required module of their track, in one query."""
    queryset = Enrollment.objects.all() if queryset is None else queryset
    return enrollments_meeting_completion_rule(queryset.filter(status=Enrollment.Status.ENROLLED))


def enrollments_meeting_completion_rule(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """The enrollments of ``queryset``, whatever their status, with no required module of their track lacking a
    passing result: ``completion_missing_modules`` set-wise, in the same one query."""
    unpassed_required = Module.objects.filter(track_id=OuterRef("track_id"), is_required=True).exclude(
        Exists(
            ModuleResult.objects.filter(
                enrollment_id=OuterRef(OuterRef("pk")),
                module=OuterRef("pk"),
                passed=True,
            )
        )
    )
    return queryset.exclude(Exists(unpassed_required))


# --- staff pages: the students list, one student, history -------------------------------------------------------

# ``sort`` parameter → ordering. Anything else falls back to the name order.
STUDENT_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("family_name_latin", "given_name_latin", "id"),
    "home_id": ("home_student_id", "id"),
    "institution": ("home_institution__code", "family_name_latin", "given_name_latin", "id"),
}
# Fields a search term is looked for in; the Han name is written as one word (张伟), which holds the family and the
# given name in Han on their own too.
SEARCH_FIELDS = (
    "family_name_latin",
    "given_name_latin",
    "family_name_cyrillic",
    "given_name_cyrillic",
    "home_student_id",
    "email",
)


def student_search_document() -> Concat:
    """The searched fields in one text, separated by spaces: the Han name as one word, then ``SEARCH_FIELDS``.

    A search term has no whitespace, so it is found in this text exactly when it is found in one of the fields.
    One expression instead of a dozen ``OR``-ed ones lets PostgreSQL use one trigram index for ``icontains``
    (``students/migrations/0004_student_list_indexes.py`` builds it from this same expression: change both)."""
    parts: list = [Concat("family_name_han", "given_name_han")]
    for field in SEARCH_FIELDS:
        parts += [Value(" "), field]
    return Concat(*parts, output_field=TextField())


def _term_variants(term: str) -> set[str]:
    # SQLite compares only ASCII letters without case; Cyrillic typed in lower case must still find "Чжан".
    # PostgreSQL's UPPER() knows Unicode, so there the variants are the same condition: one is asked.
    if connection.vendor == "postgresql":
        return {term}
    return {term, term.lower(), term.upper(), term.capitalize()}


def _search_q(text: str, *, diploma_numbers: bool) -> Q:
    """Every whitespace-separated term must match one of the name, id or e-mail fields, so a name is found in
    either order ("Zhang Wei", "Wei Zhang") and in any of the three scripts. With ``diploma_numbers``, a term with a
    digit also finds the student whose diploma has that number (any letter case), through the relation the diplomas
    app declares (``Enrollment.diplomas``): this app does not import that one. Names have no digits, so a search by
    name keeps to the one expression the trigram index serves."""
    condition = Q()
    for term in text.split():
        matches = Q()
        for variant in _term_variants(term):
            matches |= Q(_search__icontains=variant)
        if diploma_numbers and any(character.isdigit() for character in term):
            matches |= Q(Exists(Enrollment.objects.filter(student=OuterRef("pk"), diplomas__number__iexact=term)))
        condition &= matches
    return condition


def student_search(queryset: QuerySet[Student], text: str, *, diploma_numbers: bool = True) -> QuerySet[Student]:
    """``queryset`` narrowed to the students every term of ``text`` finds (``_search_q``); all of them for an empty
    text. Normalized as stored names are (students/names.py): a pasted name with a zero-width space or full-width
    letters finds the student."""
    text = normalize_search(text or "")
    if not text:
        return queryset
    return queryset.annotate(_search=student_search_document()).filter(_search_q(text, diploma_numbers=diploma_numbers))


def student_enrollments_prefetch(*, diploma_numbers: bool = False) -> Prefetch:
    """The student's enrollments with cohort and track, newest first; with ``diploma_numbers`` each also carries
    its issued diploma's number (``with_diploma_number``), in the same query."""
    enrollments = Enrollment.objects.select_related("cohort", "track").order_by("-applied_on", "-id")
    return Prefetch("enrollments", queryset=with_diploma_number(enrollments) if diploma_numbers else enrollments)


def _diploma_model() -> Any:
    # The diplomas app's model, reached through the relation it declares (``enrollment.diplomas``): this app is
    # below it and does not import it (docs/architecture.md).
    return Enrollment._meta.get_field("diplomas").related_model


def with_diploma_number(queryset: QuerySet[Enrollment]) -> QuerySet[Enrollment]:
    """Each enrollment with the number and id of its issued diploma (``diploma_number``, ``diploma_pk``; None when it
    has none: not requested, not issued yet, or revoked), as subqueries of the same query. The cohort's page and the
    exports show it; the diploma register (diplomas app) lists every diploma with its status."""
    diploma_model = _diploma_model()
    issued = diploma_model.objects.filter(enrollment=OuterRef("pk"), status=diploma_model.Status.ISSUED).order_by(
        "-issued_at", "-pk"
    )
    return queryset.annotate(
        diploma_number=Subquery(issued.values("number")[:1]), diploma_pk=Subquery(issued.values("pk")[:1])
    )


def student_list(*, viewer, filters: dict | None = None, enrollments: Prefetch | None = None) -> QuerySet[Student]:
    """The students a viewer may see, searched, filtered and sorted; the one place that scopes students.

    Office staff and staff API keys see every student; a partner's API key the students whose home institution is
    the key's; a student sees their own record; anyone else sees nothing (``visible_students_only``). ``filters`` keys
    (all optional): ``q`` (search), ``partner`` (home institution), ``track``, ``cohort``, ``status`` (the student
    has one enrollment matching all three given), ``corrections`` (``"open"``: the student has an open correction
    request), ``consent`` (``"ended"``: a current consent decision is declined or withdrawn; ``"transfer_missing"``:
    passport data or a birth date held without a consent to the transfer to Russia, only for viewers who may see
    passport data), ``sort`` (a key of ``STUDENT_SORTS``, ``-`` for descending).
    The queryset brings its home institution and enrollments (with cohort and track; ``enrollments``, another
    ``Prefetch`` of them, instead) in a fixed number of queries.
    """
    filters = filters or {}
    enrollments = enrollments or student_enrollments_prefetch()
    queryset = Student.objects.select_related("home_institution").prefetch_related(enrollments)
    queryset = visible_students_only(queryset, viewer=viewer)

    if filters.get("partner"):
        queryset = queryset.filter(home_institution=filters["partner"])
    enrollment_conditions = {
        key: filters[key] for key in ("track", "cohort", "status") if filters.get(key) not in (None, "")
    }
    if enrollment_conditions:
        queryset = queryset.filter(Exists(Enrollment.objects.filter(student=OuterRef("pk"), **enrollment_conditions)))
    if filters.get("corrections") == "open":
        queryset = queryset.filter(_open_correction())
    if filters.get("consent") == "ended":
        queryset = queryset.filter(consent_ended())
    elif filters.get("consent") == "transfer_missing" and can_view_sensitive(viewer):
        queryset = queryset.filter(transfer_consent_missing())
    queryset = student_search(queryset, filters.get("q") or "")

    sort = filters.get("sort") or "name"
    descending = sort.startswith("-")
    ordering = STUDENT_SORTS.get(sort.lstrip("-"), STUDENT_SORTS["name"])
    if descending:
        ordering = tuple(f"-{field}" for field in ordering)
    return queryset.order_by(*ordering)


def _open_correction() -> Exists:
    return Exists(CorrectionRequest.objects.filter(student=OuterRef("pk"), status=CorrectionRequest.Status.OPEN))


def with_open_correction_flag(queryset: QuerySet[Student]) -> QuerySet[Student]:
    """Students annotated with ``has_open_correction`` (a correction request waits for the office): no extra
    query, a column of the list's own."""
    return queryset.annotate(has_open_correction=_open_correction())


def with_consent_flags(queryset: QuerySet[Student], *, sensitive: bool) -> QuerySet[Student]:
    """Students annotated with ``consent_ended`` (a current consent decision is declined or withdrawn) and, for a
    viewer who may see passport data (``sensitive``), ``transfer_consent_missing``: columns of the list's own query,
    no query per row."""
    queryset = queryset.annotate(consent_ended=consent_ended())
    if sensitive:
        queryset = queryset.annotate(
            transfer_consent_missing=Case(
                When(transfer_consent_missing(), then=True), default=False, output_field=BooleanField()
            )
        )
    return queryset


def open_correction_requests_count() -> int:
    """Correction requests waiting for the office (the dashboard's card)."""
    return CorrectionRequest.objects.filter(status=CorrectionRequest.Status.OPEN).count()


def student_get(*, viewer, pk) -> Student:
    """One student the viewer may see, with enrollments (cohort, track, agreement), their results (module) and
    diplomas; raises ``Student.DoesNotExist`` otherwise."""
    # cohort__track and cohort__partner: the cohort's title (Cohort.title)
    enrollments = Enrollment.objects.select_related(
        "cohort__agreement", "cohort__track", "cohort__partner", "track"
    ).prefetch_related(
        Prefetch(
            "results", queryset=ModuleResult.objects.select_related("module").order_by("module__order", "attempt")
        ),
        "diplomas",
        "transcripts",
    )
    return (
        student_list(viewer=viewer)
        .prefetch_related(None)
        .prefetch_related(Prefetch("enrollments", queryset=enrollments.order_by("-applied_on", "-id")))
        .get(pk=pk)
    )


# Objects of higher apps that belong to a student's history (the diplomas app registers its diplomas): each source
# takes the student and returns the content type and the ids of its objects about them.
HistorySource = Callable[[Student], tuple[ContentType, QuerySet]]
_HISTORY_SOURCES: list[HistorySource] = []


def student_history_source_register(source: HistorySource) -> None:
    """Add the audit entries of another app's objects to the student's history (called from ``AppConfig.ready``)."""
    if source not in _HISTORY_SOURCES:
        _HISTORY_SOURCES.append(source)


def _ids(queryset: QuerySet) -> QuerySet:
    # AuditEntry.object_id is text: the ids are compared as text, inside the one query.
    return queryset.values_list(Cast("pk", output_field=CharField()), flat=True)


def student_audit_history(*, student: Student) -> QuerySet[AuditEntry]:
    """Audit entries of the student, their enrollments (results, continuations), their correction requests and the
    registered sources' objects (diplomas), newest first, with the actor in the same query."""
    types = ContentType.objects.get_for_models(Student, Enrollment, CorrectionRequest)
    condition = (
        Q(content_type=types[Student], object_id=str(student.pk))
        | Q(content_type=types[Enrollment], object_id__in=_ids(Enrollment.objects.filter(student=student)))
        | Q(
            content_type=types[CorrectionRequest], object_id__in=_ids(CorrectionRequest.objects.filter(student=student))
        )
    )
    for source in _HISTORY_SOURCES:
        content_type, objects = source(student)
        condition |= Q(content_type=content_type, object_id__in=_ids(objects))
    return AuditEntry.objects.filter(condition).select_related("actor", "content_type").order_by("-at", "-id")


def cohorts_open_for_student(*, student: Student, on: datetime.date | None = None) -> QuerySet[Cohort]:
    """Cohorts the student could apply to: of their home institution, accepting applications, deadline not past."""
    return (
        Cohort.objects.open_for_applications(today=on)
        .filter(partner_id=student.home_institution_id)
        .select_related("track")
        .order_by("-start_date", "code")
    )


def enrollments_for_action(*, viewer, ids) -> QuerySet[Enrollment]:
    """Enrollments of students the viewer may see, by id (bulk actions), in a stable order."""
    return (
        Enrollment.objects.filter(pk__in=ids, student__in=student_list(viewer=viewer).values("pk"))
        .select_related("student", "cohort", "track")
        .order_by("student__family_name_latin", "student__given_name_latin", "pk")
    )


# --- continuation report ---------------------------------------------------------------------------------------


def continuation_report() -> list[dict]:
    """Per cohort with completed students (newest intake first): its track, the completed students, how many of
    them applied to a bachelor's program, how many were accepted (at least once), and both rates. One query."""
    completed = Q(enrollments__status=Enrollment.Status.COMPLETED)
    cohorts = (
        Cohort.objects.select_related("track", "partner")
        .annotate(
            completed=Count("enrollments", filter=completed, distinct=True),
            applied=Count("enrollments", filter=completed & Q(enrollments__continuations__isnull=False), distinct=True),
            accepted=Count(
                "enrollments",
                filter=completed & Q(enrollments__continuations__decision=Continuation.Decision.ACCEPTED),
                distinct=True,
            ),
        )
        .filter(completed__gt=0)
        .order_by("track__code", "-start_date", "code")
    )
    rows = []
    for cohort in cohorts:
        rows.append(
            {
                "cohort": cohort,
                "track": cohort.track,
                "completed": cohort.completed,
                "applied": cohort.applied,
                "accepted": cohort.accepted,
                "applied_rate": round(100 * cohort.applied / cohort.completed),
                "accepted_rate": round(100 * cohort.accepted / cohort.completed),
            }
        )
    return rows


def continuation_list(*, decision: str | None = None) -> QuerySet[Continuation]:
    """Every continuation with its student, cohort, track and university (one query), newest application first."""
    queryset = Continuation.objects.select_related(
        "enrollment__student", "enrollment__cohort", "enrollment__track", "university"
    ).order_by("-applied_on", "-id")
    if decision:
        queryset = queryset.filter(decision=decision)
    return queryset


def enrollment_continuations(*, enrollment: Enrollment) -> QuerySet[Continuation]:
    return enrollment.continuations.select_related("university").order_by("applied_on", "id")


# --- the partner API ------------------------------------------------------------------------------------------------


def enrollment_list(*, viewer) -> QuerySet[Enrollment]:
    """Enrollments of the students the viewer may see (``visible_students_only``), newest application first."""
    return visible_enrollments_only(Enrollment.objects.all(), viewer=viewer).order_by("-applied_on", "-id")


def result_list(*, viewer) -> QuerySet[ModuleResult]:
    """Module results of the students the viewer may see, with their module and enrollment in the same query."""
    queryset = ModuleResult.objects.select_related("module", "enrollment")
    return visible_results_only(queryset, viewer=viewer).order_by("enrollment_id", "module__order", "attempt", "id")


def enrollment_status_history(*, enrollment: Enrollment) -> QuerySet[AuditEntry]:
    """The audit entries of one enrollment that changed its status, oldest first: its application and every
    transition of the state machine with its reason. ``actor_role``: the actor's role in the partnership
    (``Membership.Role``: a coordinator's nomination), None for office staff, keys and the system."""
    return (
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Enrollment),
            object_id=str(enrollment.pk),
            changes__has_key="status",
        )
        .annotate(actor_role=F("actor__membership__role"))
        .order_by("at", "id")
    )


# --- the student portal: the viewer's own records only -------------------------------------------------------------


def portal_student(*, viewer) -> Student | None:
    """The viewer's own student record, or None for anyone who has none (anonymous visitors, staff) and for a
    student whose personal data were erased (the record no longer says who they are)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return None
    # The reverse one-to-one is remembered on the user for the request; ``visible_students_only`` reads it again.
    student = getattr(viewer, "student", None)
    return student if student is not None and student.erased_at is None else None


def _own_only(queryset: QuerySet, *, viewer, path: str) -> QuerySet:
    """``queryset`` narrowed to the viewer's own rows: the scoping rule (``visible_students_only``), then the
    viewer's own record, so that office staff, who may see everyone, see no one in the portal."""
    student = portal_student(viewer=viewer)
    if student is None:
        return queryset.none()
    return visible_students_only(queryset, viewer=viewer, path=path).filter(**{f"{path}pk": student.pk})


def portal_enrollments(*, viewer) -> QuerySet[Enrollment]:
    """The viewer's own enrollments, newest application first, with cohort (and its host), track and diplomas
    (newest first) in two queries."""
    diplomas = Prefetch("diplomas", queryset=_portal_diplomas())
    return (
        _own_only(
            # cohort__track and cohort__partner: the cohort's title (Cohort.title)
            Enrollment.objects.select_related("cohort__host", "cohort__track", "cohort__partner", "track"),
            viewer=viewer,
            path="student__",
        )
        .prefetch_related(diplomas)
        .order_by("-applied_on", "-id")
    )


def portal_enrollment_get(*, viewer, pk) -> Enrollment:
    """One of the viewer's own enrollments, with its transcripts of records (one query more);
    ``Enrollment.DoesNotExist`` for any other id (the portal answers 404)."""
    return portal_enrollments(viewer=viewer).prefetch_related("transcripts").get(pk=pk)


def _portal_diplomas() -> QuerySet:
    # Which diplomas a student sees is the diplomas model's rule.
    return _diploma_model().objects.shown_to_student()


def portal_correction_requests(*, viewer) -> QuerySet[CorrectionRequest]:
    """The viewer's own requests to correct their personal data, newest first, with the office's answers."""
    return _own_only(CorrectionRequest.objects.all(), viewer=viewer, path="student__").order_by("-created_at", "-id")


def student_correction_requests(*, viewer, student: Student) -> QuerySet[CorrectionRequest]:
    """A student's correction requests for the staff page, open ones first, then newest first; none for a viewer
    who may not see the student."""
    return (
        visible_students_only(CorrectionRequest.objects.filter(student=student), viewer=viewer, path="student__")
        .select_related("closed_by")
        .order_by(
            Case(When(status=CorrectionRequest.Status.OPEN, then=0), default=1),
            "-created_at",
            "-id",
        )
    )


def correction_request_for_staff(*, viewer, student: Student, pk) -> CorrectionRequest:
    """One correction request of ``student``, whom the viewer may see; ``CorrectionRequest.DoesNotExist`` for any
    other id."""
    return visible_students_only(
        CorrectionRequest.objects.filter(student=student), viewer=viewer, path="student__"
    ).get(pk=pk)


# --- a cohort's enrollments (the cohort page) ---------------------------------------------------------------------


def status_counts(enrollments) -> dict[str, int]:
    """Enrollments per status, from rows already loaded (no query)."""
    counts = dict.fromkeys(Enrollment.Status.values, 0)
    for enrollment in enrollments:
        counts[enrollment.status] += 1
    return counts
