"""Reads about diplomas, scoped by viewer: downloads, the public verification, batch progress."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from mobility.access import is_office_staff

from .models import Diploma, DiplomaBatch

S = Diploma.Status


def diplomas_visible_to(*, viewer) -> QuerySet[Diploma]:
    """The diplomas whose PDF a viewer may download: office staff with ``diplomas.view_diploma`` any issued or
    revoked one; a student their own issued ones; anyone else none. (Partners: through the API, later, here.)"""
    queryset = Diploma.objects.filter(status__in=(S.ISSUED, S.REVOKED)).exclude(pdf="")
    if viewer is None or not viewer.is_authenticated:
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
