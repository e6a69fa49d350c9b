"""Reads about transcripts: the rows a transcript lists, the transcripts a viewer may download (the diplomas' rule,
``diplomas.selectors.diplomas_visible_to``), and the public lookup by verification code."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet

from diplomas.models import PAGE_RELATED
from mobility.foundation.access import is_office_staff, is_staff_key, partner_institution_id
from programs.models import Module
from students.models import Enrollment, ModuleResult
from students.selectors import visible_students_only

from .models import Transcript


@dataclass(frozen=True)
class TranscriptRow:
    """One module on a transcript: the result that counts (the latest passed attempt, else the latest attempt), how
    many attempts were recorded, and whether the result was recognised from the home college."""

    module: Module
    result: ModuleResult
    attempts: int

    @property
    def recognised(self) -> bool:
        return self.result.source == ModuleResult.Source.TRANSFER


def transcript_rows(*, enrollment: Enrollment) -> list[TranscriptRow]:
    """Every module of the enrollment's track with at least one result, in curriculum order, in one query. A
    module never assessed is not on the transcript: it records what was assessed."""
    results = ModuleResult.objects.filter(enrollment=enrollment, module__track_id=enrollment.track_id)
    by_module: dict[int, list[ModuleResult]] = {}
    for result in results.select_related("module").order_by("module__order", "module__code", "attempt"):
        by_module.setdefault(result.module_id, []).append(result)
    rows = []
    for attempts in by_module.values():
        passed = [result for result in attempts if result.passed]
        counted = passed[-1] if passed else attempts[-1]
        rows.append(TranscriptRow(module=counted.module, result=counted, attempts=len(attempts)))
    return rows


def enrollment_has_results(*, enrollment: Enrollment) -> bool:
    return ModuleResult.objects.filter(enrollment=enrollment, module__track_id=enrollment.track_id).exists()


def transcript_enrollment(*, pk) -> Enrollment:
    """An enrollment a transcript is drawn for, with what its page shows (raises ``Enrollment.DoesNotExist``)."""
    return Enrollment.objects.select_related(*PAGE_RELATED).get(pk=pk)


def transcripts_visible_to(*, viewer) -> QuerySet[Transcript]:
    """The stored transcripts whose PDF a viewer may download: office staff with ``diplomas.view_diploma`` and
    staff API keys every one; a student their own valid ones; a partner (key or portal member) the valid ones of
    its home students; anyone else none. Revoked ones only for the office."""
    queryset = Transcript.objects.stored().select_related("enrollment", "diploma")
    if partner_institution_id(viewer) is not None:
        return visible_students_only(queryset, viewer=viewer, path="enrollment__student__").filter(
            revoked_at__isnull=True
        )
    if is_staff_key(viewer):
        return queryset
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return queryset.none()
    if is_office_staff(viewer) and viewer.has_perm("diplomas.view_diploma"):
        return queryset
    student = getattr(viewer, "student", None)
    if student is None:
        return queryset.none()
    return queryset.filter(revoked_at__isnull=True, enrollment__student=student)


def transcript_for_download(*, viewer, pk: int) -> Transcript:
    """One transcript the viewer may download; ``Transcript.DoesNotExist`` otherwise (the views answer 404)."""
    return transcripts_visible_to(viewer=viewer).get(pk=pk)


def transcript_list(*, viewer) -> QuerySet[Transcript]:
    """The API's list: the stored transcripts of the students the viewer may see (revoked ones included, as the
    diplomas' list has them), newest first."""
    queryset = Transcript.objects.stored().select_related("enrollment", "diploma")
    return visible_students_only(queryset, viewer=viewer, path="enrollment__student__").order_by("-issued_at", "-id")


def transcript_for_verification(*, code: str) -> Transcript:
    """The public view of a stored transcript by its verification code (``Transcript.DoesNotExist`` otherwise)."""
    return (
        Transcript.objects.stored()
        .select_related("enrollment__student", "enrollment__track", "enrollment__cohort__host", "diploma")
        .get(verification_code=code)
    )
