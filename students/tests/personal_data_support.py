"""Helpers of the personal data tests (test_personal_data_*.py)."""

import datetime

from mobility.tests.support import make_user
from students.models import Student

from .factories import StudentFactory

PASSPORT = "E77665544"
EMAIL = "li.na@cq.example.cn"
PHONE = "+86 138 0000 1234"
HOME_ID = "CQ2026001"


def _student(cohort, **fields) -> Student:
    """李娜 Li Na / Ли На with passport data, an e-mail, a phone and a user account of her own."""
    values = {
        "home_institution": cohort.partner,
        "home_student_id": HOME_ID,
        "home_specialty": "Machining",
        "family_name_han": "李",
        "given_name_han": "娜",
        "family_name_latin": "Li",
        "given_name_latin": "Na",
        "family_name_cyrillic": "Ли",
        "given_name_cyrillic": "На",
        "sex": Student.Sex.FEMALE,
        "email": EMAIL,
        "phone": PHONE,
        "passport_number": PASSPORT,
        "passport_issued_on": datetime.date(2022, 1, 10),
        "passport_expires_on": datetime.date(2032, 1, 9),
        "birth_date": datetime.date(2004, 5, 17),
        "language": "zh-hans",
        "invited_at": datetime.datetime(2026, 2, 2, 9, 0, tzinfo=datetime.UTC),
    }
    values.update(fields)
    if "user" not in values:
        values["user"] = make_user("lina", email=EMAIL, first_name="Na", last_name="Li")
    return StudentFactory(**values)
