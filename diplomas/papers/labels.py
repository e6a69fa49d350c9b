"""The papers' fixed wording and their languages.

A paper is written in Russian, the office's language, and beside it in a second one: the student's
(``students.accounts.student_language``) for a certificate, the sending college's country's for a cohort's papers,
or the one the office asks for. Labels are gettext strings in the context "paper", translated when the paper is
drawn, once in each of its languages (``diplomas.templatetags.papers``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import pgettext_lazy

from programs.models import Cohort
from students.accounts import LANGUAGE_BY_CITIZENSHIP, student_language
from students.models import Student

OFFICE_LANGUAGE = "ru"

LABELS = {
    "grade_sheet": pgettext_lazy("paper", "Grade sheet"),
    "certificate": pgettext_lazy("paper", "Certificate of study"),
    "roster": pgettext_lazy("paper", "Cohort roster"),
    "program": pgettext_lazy("paper", "International academic mobility program"),
    "cohort": pgettext_lazy("paper", "Cohort"),
    "track": pgettext_lazy("paper", "Track"),
    "module": pgettext_lazy("paper", "Module"),
    "hours": pgettext_lazy("paper", "Hours"),
    "credits": pgettext_lazy("paper", "Credits"),
    "assessment": pgettext_lazy("paper", "Assessment"),
    "scale": pgettext_lazy("paper", "Grading scale"),
    "sending": pgettext_lazy("paper", "Sending college"),
    "host": pgettext_lazy("paper", "Host university"),
    "period": pgettext_lazy("paper", "Period of study"),
    "teacher": pgettext_lazy("paper", "Teacher"),
    "student": pgettext_lazy("paper", "Student"),
    "student_id": pgettext_lazy("paper", "Student id"),
    "home_institution": pgettext_lazy("paper", "Home institution"),
    "score": pgettext_lazy("paper", "Score"),
    "grade": pgettext_lazy("paper", "Grade"),
    "date": pgettext_lazy("paper", "Date"),
    "attempt": pgettext_lazy("paper", "Attempt"),
    "teacher_signature": pgettext_lazy("paper", "Teacher's signature"),
    "no": pgettext_lazy("paper", "No."),
    "status": pgettext_lazy("paper", "Status"),
    "diploma": pgettext_lazy("paper", "Diploma No."),
    "birth_date": pgettext_lazy("paper", "Date of birth"),
    "enrolled_on": pgettext_lazy("paper", "Enrolled on"),
    "completed_on": pgettext_lazy("paper", "Completed on"),
    "closed_on": pgettext_lazy("paper", "Studies ended on"),
    "modules_passed": pgettext_lazy("paper", "Modules passed"),
    "no_modules_passed": pgettext_lazy("paper", "No module passed yet."),
    "total": pgettext_lazy("paper", "Total"),
    "students": pgettext_lazy("paper", "Students"),
    "summary": pgettext_lazy("paper", "Results"),
    "no_result": pgettext_lazy("paper", "no result"),
    "given_to": pgettext_lazy("paper", "This certificate is given to"),
    "where_required": pgettext_lazy("paper", "Issued for presentation where required."),
    "signed": pgettext_lazy("paper", "Signed with the electronic signature of the international office (PAdES)."),
    "agreement": pgettext_lazy("paper", "Agreement"),
}


def known_language(code: str | None) -> str | None:
    """``code`` if it is one of the site's languages (``settings.LANGUAGES``), else None."""
    codes = {known for known, _name in settings.LANGUAGES}
    return code if code in codes else None


def cohort_language(cohort: Cohort, requested: str | None = None) -> str:
    """The second language of a cohort's papers: ``requested`` if it is a site language, else the sending college's
    country's (CN → Chinese), else English."""
    country = (cohort.partner.country or "").upper()
    return known_language(requested) or known_language(LANGUAGE_BY_CITIZENSHIP.get(country)) or "en"


def student_paper_language(student: Student, requested: str | None = None) -> str:
    """The second language of a student's certificate: ``requested`` if it is a site language, else the student's
    own (their choice, else by citizenship)."""
    return known_language(requested) or student_language(student)


def lang_attribute(code: str) -> str:
    """The HTML ``lang`` of a site language code ("zh-hans" → "zh-Hans")."""
    return "zh-Hans" if code.lower().startswith("zh") else code
