"""Papers made for someone: each one audited (who made which paper, when); a certificate of study also numbered and
registered (``EnrollmentCertificate``), in the transaction that draws it, so a number is never given to a
certificate that was not made (a failed render rolls the number back) and never given twice (the year's counter row
is locked, ``diplomas.services.next_number``, and the number is unique in the database)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from diplomas.models import CertificateNumberCounter, EnrollmentCertificate
from diplomas.services import next_number
from mobility.foundation.audit import actor_user, audit_record
from programs.models import Cohort, Module
from students.models import Enrollment

from . import documents
from .documents import Paper


def grade_sheet_generate(*, cohort: Cohort, module: Module, second_language: str, by) -> Paper:
    """The module's grade sheet for the cohort as of today, audited on the cohort (``paper.grade_sheet``)."""
    paper = documents.grade_sheet_pdf(
        cohort=cohort, module=module, second_language=second_language, day=timezone.localdate()
    )
    audit_record(
        actor=by,
        obj=cohort,
        action="paper.grade_sheet",
        changes={"module": (None, module.code), "language": (None, second_language)},
    )
    return paper


def roster_generate(*, cohort: Cohort, second_language: str, by) -> Paper:
    """The cohort's roster as of today, audited on the cohort (``paper.roster``)."""
    paper = documents.roster_pdf(cohort=cohort, second_language=second_language, day=timezone.localdate())
    audit_record(actor=by, obj=cohort, action="paper.roster", changes={"language": (None, second_language)})
    return paper


def certificate_issue(
    *, enrollment: Enrollment, second_language: str, by, with_birth_date: bool
) -> tuple[EnrollmentCertificate, Paper]:
    """A new certificate of study for the enrollment: the next number of the year (``CERTIFICATE_NUMBER_FORMAT``),
    the signed PDF, its register row (with the file's SHA-256) and an audit entry on the enrollment
    (``paper.certificate``), all in one transaction. Not idempotent: each call is a new certificate."""
    issued_at = timezone.now()
    day = timezone.localdate(issued_at)
    with transaction.atomic():
        number = next_number(
            year=day.year,
            counter=CertificateNumberCounter,
            numbered=EnrollmentCertificate,
            number_format=settings.CERTIFICATE_NUMBER_FORMAT,
        )
        paper = documents.certificate_pdf(
            enrollment=enrollment,
            number=number,
            second_language=second_language,
            day=day,
            with_birth_date=with_birth_date,
        )
        certificate = EnrollmentCertificate.objects.create(
            enrollment=enrollment,
            number=number,
            issued_at=issued_at,
            issued_by=actor_user(by),
            language=second_language,
            sha256=hashlib.sha256(paper.content).hexdigest(),
        )
        audit_record(
            actor=by,
            obj=enrollment,
            action="paper.certificate",
            changes={"certificate": (None, number), "language": (None, second_language)},
        )
    return certificate, paper
