"""The roster import through ``students_nominate_bulk``: the same students, consents, applications and audit log as
``student_create`` / ``student_update`` and ``enrollment_apply`` once per row (the import's former path, kept here
as the reference), and a fixed number of queries per 500 rows."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from students import services
from students.consent.models import Consent
from students.imports.roster import RosterRefused, apply_roster
from students.models import Enrollment, Student
from students.services import nominations_bulk

from .factories import StudentFactory, consent_attested, consent_text
from .roster_files import ROWS, parse, person, rows_of, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.clock]


def one_by_one(preview, *, by):
    """The reference: every row through the per-row services, in one transaction (the import's former loop)."""
    applied_on = timezone.localdate()
    with transaction.atomic():
        for row in preview.rows:
            student = row.student
            if student is None:
                data = {"home_institution": preview.institution, "home_student_id": row.home_student_id, **row.data}
                student = services.student_create(by=by, data=data, attestation=row.attestation)
            elif row.changes or row.attestation is not None:
                changes = {name: new for name, (_old, new) in row.changes.items()}
                student = services.student_update(student=student, by=by, data=changes, attestation=row.attestation)
            if row.application:
                services.enrollment_apply(
                    student=student, cohort=row.cohort, by=by, source=Enrollment.Source.IMPORT, applied_on=applied_on
                )


STUDENT_FIELDS = [
    f.attname for f in Student._meta.concrete_fields if f.attname not in ("id", "created_at", "modified_at")
]


def state(audit_after: int) -> tuple:
    """Students, consents, enrollments and the audit entries written after ``audit_after``, by natural keys (ids
    differ between two runs on PostgreSQL, whose sequences a rollback does not rewind)."""
    home = dict(Student.objects.values_list("pk", "home_student_id"))
    students = sorted(Student.objects.values_list(*STUDENT_FIELDS), key=str)
    consents = sorted((
        (home[c.student_id], c.purpose, c.text_id, c.decision, c.given_by, c.channel, c.language, c.text_sha256,
         c.collected_on, c.actor_id, c.actor_label, c.current)
        for c in Consent.objects.all()
    ), key=str)  # fmt: skip
    enrollments = sorted(
        (home[e.student_id], e.cohort_id, e.track_id, e.status, e.source, e.applied_on, e.notes)
        for e in Enrollment.objects.all()
    )
    keys = {("student", pk): home_id for pk, home_id in home.items()}
    keys.update(
        (("enrollment", pk), (home[student_id], cohort_id))
        for pk, student_id, cohort_id in Enrollment.objects.values_list("pk", "student_id", "cohort_id")
    )
    entries = [
        (actor, label, model, keys[(model, int(object_id))], shown, action, changes)
        for actor, label, model, object_id, shown, action, changes in AuditEntry.objects.filter(pk__gt=audit_after)
        .order_by("pk")
        .values_list("actor_id", "actor_label", "content_type__model", "object_id", "object_repr", "action", "changes")
    ]
    users = sorted(Student.objects.filter(user__isnull=False).values_list("user__username", "user__email"))
    return students, consents, enrollments, entries, users


def state_after(write) -> tuple:
    """The state ``write()`` leaves, then undone (a savepoint), so that both paths start from the same data."""
    mark = AuditEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    savepoint = transaction.savepoint()
    try:
        write()
        return state(mark)
    finally:
        transaction.savepoint_rollback(savepoint)


def test_the_bulk_import_writes_exactly_what_the_per_row_services_write(cohort_with_quota, office_admin):
    cohort = cohort_with_quota
    apply_roster(parse(xlsx(rows_of(ROWS)), cohort, office_admin), by=office_admin)
    college = cohort.partner
    # An existing student without consent or application, who gets passport data with the college's attestation.
    StudentFactory(home_institution=college, home_student_id="2026004", passport_number="", birth_date=None)
    # One whose own consent to a later version stands (the attestation writes nothing), the specialty changes.
    own = StudentFactory(home_institution=college, home_student_id="2026005", passport_number="")
    consent_attested(own, given_by=Consent.GivenBy.STUDENT, channel=Consent.Channel.PORTAL, collected_on=None)
    # One with an account whose e-mail changes (the account follows), and who withdrew from the cohort before.
    account = StudentFactory(home_institution=college, home_student_id="2026006", email="old@example.cn")
    account.user = make_user("old@example.cn")
    account.save()
    Enrollment.objects.create(student=account, cohort=cohort, track=cohort.track, status="withdrawn")
    rows = rows_of(ROWS)
    rows[1]["home specialty"] = "数控技术"  # an update, the same attestation again: no second consent
    rows += [
        person("2026004", "赵", "敏", "Zhao", "Min"),
        person("2026005", "陈", "静", "Chen", "Jing", born="", **{"passport number": "", "home specialty": "模具"}),
        person("2026006", "刘", "磊", "Liu", "Lei", email="Liu.Lei@Example.cn"),
        person("2026007", "杨", "洋", "Yang", "Yang"),
        person("2026008", "孙", "丽", "Sun", "Li", sex="F"),
    ]
    data = xlsx(rows)

    def per_row():
        preview = parse(data, cohort, office_admin)
        assert not preview.has_errors, preview.errors
        one_by_one(preview, by=office_admin)

    def bulk():
        apply_roster(parse(data, cohort, office_admin), by=office_admin)

    expected = state_after(per_row)
    got = state_after(bulk)
    assert got == expected
    *_rest, entries, users = got
    assert [(key, action) for _actor, _label, _model, key, _shown, action, _changes in entries] == [
        ("2026002", "student.change"),  # its attestation holds already: no consent entry
        ("2026004", "consent.given"),
        ("2026004", "student.change"),
        (("2026004", cohort.pk), "enrollment.apply"),
        ("2026005", "student.change"),  # the student's own consent stands
        (("2026005", cohort.pk), "enrollment.apply"),
        ("2026006", "student.change"),  # the factory's attestation of the same text holds
        (("2026006", cohort.pk), "enrollment.apply"),  # withdrawn before: a new application
        ("2026007", "consent.given"),
        ("2026007", "student.create"),
        (("2026007", cohort.pk), "enrollment.apply"),
        ("2026008", "consent.given"),
        ("2026008", "student.create"),
        (("2026008", cohort.pk), "enrollment.apply"),
    ]
    assert ("liu.lei@example.cn", "Liu.Lei@example.cn") in users


def import_of(count: int, cohort, by, *, start: int = 0) -> int:
    """The queries of applying a roster of ``count`` new students (with passport data and the attestation)."""
    rows = [person(f"30{n:05d}", "张", "伟", "Zhang", f"Wei {chr(97 + n % 26)}") for n in range(start, start + count)]
    preview = parse(xlsx(rows), cohort, by)
    assert not preview.has_errors, preview.errors[:3]
    with CaptureQueriesContext(connection) as captured:
        apply_roster(preview, by=by)
    return len(captured.captured_queries)


def test_the_queries_grow_by_chunks_of_rows_not_by_rows(cohort_with_quota, office_admin, monkeypatch):
    monkeypatch.setattr(nominations_bulk, "IDS_PER_QUERY", 5)  # a chunk of 5 rows stands for one of 500
    cohort = cohort_with_quota
    cohort.capacity = 100
    cohort.save(update_fields=["capacity"])
    import_of(5, cohort, office_admin, start=900)  # the content types and other per-process caches warmed
    one, two, three = (
        import_of(count, cohort, office_admin, start=start) for count, start in ((5, 0), (10, 5), (15, 15))
    )
    per_chunk = two - one
    # Per chunk of new students: their home ids and e-mails looked up, then students, consents, applications and
    # three audit entries each written in bulk.
    assert three - two == per_chunk == 8
    # What a file costs whatever its size: savepoints, the consent texts, the register of transfers, staff's notice.
    assert one - per_chunk <= 16


def test_re_importing_changed_students_grows_by_chunks_too(cohort_with_quota, office_admin, monkeypatch):
    monkeypatch.setattr(nominations_bulk, "IDS_PER_QUERY", 5)
    cohort = cohort_with_quota
    rows = [person(f"40{n:05d}", "王", "芳", "Wang", f"Fang {chr(97 + n)}") for n in range(15)]
    apply_roster(parse(xlsx(rows), cohort, office_admin), by=office_admin)

    def changed(count: int, specialty: str) -> int:
        changed_rows = [{**row, "home specialty": specialty} for row in rows[:count]]
        preview = parse(xlsx(changed_rows), cohort, office_admin)
        assert [row.action for row in preview.rows] == ["update"] * count
        with CaptureQueriesContext(connection) as captured:
            apply_roster(preview, by=office_admin)
        return len(captured.captured_queries)

    one, two, three = changed(5, "模具"), changed(10, "数控"), changed(15, "机电")
    # Per chunk of students: locked, their current consents loaded, updated, audited (none applies: each holds a
    # current enrollment in the track).
    assert three - two == two - one == 4


@pytest.mark.slow
def test_a_thousand_rows_cost_twice_the_queries_of_five_hundred_per_chunk(cohort_with_quota, office_admin):
    """At the real chunk size (500): 500, 1,000 and 1,500 new students; each 500 more rows add the same queries."""
    cohort = cohort_with_quota
    cohort.capacity = 3000
    cohort.save(update_fields=["capacity"])
    import_of(5, cohort, office_admin, start=9000)  # the content types and other per-process caches warmed
    counts = [
        import_of(count, cohort, office_admin, start=start) for count, start in ((500, 0), (1000, 500), (1500, 1500))
    ]
    # Their home ids and e-mails looked up; students, consents and applications written, a statement each; their
    # three audit entries each, 500 a statement. The same on SQLite (one statement takes 500 rows now) and PostgreSQL.
    assert counts[2] - counts[1] == counts[1] - counts[0] == 8


def test_a_clash_the_checks_did_not_see_refuses_the_whole_file(cohort_with_quota, office_admin, monkeypatch):
    """A home id taken by a concurrent writer between the checks and the writes: the database's constraint refuses
    the insert and nothing of the file is saved (as if the checks had read before that writer committed)."""
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    StudentFactory(home_institution=cohort_with_quota.partner, home_student_id="2026002")
    before = Student.objects.count()

    def blind(plan):  # the checks read before the concurrent writer committed
        plan.email_owners, plan.home_ids = {}, set()

    monkeypatch.setattr(nominations_bulk._Plan, "_load_uniques", blind)
    with pytest.raises(RosterRefused) as refused:
        apply_roster(preview, by=office_admin)
    assert refused.value.errors[0].startswith("The database refused the import:")
    assert Student.objects.count() == before and not Enrollment.objects.exists()


def test_the_same_student_twice_in_one_call_as_the_per_row_services_do(cohort_with_quota, office_admin):
    """The service on its own (a roster never names a student twice): two rows of one student, each with its
    changes and an attestation of another version, then a new student attested on both versions; the second
    attestation replaces the first, the audit entries keep each row's own changes."""
    import datetime

    from students.consent.services import Attestation

    from .factories import ConsentTextFactory

    cohort = cohort_with_quota
    first = consent_text()
    second = ConsentTextFactory()
    on = datetime.date(2026, 1, 10)
    student = StudentFactory(home_institution=cohort.partner, passport_number="")

    def inputs():
        again = Student.objects.get(pk=student.pk)
        return [
            services.NominationInput(again, {"home_specialty": "模具"}, Attestation(first.version, on, "import")),
            services.NominationInput(
                again, {"passport_number": "E1"}, Attestation(second.version, on, "import"), cohort=cohort
            ),
            services.NominationInput(
                None,
                {"home_institution": cohort.partner, "home_student_id": "N1", "family_name_latin": "Zhao",
                 "given_name_latin": "Min", "passport_number": "E2"},
                Attestation(second.version, on, "import"),
                cohort=cohort,
            ),
        ]  # fmt: skip

    def per_row():
        with transaction.atomic():
            for row in inputs():
                record = row.student
                if record is None:
                    record = services.student_create(by=office_admin, data=row.data, attestation=row.attestation)
                else:
                    record = services.student_update(
                        student=record, by=office_admin, data=row.data, attestation=row.attestation
                    )
                if row.cohort is not None:
                    services.enrollment_apply(student=record, cohort=row.cohort, by=office_admin, source="import")

    expected = state_after(per_row)
    got = state_after(lambda: services.students_nominate_bulk(rows=inputs(), by=office_admin))
    assert got == expected
    mine = sorted(
        (text_id, current) for home_id, _p, text_id, *_rest, current in got[1] if home_id == student.home_student_id
    )
    # The factory's attestation (of the current text, the second) replaced by the first row's of version 1, which the
    # second row's of version 2 replaced in turn.
    assert mine == [(first.pk, False), (second.pk, False), (second.pk, True)]
