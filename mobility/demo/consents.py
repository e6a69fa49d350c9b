"""The demo's consents: every demo student with passport data or a birth date holds the college's attested consent
to the transfer of personal data to Russia, as the services require of anything that writes those fields
(docs/privacy.md). Collected on the day of the student's application (today at the latest)."""

from __future__ import annotations

import importlib

from django.apps import apps
from django.utils import timezone

from students.consent.models import SENSITIVE_PURPOSE, Consent, ConsentText
from students.consent.selectors import current_text, students_holding
from students.consent.services import Attestation, consent_attest
from students.models import Student


def published_transfer_text() -> ConsentText:
    """The current text of the transfer consent; the first versions of migration 0013 when there is none (a
    database emptied by a test's flush, say)."""
    text = current_text(SENSITIVE_PURPOSE)
    if text is None:
        first = importlib.import_module("students.migrations.0013_consent_texts_v1")
        first.publish_first_versions(apps, None)
        text = current_text(SENSITIVE_PURPOSE)
    assert text is not None
    return text


def seed_transfer_consents(plans, students: dict, *, by) -> int:
    """Attest the consent of each planned student who has sensitive data and holds none; how many were attested.
    Idempotent: a student holding it is left as they are."""
    text = published_transfer_text()
    holding = students_holding(SENSITIVE_PURPOSE, [student.pk for student in students.values()])
    today = timezone.localdate()
    attested = 0
    for plan in plans:
        student = students[plan.cohort, plan.home_student_id]
        if student.pk in holding or not any(getattr(student, name) for name in Student.SENSITIVE_FIELDS):
            continue
        attestation = Attestation(
            version=text.version,
            collected_on=min(plan.applied_on, today),
            channel=Consent.Channel.IMPORT,
            given_by=Consent.GivenBy.COLLEGE,
        )
        consent_attest(student=student, attestation=attestation, by=by)
        holding.add(student.pk)
        attested += 1
    return attested
