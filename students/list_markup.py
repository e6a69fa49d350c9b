"""The rows of the staff students list (``students/student_list.html``), written in Python.

At 50 rows a page the template's per-row tags (about 20 variables, 3 flags, a loop over enrollments with a badge and a
checkbox each) cost more than the rest of the page: written here once per row, with the template's markup and its
escaping (``html.escape`` is Django's ``escape`` of a text; ``{% translate %}`` of a literal is not escaped, the
variables of ``{% blocktranslate %}`` are). ``students/tests/test_list_markup.py`` renders the template's row beside
this one for students with every flag, enrollments with and without checkboxes, and names that need escaping, in
the three languages (docs/performance.md, "Staff students list at 100k students").
"""

from __future__ import annotations

from collections.abc import Container
from html import escape

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from .models import Student

# An enrollment's status as a badge's colour; any other status (withdrawn) is drawn as a warning.
STATUS_BADGE_CLASSES = {
    "applied": "text-bg-secondary",
    "admitted": "text-bg-info",
    "enrolled": "text-bg-primary",
    "completed": "text-bg-success",
    "rejected": "text-bg-light border text-danger",
    "failed": "text-bg-danger",
}
# (status, language) → the badge's markup: the label is the status's, translated.
_badges: dict[tuple[str, str | None], str] = {}


def status_badge(enrollment) -> str:
    """An enrollment's status as a coloured badge (the ``status_badge`` template filter draws it too), written once
    per status and language."""
    key = (enrollment.status, get_language())
    badge = _badges.get(key)
    if badge is None:
        css = STATUS_BADGE_CLASSES.get(enrollment.status, "text-bg-warning")
        badge = _badges[key] = format_html('<span class="badge {}">{}</span>', css, enrollment.get_status_display())
    return badge


def _flags(student: Student, url: str) -> str:
    flags = []
    if student.has_open_correction:  # type: ignore[attr-defined]  # selectors.with_open_correction_flag
        flags.append(
            f' <a href="{url}#corrections" class="badge text-bg-warning text-decoration-none student-correction-flag" '
            f'title="{_("The student asks to correct their personal data")}">{_("correction")}</a>'
        )
    if student.consent_ended:  # type: ignore[attr-defined]  # selectors.with_consent_flags
        flags.append(
            f' <a href="{url}#consents" class="badge text-bg-danger text-decoration-none student-consent-flag" '
            f'title="{_("A consent of the student is withdrawn or declined")}">{_("consent")}</a>'
        )
    if getattr(student, "transfer_consent_missing", False):  # only for viewers who may see passport data
        flags.append(
            f' <a href="{url}#consents" class="badge text-bg-warning text-decoration-none student-transfer-flag" '
            f'title="{_("Passport data held without a consent to the transfer from China to Russia")}">'
            f"{_('no transfer consent')}</a>"
        )
    return "".join(flags)


def _enrollments(student: Student, latin: str, selectable: Container[str]) -> str:
    """The enrollments' cell: cohort code and status badge of each, with the bulk form's checkbox where the status is
    one a transition in the list starts from (``selectable`` is empty for a viewer who may not change enrollments)."""
    spans = []
    for enrollment in student.enrollments.all():
        code = escape(enrollment.cohort.code)
        checkbox = ""
        if enrollment.status in selectable:
            label = _("Select the application of %(name)s to %(cohort)s") % {"name": latin, "cohort": code}
            checkbox = (
                f'<input type="checkbox" class="form-check-input m-0" name="enrollment" value="{enrollment.pk}" '
                f'form="bulk-form" aria-label="{label}"> '
            )
        spans.append(
            f'<span class="d-inline-flex align-items-center gap-1 me-2 text-nowrap"> {checkbox}'
            f'<span class="small">{code}</span> {status_badge(enrollment)} </span>'
        )
    return " ".join(spans) if spans else '<span class="text-body-secondary small">—</span>'


def student_row(student: Student, *, url: str, selectable: Container[str]) -> SafeString:
    """One ``<tr>`` of the list: the student's names (with the correction and consent flags), home institution and
    id, and enrollments. ``student`` comes from ``selectors.student_list`` with the list's flags."""
    url = escape(url)
    latin = escape(student.full_name_latin)
    institution = student.home_institution
    return mark_safe(  # noqa: S308  (every value escaped above or here; the rest is this module's markup)
        f'<tr> <td class="text-nowrap"><a href="{url}">{latin}</a>{_flags(student, url)}</td> '
        f'<td class="text-nowrap name-han" lang="zh">{escape(student.full_name_han)}</td> '
        f'<td class="text-nowrap" lang="ru">{escape(student.full_name_cyrillic)}</td> '
        f'<td class="text-nowrap" title="{escape(institution.name())}">{escape(str(institution))}</td> '
        f'<td class="text-nowrap font-monospace">{escape(student.home_student_id)}</td> '
        f"<td> {_enrollments(student, latin, selectable)} </td> </tr>"
    )
