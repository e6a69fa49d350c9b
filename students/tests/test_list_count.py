"""The students list's count kept under the data version (``students.list_queries.student_list_count``,
``mobility.foundation.kept``) is exact: every kind of write to students and enrollments (services' saves,
``bulk_create``, ``QuerySet.update``, deletes) changes the count the list shows at once; a viewer who sees only some
students, and the filters on corrections and consents, are counted by ``COUNT`` as before.

These tests commit (``transaction=True``): the version is the database's, changed when a write commits."""

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from programs.tests.factories import CohortFactory
from students import list_queries, selectors
from students.models import Enrollment, Student

from .factories import EnrollmentFactory, StudentFactory
from .views_support import LIST

pytestmark = pytest.mark.django_db(transaction=True)

S = Enrollment.Status
PER_PAGE = 25  # the smallest page size: full pages, so the list asks for the count


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def cohort():
    """30 students of a cohort: 28 named Kept, 27 completed (the three queries' first pages are full)."""
    cohort = CohortFactory(code="KEPT")
    for index in range(30):
        student = StudentFactory(
            family_name_latin="Kept" if index < 28 else "Other", home_institution=cohort.partner, transfer_consent=False
        )
        EnrollmentFactory(student=student, cohort=cohort, status=S.COMPLETED if index < 27 else S.ENROLLED)
    return cohort


def _shown(client, **query) -> tuple[int, int]:
    """The count the list shows and the COUNT queries of students the request ran."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LIST, {"per_page": PER_PAGE, **query})
    counts = sum(
        q["sql"].startswith('SELECT COUNT(*) AS "__count" FROM "students_student"') for q in queries.captured_queries
    )
    return response.context["page_obj"].paginator.count, counts


def _true_count(**filters) -> int:
    return selectors.student_list(viewer=None, filters={}).model.objects.filter(**filters).distinct().count()


QUERIES = {
    "every student": ({}, {}),
    "search": ({"q": "kept"}, {"family_name_latin": "Kept"}),
    "cohort and status": (
        {"status": "completed"},
        {"enrollments__cohort__code": "KEPT", "enrollments__status": S.COMPLETED},
    ),
}


def _bulk_students():
    template = Student.objects.filter(family_name_latin="Kept").first()
    Student.objects.bulk_create(
        [
            Student(
                home_institution=template.home_institution,
                home_student_id=f"BULK{n}",
                family_name_han="张",
                given_name_han="伟",
                family_name_latin="Kept",
                given_name_latin=f"Bulk{'abc'[n]}",
                family_name_cyrillic="Кепт",
                given_name_cyrillic="Балк",
                sex=Student.Sex.MALE,
            )
            for n in range(3)
        ]
    )


def _bulk_enrollments():
    done = Enrollment.objects.filter(cohort__code="KEPT", status=S.COMPLETED).select_related("cohort").first()
    others = Student.objects.exclude(enrollments__cohort=done.cohort)[:2]
    dates = {name: getattr(done, name) for name in ("applied_on", "admitted_on", "enrolled_on", "completed_on")}
    Enrollment.objects.bulk_create(
        [Enrollment(student=s, cohort=done.cohort, track=done.track, status=S.COMPLETED, **dates)
         for s in others]
    )  # fmt: skip


WRITES = {
    "student saved": lambda: StudentFactory(family_name_latin="Kept"),
    "students bulk-created": _bulk_students,
    "students renamed by update": lambda: Student.objects.filter(family_name_latin="Other").update(
        family_name_latin="Kept"
    ),
    "students deleted": lambda: Student.objects.filter(family_name_latin="Other", enrollments__isnull=True).delete(),
    "enrollments updated": lambda: Enrollment.objects.filter(status=S.ENROLLED).update(
        status=S.COMPLETED, completed_on=F("enrolled_on") + datetime.timedelta(days=30)
    ),
    "enrollments bulk-created": _bulk_enrollments,
    "enrollments deleted": lambda: Enrollment.objects.filter(status=S.COMPLETED).first().delete(),
}


@pytest.mark.parametrize("write", WRITES.values(), ids=WRITES.keys())
def test_every_kind_of_write_changes_the_kept_count_at_once(office_client, cohort, write):
    StudentFactory.create_batch(2, family_name_latin="Other", transfer_consent=False)  # in no cohort
    queries = {name: ({**query, "cohort": cohort.pk} if "status" in query else query) for name, (query, _) in
               QUERIES.items()}  # fmt: skip
    truth = {name: (lambda f=filters: _true_count(**f)) for name, (_, filters) in QUERIES.items()}
    for name, query in queries.items():
        assert _shown(office_client, **query) == (truth[name](), 1)  # counted, then kept
        assert _shown(office_client, **query) == (truth[name](), 0)
    before = {name: truth[name]() for name in queries}
    write()
    after = {name: truth[name]() for name in queries}
    assert after != before
    for name, query in queries.items():
        assert _shown(office_client, **query)[0] == after[name]


def test_counts_that_are_not_kept():
    assert list_queries.student_list_count(viewer=AnonymousUser(), filters={}, students=Student.objects.all()) is None


def test_filters_on_tables_the_version_does_not_watch_are_counted(office_client, office, cohort):
    for filters in ({"corrections": "open"}, {"consent": "ended"}, {"q": "kept", "consent": "ended"}):
        assert list_queries.student_list_count(viewer=office, filters=filters, students=Student.objects.all()) is None
    assert list_queries.student_list_count(
        viewer=office, filters={"q": "", "consent": ""}, students=Student.objects.all()
    )
