"""Writes about the program's structure: agreements."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from mobility.audit import Actor, audit_record

from .models import Agreement


def agreements_expire_due(*, today: datetime.date | None = None, by: Actor = None) -> list[int]:
    """Move every active agreement whose ``valid_until`` has passed to ``expired``, with an audit entry each.

    Atomic and idempotent: a second run finds nothing to do. Returns the ids of the agreements it expired.
    """
    today = today or timezone.localdate()
    expired = []
    with transaction.atomic():
        due = Agreement.objects.select_for_update().filter(status=Agreement.Status.ACTIVE, valid_until__lt=today)
        for agreement in due:
            agreement.status = Agreement.Status.EXPIRED
            agreement.save(update_fields=["status", "modified_at"])
            audit_record(
                actor=by,
                obj=agreement,
                action="agreement.expire",
                changes={"status": (Agreement.Status.ACTIVE, Agreement.Status.EXPIRED)},
                reason=f"valid until {agreement.valid_until.isoformat()}",
            )
            expired.append(agreement.pk)
    return expired
