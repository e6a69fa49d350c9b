"""Personal data of one student: everything held about them as one document (the export), and the erasure of a
student who has left (docs/decisions/0013-erasing-a-student.md).

Who may do either is decided here (``may_export_personal_data``, ``may_erase_personal_data``); the views ask the
same functions, so a page and a service never disagree.

The entry points, importable from here: ``rules`` (the permissions, what erasure replaces and keeps), ``export``
(``student_personal_data``, ``student_data_export``) and ``erasure`` (``student_erasure_plan``, ``student_erase``);
``related`` reads the rows about a student for both.
"""

from .erasure import GOES_ALWAYS, STAYS_ALWAYS, ErasurePlan, ErasureResult, student_erase, student_erasure_plan
from .export import student_data_export, student_personal_data
from .rules import (
    ACTIVE_STATUSES,
    ALWAYS_ERASED,
    DIPLOMA_BUSY_STATUSES,
    ERASE_PERMISSIONS,
    ERASED,
    EXPORT_FORMAT,
    EXPORT_FORMATS,
    EXPORT_PERMISSIONS,
    KEPT_FIELDS,
    NAME_FIELDS,
    erased_home_student_id,
    erased_names,
    may_erase_personal_data,
    may_export_personal_data,
)

__all__ = [
    "ACTIVE_STATUSES",
    "ALWAYS_ERASED",
    "DIPLOMA_BUSY_STATUSES",
    "ERASED",
    "ERASE_PERMISSIONS",
    "EXPORT_FORMAT",
    "EXPORT_FORMATS",
    "EXPORT_PERMISSIONS",
    "GOES_ALWAYS",
    "KEPT_FIELDS",
    "NAME_FIELDS",
    "STAYS_ALWAYS",
    "ErasurePlan",
    "ErasureResult",
    "erased_home_student_id",
    "erased_names",
    "may_erase_personal_data",
    "may_export_personal_data",
    "student_data_export",
    "student_erase",
    "student_erasure_plan",
    "student_personal_data",
]
