"""Writes about the program's structure: institutions, contacts, agreements and quotas, tracks, modules, cohorts.

Every function is keyword-only, atomic, validates the row with the model's own rules (``full_clean``) before it is
written, and appends one audit entry per changed row with ``{field: [old, new]}``. Expected refusals raise
``DomainError`` with the ``field`` they are about, so a form can show them next to that field.

One module per subject, every service importable from here: ``institutions`` (institutions and contacts),
``agreements`` (agreements, their signed document and quotas, the daily expiry), ``tracks`` (tracks and modules),
``cohorts``, ``teaching`` (teachers assigned to modules of cohorts); ``base`` holds the steps they share (assign,
validate, save, audit).
"""

from .agreements import (
    AGREEMENT_FIELDS,
    QuotaChange,
    agreement_create,
    agreement_update,
    agreements_expire_due,
    signed_document_check,
)
from .base import Data
from .cohorts import COHORT_FIELDS, COHORT_FIELDS_FIXED_BY_ENROLLMENTS, cohort_create, cohort_update
from .institutions import (
    CONTACT_FIELDS,
    INSTITUTION_FIELDS,
    contact_create,
    contact_delete,
    contact_update,
    institution_create,
    institution_update,
)
from .teaching import teaching_assign, teaching_unassign
from .tracks import MODULE_FIELDS, TRACK_FIELDS, module_create, module_update, track_create, track_update

__all__ = [
    "AGREEMENT_FIELDS",
    "COHORT_FIELDS",
    "COHORT_FIELDS_FIXED_BY_ENROLLMENTS",
    "CONTACT_FIELDS",
    "INSTITUTION_FIELDS",
    "MODULE_FIELDS",
    "TRACK_FIELDS",
    "Data",
    "QuotaChange",
    "agreement_create",
    "agreement_update",
    "agreements_expire_due",
    "cohort_create",
    "cohort_update",
    "contact_create",
    "contact_delete",
    "contact_update",
    "institution_create",
    "institution_update",
    "module_create",
    "module_update",
    "signed_document_check",
    "teaching_assign",
    "teaching_unassign",
    "track_create",
    "track_update",
]
