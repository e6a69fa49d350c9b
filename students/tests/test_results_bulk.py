"""``results_record_bulk``: the same database state and audit log as ``result_record`` once per row, idempotent,
all or nothing, a query count that does not grow with the rows; and the gradebook import's chunked lookups."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from mobility.foundation.access import OFFICE
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students import services
from students.imports import gradebook
from students.imports.gradebook import parse as gradebook_parse
from students.models import Enrollment, ModuleResult
from students.services import ResultInput
from students.services import results as results_module

from . import gradebook_files as gb
from .factories import EnrollmentFactory

S = Enrollment.Status

pytestmark = pytest.mark.django_db

DAY = datetime.date(2026, 6, 15)
LATER = datetime.date(2026, 7, 1)
LMS = ModuleResult.Source.LMS


@pytest.fixture
def setting():
    track = TrackFactory(code="MECH", pass_score=60, good_score=75, excellent_score=90)
    cohort = CohortFactory(code="MECH26", track=track)
    modules = {
        "CAD": ModuleFactory(track=track, code="CAD", order=1),
        "CNC": ModuleFactory(track=track, code="CNC", order=2),
        "SAFE": ModuleFactory(track=track, code="SAFE", order=3, assessment_kind="credit"),
        "FOREIGN": ModuleFactory(track=TrackFactory(code="OTHER"), code="FOREIGN"),
    }
    return {"cohort": cohort, "modules": modules, "clerk": make_user("clerk", OFFICE)}


def record(enrollment, module, score=None, *, attempt=1, grade=None, source=ModuleResult.Source.MANUAL):
    return services.result_record(
        enrollment=enrollment,
        module=module,
        by=None,
        assessed_on=DAY,
        score=None if score is None else Decimal(score),
        grade=grade,
        attempt=attempt,
        source=source,
    )


def one_by_one(rows, *, by, assessed_on, source):
    """The reference: ``result_record`` once per row, in one transaction, as apply_gradebook did."""
    with transaction.atomic():
        for row in rows:
            services.result_record(
                enrollment=Enrollment.objects.select_related("track", "student", "cohort").get(pk=row.enrollment_id),
                module=row.module,
                by=by,
                assessed_on=assessed_on,
                score=row.score,
                attempt=row.attempt,
                source=source,
            )


def state(audit_after: int):
    """Every result and the audit entries written after ``audit_after``, without ids and timestamps."""
    results = sorted(
        ModuleResult.objects.order_by().values_list(
            "enrollment_id",
            "module_id",
            "attempt",
            "score",
            "grade",
            "passed",
            "assessed_on",
            "source",
            "recorded_by_id",
        )
    )
    entries = list(
        AuditEntry.objects.filter(pk__gt=audit_after)
        .order_by("pk")
        .values_list("actor_id", "actor_label", "content_type_id", "object_id", "object_repr", "action", "changes")
    )
    return results, entries


def state_after(write) -> tuple:
    """The state ``write()`` leaves, then undone (a savepoint), so two writers start from the same data."""
    mark = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    savepoint = transaction.savepoint()
    try:
        write()
        return state(mark)
    finally:
        transaction.savepoint_rollback(savepoint)


@pytest.mark.parametrize("source", [LMS, ModuleResult.Source.MANUAL])
def test_bulk_gives_exactly_what_result_record_per_row_gives(setting, source):
    cohort, m = setting["cohort"], setting["modules"]
    a, b, c = EnrollmentFactory.create_batch(3, status=S.ENROLLED, cohort=cohort)
    record(a, m["CAD"], 40)  # failed attempt 1
    record(a, m["CAD"], 50, attempt=2)  # failed attempt 2
    record(b, m["CNC"], 80)  # passed, entered by staff
    record(b, m["CAD"], "78.50", source=LMS)  # already imported
    record(c, m["SAFE"], grade="pass")  # a grade without a score
    rows = [
        ResultInput(a.pk, m["CAD"], Decimal("55.5"), attempt=2),  # corrects attempt 2
        ResultInput(a.pk, m["CNC"], Decimal("91")),  # new
        ResultInput(a.pk, m["SAFE"], Decimal("59.99")),  # new, credit: fail
        ResultInput(b.pk, m["CNC"], Decimal("80")),  # same score: only the source may differ
        ResultInput(b.pk, m["CAD"], Decimal("78.50")),  # unchanged when the source is LMS
        ResultInput(c.pk, m["SAFE"], Decimal("61")),  # a score for the grade-only result
        ResultInput(c.pk, m["CAD"], Decimal("70.25")),  # new …
        ResultInput(c.pk, m["CAD"], Decimal("71")),  # … and corrected by a later row of the same call
        ResultInput(c.pk, m["CAD"], Decimal("71.00")),  # … and the same again: nothing
        ResultInput(a.pk, m["CAD"], Decimal("65"), attempt=3),  # a new attempt
    ]
    by = setting["clerk"]
    expected = state_after(lambda: one_by_one(rows, by=by, assessed_on=LATER, source=source))
    outcome = {}

    def bulk():
        outcome["bulk"] = services.results_record_bulk(rows=rows, by=by, assessed_on=LATER, source=source)

    got = state_after(bulk)
    assert got == expected
    results, entries = got
    assert len(entries) == outcome["bulk"].written + 1  # c·CAD: one row written, recorded then changed
    assert {action for *_rest, action, _changes in entries} == {"result.record", "result.change"}
    assert [changes for *_rest, changes in entries if "CAD#1.score" in changes][-2:] == [
        {"CAD#1.score": [None, "70.25"], "CAD#1.grade": [None, "3"], "CAD#1.assessed_on": [None, "2026-07-01"],
         "CAD#1.source": [None, source]},
        {"CAD#1.score": ["70.25", "71"]},
    ]  # fmt: skip


def test_bulk_is_idempotent_and_corrections_update_passed_and_modified_at(setting):
    cohort, m = setting["cohort"], setting["modules"]
    a, b = EnrollmentFactory.create_batch(2, status=S.ENROLLED, cohort=cohort)
    failed = record(a, m["CAD"], 40)
    rows = [ResultInput(a.pk, m["CAD"], Decimal("80")), ResultInput(b.pk, m["CNC"], Decimal("95"))]
    first = services.results_record_bulk(rows=rows, by=setting["clerk"], assessed_on=DAY, source=LMS)
    assert ([r.attempt for r in first.created], [r.pk for r in first.changed], first.unchanged) == ([1], [failed.pk], 0)
    corrected = ModuleResult.objects.get(pk=failed.pk)
    assert (corrected.score, corrected.grade, corrected.passed, corrected.source) == (Decimal("80.00"), "4", True, LMS)
    assert corrected.recorded_by == setting["clerk"] and corrected.modified_at > failed.modified_at
    assert first.changed[0].passed is True  # reloaded from the database, not the stale False
    assert ModuleResult.objects.get(enrollment=b).passed is True

    snapshot = state(0)
    stamps = list(ModuleResult.objects.order_by("pk").values_list("modified_at", flat=True))
    again = services.results_record_bulk(rows=rows, by=setting["clerk"], assessed_on=DAY, source=LMS)
    assert (again.written, again.unchanged) == (0, 2)
    assert state(0) == snapshot
    assert list(ModuleResult.objects.order_by("pk").values_list("modified_at", flat=True)) == stamps
    assert services.results_record_bulk(rows=[], by=None, assessed_on=DAY).written == 0


@pytest.mark.parametrize(
    ("bad", "code"),
    [
        ("withdrawn", "not_enrolled"),
        ("foreign_module", "wrong_track"),
        ("score_over_100", "score_range"),
        ("no_enrollment", "not_found"),
    ],
)
def test_one_bad_row_writes_nothing(setting, bad, code):
    cohort, m = setting["cohort"], setting["modules"]
    a, b = EnrollmentFactory.create_batch(2, status=S.ENROLLED, cohort=cohort)
    record(a, m["CAD"], 40)
    rows = [ResultInput(a.pk, m["CAD"], Decimal("70")), ResultInput(a.pk, m["CNC"], Decimal("90"))]
    if bad == "withdrawn":
        services.enrollment_withdraw(enrollment=b, by=None, reason="left")
        rows.append(ResultInput(b.pk, m["CAD"], Decimal("70")))
    elif bad == "foreign_module":
        rows.append(ResultInput(b.pk, m["FOREIGN"], Decimal("70")))
    elif bad == "score_over_100":
        rows.append(ResultInput(b.pk, m["CAD"], Decimal("100.01")))
    else:
        rows.append(ResultInput(b.pk + 1000, m["CAD"], Decimal("70")))
    before = state(0)
    with pytest.raises(DomainError) as refused:
        services.results_record_bulk(rows=rows, by=setting["clerk"], assessed_on=LATER, source=LMS)
    assert refused.value.code == code
    assert state(0) == before


def queries_of(write) -> int:
    with CaptureQueriesContext(connection) as captured:
        write()
    return len(captured.captured_queries)


def test_the_query_count_does_not_grow_with_the_rows(setting, monkeypatch):
    cohort, m = setting["cohort"], setting["modules"]
    few = [EnrollmentFactory(status=S.ENROLLED, cohort=cohort) for _ in range(2)]
    many = [EnrollmentFactory(status=S.ENROLLED, cohort=cohort) for _ in range(12)]
    modules = [m["CAD"], m["CNC"], m["SAFE"]]
    for enrollment in few + many:
        record(enrollment, m["CAD"], 40)

    def rows(enrollments, score):
        return [ResultInput(e.pk, module, Decimal(score)) for e in enrollments for module in modules]

    def write(enrollments, score):
        return lambda: services.results_record_bulk(rows=rows(enrollments, score), by=None, assessed_on=DAY)

    # savepoint, lock, load results, insert results, update results, insert audit entries, the partners' webhook
    # endpoints (once for all rows), release
    assert queries_of(write(few, 70)) == queries_of(write(many, 70)) == 8  # 6 rows vs 36 rows
    assert queries_of(write(few, 70)) == queries_of(write(many, 70)) == 4  # nothing to write
    monkeypatch.setattr(results_module, "IDS_PER_QUERY", 5)  # 12 enrollments: 3 chunks to lock and to load
    # all 36 rows are corrections now (no insert): savepoint, 3 locks, 3 loads, update, audit entries, endpoints,
    # release
    assert queries_of(write(many, 75)) == 11
    assert ModuleResult.objects.filter(enrollment__in=many, score=75).count() == 36


# --- the gradebook import through it ----------------------------------------------------------------------------


def test_gradebook_lookups_and_locks_in_small_chunks_give_the_same_import(gradebook_cohort, office, monkeypatch):
    gb.mapped(gradebook_cohort, office)
    rows = [*gb.rows_ok(), gb.line("Yu", "Sun", "2026005", "", plc="70"), gb.line("No", "Body", "9", "n@b.cn")]
    data = gb.gradebook_csv(rows)

    def summary(preview):
        matched = [
            (r.student.pk, r.matched_by, [(c.module.code, c.status, c.attempt) for c in r.cells])
            for r in preview.matched
        ]
        return matched, [(r.source.row, r.reason) for r in preview.unmatched], [e.pk for e in preview.missing]

    expected = summary(gb.preview_of(data, gradebook_cohort["cohort"]))
    monkeypatch.setattr(gradebook_parse, "IDS_PER_QUERY", 1)
    monkeypatch.setattr(results_module, "IDS_PER_QUERY", 1)
    preview = gb.preview_of(data, gradebook_cohort["cohort"])
    assert summary(preview) == expected
    outcome = gradebook.apply_gradebook(preview, by=office, assessed_on=DAY)
    assert (outcome.written, outcome.new) == (4, 4)
    entries = AuditEntry.objects.filter(action="result.record", actor=office).order_by("pk")
    assert [(e.object_id, sorted(e.changes)[-1]) for e in entries] == [  # jsonb keeps no key order
        (str(gradebook_cohort["li"].pk), "PLC#1.source"),
        (str(gradebook_cohort["li"].pk), "CAD#1.source"),
        (str(gradebook_cohort["wang"].pk), "PLC#1.source"),
        (str(gradebook_cohort["zhao"].pk), "PLC#1.source"),
    ]
    assert entries[0].changes["PLC#1.source"] == [None, "lms"] and entries[0].object_repr == str(gradebook_cohort["li"])
