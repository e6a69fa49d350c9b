"""Writes below the ORM (``mobility.foundation.bulk``, ``audit_entries_insert``, the register's subjects): the same
rows as ``bulk_create`` writes, ids given back where asked, one statement a call."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from mobility.foundation.audit import audit_entries_insert, audit_entry_build
from mobility.foundation.bulk import objects_insert, rows_insert
from mobility.foundation.models import AuditEntry
from mobility.foundation.transfers import services as transfer_services
from mobility.foundation.transfers.models import Transfer, TransferSubject
from mobility.tests.support import make_user
from students.models import Student

pytestmark = pytest.mark.django_db

COMPARED = ["actor_id", "actor_label", "content_type_id", "object_id", "object_repr", "action", "changes", "reason"]


def students_of(college, prefix: str, count: int) -> list[Student]:
    return [
        Student(
            home_institution=college,
            home_student_id=f"{prefix}{n}",
            family_name_han="张",
            family_name_latin="Zhang",
            given_name_latin=f"Wei {chr(97 + n)}",
            birth_date=datetime.date(2005, 3, 1 + n),
            email=f"{prefix}{n}@example.cn" if n % 2 else "",
        )
        for n in range(count)
    ]


def test_objects_insert_writes_what_bulk_create_writes_and_gives_the_ids_back(college):
    ours, theirs = students_of(college, "A", 4), students_of(college, "B", 4)
    with CaptureQueriesContext(connection) as captured:
        objects_insert(Student, ours, with_ids=True)
    assert len(captured.captured_queries) == 1
    Student.objects.bulk_create(theirs)
    fields = [f.attname for f in Student._meta.concrete_fields if f.attname not in ("id", "created_at", "modified_at")]
    for student, other in zip(ours, theirs, strict=True):
        assert student.pk is not None and not student._state.adding
        stored = Student.objects.filter(pk=student.pk).values(*fields).get()
        expected = Student.objects.filter(pk=other.pk).values(*fields).get()
        assert stored == {**expected, "home_student_id": student.home_student_id, "email": student.email}
        assert stored["home_student_id"].startswith("A")
    # created_at keeps each instance's default; the auto_now field takes one moment for the call
    stored = dict(Student.objects.filter(pk__in=[s.pk for s in ours]).values_list("created_at", "modified_at"))
    assert set(stored) == {student.created_at for student in ours}
    assert len(set(stored.values())) == 1


def test_the_audit_entries_written_as_rows_are_those_audit_entry_build_makes(college):
    actor = make_user("clerk")
    students = students_of(college, "C", 3)
    Student.objects.bulk_create(students)
    entries = [
        (student, "student.create", {"home_student_id": (None, student.home_student_id), "born": (None, day)}, "S")
        for student, day in zip(students, ("2005-03-01", datetime.date(2005, 3, 2), None), strict=True)
    ]
    at = timezone.now() - datetime.timedelta(minutes=5)
    ContentType.objects.get_for_model(Student)  # the per-process cache warmed: the insert alone is counted
    with CaptureQueriesContext(connection) as captured:
        assert audit_entries_insert(actor=actor, entries=entries, at=at) == 3
    assert len(captured.captured_queries) == 1
    written = list(AuditEntry.objects.order_by("pk").values_list("at", *COMPARED))
    built = [
        audit_entry_build(actor=actor, obj=obj, action=action, changes=changes, object_repr=shown)
        for obj, action, changes, shown in entries
    ]
    AuditEntry.objects.bulk_create(built)
    expected = list(AuditEntry.objects.filter(pk__in=[e.pk for e in built]).order_by("pk").values_list(*COMPARED))
    assert [row[1:] for row in written] == expected
    assert {row[0] for row in written} == {at}


def test_rows_insert_writes_nothing_for_no_rows():
    with CaptureQueriesContext(connection) as captured:
        assert rows_insert(TransferSubject, ("transfer_id", "student_id"), []) == 0
    assert captured.captured_queries == []


def test_the_register_records_every_subject_a_statement_per_chunk(monkeypatch):
    monkeypatch.setattr(transfer_services, "SUBJECTS_PER_STATEMENT", 2)
    with CaptureQueriesContext(connection) as captured:
        transfer = transfer_services.transfer_record(
            direction=Transfer.Direction.TO_RUSSIA,
            channel=Transfer.Channel.IMPORT,
            institution_id=None,
            categories=["identity"],
            student_ids=[5, 3, 9, 3, 7],
        )
    assert transfer is not None and transfer.subject_count == 4
    assert sorted(transfer.subjects.values_list("student_id", flat=True)) == [3, 5, 7, 9]
    assert len(captured.captured_queries) == 1 + 2  # the transfer, then its subjects two at a time
