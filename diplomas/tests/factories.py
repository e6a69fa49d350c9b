import hashlib

import factory
from django.core.files.base import ContentFile
from django.utils import timezone

from diplomas.designs import selectors as designs
from diplomas.models import Diploma
from students.tests.factories import EnrollmentFactory

# What the fake renderer (``fake_render`` in conftest.py) returns instead of a rendered, signed PDF.
FAKE_PDF = b"%PDF-1.7 fake diploma\n%%EOF\n"
# A stored diploma's credential as the factory writes it: a JWS's shape, signed by no one.
FAKE_CREDENTIAL = "eyJhbGciOiJFZERTQSIsInR5cCI6InZjK2p3dCJ9.eyJmYWtlIjp0cnVlfQ.ZmFrZSBzaWduYXR1cmU"

S = Diploma.Status
# The states in which the render task has given the diploma its number and date (phase 1 of diploma_render), and
# those with the stored PDF and its hash (phase 2).
NUMBERED = (S.RENDERING, S.ISSUED, S.FAILED, S.REVOKED)
STORED = (S.ISSUED, S.REVOKED)


def _if(states, value):
    """The value of a field in ``states``; the model's empty value otherwise (``value`` gets the object)."""
    return lambda o: value(o) if o.status in states else None


class DiplomaFactory(factory.django.DjangoModelFactory):
    """A diploma of a completed enrollment in ``status`` (default ``requested``) with the fields the services would
    have written on the way there: the number and date from the render task's first phase, the stored PDF
    (``FAKE_PDF``) and its SHA-256, the failure or revocation reason. Written directly (no audit entry, webhook or
    rendering): a test of the workflow itself goes through ``diplomas.services``, with ``fake_render``."""

    class Meta:
        model = Diploma

    enrollment = factory.SubFactory(EnrollmentFactory, completed=True)
    status = S.REQUESTED
    requested_at = factory.LazyFunction(timezone.now)
    attempts = factory.LazyAttribute(lambda o: 1 if o.status in NUMBERED else 0)
    # Far from the numbers the product's counter gives (000001, …), which a test may issue beside these.
    number = factory.LazyAttributeSequence(
        lambda o, n: f"STK-IAM-2026-{900000 + n:06d}" if o.status in NUMBERED else None
    )
    issued_at = factory.LazyAttribute(_if(NUMBERED, lambda o: o.requested_at))
    pdf = factory.LazyAttribute(lambda o: ContentFile(FAKE_PDF, name=f"{o.number}.pdf") if o.status in STORED else "")
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(FAKE_PDF).hexdigest() if o.status in STORED else "")
    credential = factory.LazyAttribute(lambda o: FAKE_CREDENTIAL if o.status in STORED else "")
    failure_reason = factory.LazyAttribute(lambda o: "Test: the renderer failed" if o.status == S.FAILED else "")
    revoked_at = factory.LazyAttribute(_if((S.REVOKED,), lambda o: o.issued_at))
    revoked_reason = factory.LazyAttribute(lambda o: "Test: revoked" if o.status == S.REVOKED else "")
    # The current design and today's signatories (the render task records them with the number), in every state so
    # that a test may give a requested diploma its number by hand and render it; ``design=None`` for the task's way.
    design = factory.LazyFunction(lambda: designs.design_current("diploma"))
    signatories = factory.LazyAttribute(
        lambda o: designs.signatories_printed("diploma", timezone.localdate(o.issued_at or timezone.now()))
    )
