"""What the office sees before sending: the message as a student of each language reads it, and who gets it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from ..accounts import absolute_url, student_language
from ..models import Student
from ..notifications import MESSAGE, notification_render
from .models import VERSIONS
from .services import message_version_language

PREVIEW_RECIPIENTS = 100  # students listed by name on the preview; the count is of all


def message_preview(*, versions: Mapping[str, tuple[str, str]], students: list[Student]) -> dict:
    """For each language of ``settings.LANGUAGES``: the version its readers get (their own or the fallback), the
    e-mail's subject and text as they read it (greeted by the first such student's name), and how many recipients
    read it; and the recipients (the first ``PREVIEW_RECIPIENTS``) with the version each gets and their channel."""
    written = [code for code, _suffix in VERSIONS if all(part.strip() for part in versions.get(code, ("", "")))]
    languages = {student.pk: student_language(student) for student in students}
    readers = Counter(languages.values())
    got = Counter(message_version_language(written=written, language=language) for language in languages.values())
    columns = []
    for code, label in settings.LANGUAGES:
        version = message_version_language(written=written, language=code)
        subject, body = (part.strip() for part in versions[version])
        sample = next((s for s in students if languages[s.pk] == code), None)
        with translation.override(code):
            name = sample.name_in(code) if sample else _("[the student's name]")
            context = {
                "name": name,
                "subject": subject,
                "body": body,
                "language": code,
                "message_url": absolute_url("/portal/messages/…/"),
                "site_url": settings.SITE_URL.rstrip("/"),
            }
            email_subject, text, _html = notification_render(kind=MESSAGE, context=context)
        columns.append(
            {
                "language": code,
                "label": label,
                "version": version,
                "fallback": version != code,
                "subject": email_subject,
                "text": text,
                "readers": readers.get(code, 0),
            }
        )
    rows = [
        {
            "student": student,
            "version": message_version_language(written=written, language=languages[student.pk]),
            "email": student.email,
        }
        for student in students[:PREVIEW_RECIPIENTS]
    ]
    return {
        "columns": columns,
        "recipients": rows,
        "count": len(students),
        "with_email": sum(1 for student in students if student.email),
        "by_version": dict(got),
    }
