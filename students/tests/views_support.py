"""Helpers of the staff pages' tests about students (test_views_*.py)."""

import datetime

from students.models import Enrollment

S = Enrollment.Status
LIST = "/students/"
PASSPORT = "E77665544"
BIRTH = datetime.date(2003, 11, 29)


def _names(response) -> list[str]:
    return [student.full_name_latin for student in response.context["students"]]
