"""The credential inside the diploma's PDF: an associated file of the PDF/A-3 (ISO 19005-3), so one file is read by
a person, signed for a PDF reader (PAdES, over the whole file, attachment included) and verified by a wallet."""

from __future__ import annotations

import datetime

from django.utils import timezone

CREDENTIAL_FILE_NAME = "credential.json"


def credential_attachments(credential: bytes, issued_at: datetime.datetime | None) -> list:
    """The credential as WeasyPrint attachments: none without one. Dated by the issue, so a re-render of the
    diploma writes the same file."""
    if not credential:
        return []
    from weasyprint import Attachment

    moment = (issued_at or timezone.now()).astimezone(datetime.UTC).replace(tzinfo=None)
    return [
        Attachment(
            string=credential,
            name=CREDENTIAL_FILE_NAME,
            description="Open Badges 3.0 verifiable credential (VC-JOSE, application/vc+jwt, enveloped)",
            created=moment,
            modified=moment,
            relationship="Alternative",
        )
    ]
