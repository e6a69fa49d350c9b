"""Demo data: the STANKIN – Chongqing – HUATEC partnership, three tracks, five cohorts and sixty students.

``seed_demo()`` creates what is missing and never changes what exists, so a second run changes nothing: rows are
found by their natural keys (codes, agreement numbers, home student ids, usernames), and a student who already has
an enrollment is not taken through the workflow again. Enrollments and results are written only through
``students.services``, as the product writes them, so the audit log tells the same story as the data.

Everything is deterministic for a given day: the students come from small hand-checked name tables and a fixed
random seed. The dates are relative to the day of the first seed: the tables describe ``data.DESIGN_DAY``
(21 November 2026: the 2025 intake has finished, the 2026 intake is in its third month and takes late applicants,
applications to the 2027 intake are open) and ``data.DemoCalendar`` moves them by whole weeks to the seed day, the
years in codes, names and quotas with them. A database seeded before keeps its dates on a later run.

The passwords and the partner API key in ``seed`` are public. ``manage.py seed_demo`` refuses to run with ``DEBUG``
off unless told otherwise; nothing here may reach a production database.

- ``data``: institutions, contacts, agreements, cohorts, continuations and the name tables;
- ``tracks``: the tracks and their modules;
- ``plan``: every student and their history, computed without the database (``build_plan``);
- ``seed``: writing the data through the services, the demo logins and API key, and the printed report.
"""

from mobility.demo.plan import PlannedResult, StudentPlan, build_plan
from mobility.demo.seed import (
    DEMO_API_KEY,
    DEMO_API_KEY_INSTITUTION,
    DEMO_API_KEY_NAME,
    DEMO_API_KEY_PREFIX,
    DEMO_PASSWORDS,
    STAFF_USERS,
    SUMMARY_MODELS,
    Login,
    SeedReport,
    format_report,
    seed_demo,
)

__all__ = [
    "DEMO_API_KEY",
    "DEMO_API_KEY_INSTITUTION",
    "DEMO_API_KEY_NAME",
    "DEMO_API_KEY_PREFIX",
    "DEMO_PASSWORDS",
    "STAFF_USERS",
    "SUMMARY_MODELS",
    "Login",
    "PlannedResult",
    "SeedReport",
    "StudentPlan",
    "build_plan",
    "format_report",
    "seed_demo",
]
