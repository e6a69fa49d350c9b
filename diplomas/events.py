"""The partner webhooks' events about diplomas (``diploma.issued``, ``diploma.revoked``), handed to the transport
(``mobility.foundation.webhooks.services.webhooks_emit_many``). docs/webhooks.md describes them."""

from __future__ import annotations

from typing import Any

from diplomas.models import Diploma
from mobility.foundation.models import WebhookEndpoint
from mobility.foundation.webhooks.services import WebhookEvent
from students.events import iso, student_data

Event = WebhookEndpoint.Event


def diploma_data(diploma, *, student) -> dict[str, Any]:
    """``diploma.issued`` and ``diploma.revoked``."""
    return {
        "diploma_id": diploma.pk,
        "enrollment_id": diploma.enrollment_id,
        "student": student_data(student),
        "number": diploma.number,
        "status": diploma.status,
        "issued_at": iso(diploma.issued_at),
        "revoked_at": iso(diploma.revoked_at),
        "revocation_reason": diploma.revoked_reason,
        "sha256": diploma.sha256,
        "verification_url": diploma.verification_url,
    }


def diploma_event(*, diploma, student) -> WebhookEvent:
    """``diploma.issued`` or ``diploma.revoked``, by the diploma's status."""
    event = Event.DIPLOMA_REVOKED if diploma.status == Diploma.Status.REVOKED else Event.DIPLOMA_ISSUED
    return WebhookEvent(event, student.home_institution_id, diploma_data(diploma, student=student))
