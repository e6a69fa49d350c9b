"""Reads of consents: the current text of each purpose, a student's current decisions, what the portal must ask."""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.db.models import Count, Exists, Max, OuterRef, Q

from mobility.foundation.models import AuditEntry
from students.models import Student

from .models import SENSITIVE_PURPOSE, Consent, ConsentText, Purpose


def current_texts() -> dict[str, ConsentText]:
    """The current (latest published) text of each purpose that has one. One query."""
    texts: dict[str, ConsentText] = {}
    for text in ConsentText.objects.filter(published_at__isnull=False).order_by("purpose", "-version"):
        texts.setdefault(text.purpose, text)
    return texts


def current_text(purpose: str) -> ConsentText | None:
    return ConsentText.objects.filter(purpose=purpose, published_at__isnull=False).order_by("-version").first()


def published_version(purpose: str, version: int) -> ConsentText | None:
    """The published text of ``purpose`` numbered ``version``, current or replaced since; ``None`` for a draft or a
    version that does not exist."""
    return ConsentText.objects.filter(purpose=purpose, version=version, published_at__isnull=False).first()


def latest_versions() -> dict[str, int]:
    """The highest version of each purpose, drafts included (the next draft takes the one after)."""
    rows = ConsentText.objects.values("purpose").annotate(top=Max("version"))
    return {row["purpose"]: row["top"] for row in rows}


def consents_current(student) -> dict[str, Consent]:
    """The student's current decision per purpose (purposes never decided are absent). One query."""
    rows = Consent.objects.filter(student=student, current=True).select_related("text")
    return {row.purpose: row for row in rows}


def consent_holds(student, purpose: str) -> bool:
    """Whether the student's current decision about ``purpose`` is a consent given (by them or attested)."""
    if student is None or student.pk is None:
        return False
    return Consent.objects.filter(
        student=student, purpose=purpose, current=True, decision=Consent.Decision.GIVEN
    ).exists()


def students_holding(purpose: str, student_ids: Iterable[int]) -> set[int]:
    """Which of ``student_ids`` hold a consent to ``purpose``. One query, whatever their number."""
    ids = list(student_ids)
    if not ids:
        return set()
    return set(
        Consent.objects.filter(
            purpose=purpose, current=True, decision=Consent.Decision.GIVEN, student_id__in=ids
        ).values_list("student_id", flat=True)
    )


def consents_due(student, *, texts: dict[str, ConsentText] | None = None) -> list[ConsentText]:
    """The current texts the student has not answered themselves: at the first sign-in every purpose, later each
    purpose whose text has a new version (an attestation by the college does not answer for the student). In the
    order of ``Purpose``."""
    texts = current_texts() if texts is None else texts
    answered = {
        row.purpose: row.text_id
        for row in Consent.objects.filter(student=student, current=True, given_by=Consent.GivenBy.STUDENT)
    }
    return [texts[p] for p in Purpose.values if p in texts and answered.get(p) != texts[p].pk]


def consent_history(student) -> list[Consent]:
    """Every decision about the student, newest first, with its text."""
    return list(Consent.objects.filter(student=student).select_related("text").order_by("-at", "-id"))


def consent_is_due(student) -> bool:
    """Whether ``consents_due(student)`` is not empty, in one query (the portal asks it on every page): a current
    text exists that is not the text of the student's own current decision about its purpose."""
    newer = ConsentText.objects.filter(
        purpose=OuterRef("purpose"), published_at__isnull=False, version__gt=OuterRef("version")
    )
    answered = Consent.objects.filter(
        student=student, current=True, given_by=Consent.GivenBy.STUDENT, text_id=OuterRef("pk")
    )
    return (
        ConsentText.objects.filter(published_at__isnull=False, purpose__in=Purpose.values)
        .exclude(Exists(newer))
        .exclude(Exists(answered))
        .exists()
    )


def students_refusing(purpose: str, student_ids: Iterable[int]) -> set[int]:
    """Which of ``student_ids`` have declined or withdrawn ``purpose`` (their current decision), as opposed to holding
    it or never having been asked. One query, none for no ids."""
    ids = list(student_ids)
    if not ids:
        return set()
    return set(
        Consent.objects.filter(purpose=purpose, current=True, student_id__in=ids)
        .exclude(decision=Consent.Decision.GIVEN)
        .values_list("student_id", flat=True)
    )


# --- the office's pages (students/consent/views.py) and the staff students list ---------------------------------------


def consent_text_overview() -> list[dict]:
    """Every purpose, in the order of ``Purpose``, with its versions newest first: ``current`` (the latest published
    text or ``None``), ``draft`` (the one unpublished version or ``None``), ``older`` (published versions replaced
    since), and on each text ``counts``: how many students' current decisions are given, declined or withdrawn on
    it, and ``published_by`` (who published it, from the audit log; ``None`` for the versions the migrations
    published). Three queries, whatever the number of versions and students."""
    texts = list(ConsentText.objects.select_related("created_by").order_by("purpose", "-version"))
    publications = AuditEntry.objects.filter(
        action="consent_text.publish", content_type=ContentType.objects.get_for_model(ConsentText)
    ).select_related("actor")
    published_by = {entry.object_id: entry for entry in publications}
    counts: dict[int, dict[str, int]] = {}
    rows = Consent.objects.filter(current=True).values("text_id", "decision").annotate(n=Count("id"))
    for row in rows:
        counts.setdefault(row["text_id"], {})[row["decision"]] = row["n"]
    overview = []
    for purpose in Purpose:
        versions = [text for text in texts if text.purpose == purpose.value]
        for text in versions:
            counted = {decision: counts.get(text.pk, {}).get(decision, 0) for decision in Consent.Decision.values}
            setattr(text, "counts", counted)  # noqa: B010  (a row of the page, not a field)
            setattr(text, "publication", published_by.get(str(text.pk)))  # noqa: B010
        published = [text for text in versions if text.is_published]
        overview.append(
            {
                "purpose": purpose,
                "current": published[0] if published else None,
                "draft": next((text for text in versions if not text.is_published), None),
                "older": published[1:],
            }
        )
    return overview


def consent_ended() -> Exists:
    """For a query of students: a current decision of the student is declined or withdrawn (the office's flag)."""
    return Exists(
        Consent.objects.filter(
            student=OuterRef("pk"),
            current=True,
            decision__in=(Consent.Decision.DECLINED, Consent.Decision.WITHDRAWN),
        )
    )


def transfer_consent_missing() -> Q:
    """For a query of students: passport data or a birth date held without a consent to the transfer from China to
    Russia (the student's own or attested) that holds."""
    holds = Exists(
        Consent.objects.filter(
            student=OuterRef("pk"), purpose=SENSITIVE_PURPOSE, current=True, decision=Consent.Decision.GIVEN
        )
    )
    held = Q()
    for field in Student.SENSITIVE_FIELDS:
        held |= ~Q(**{field: ""}) if field == "passport_number" else Q(**{f"{field}__isnull": False})
    return held & Q(~holds)
