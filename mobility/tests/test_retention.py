"""The retention schedule of personal data (mobility/personal_data/retention.py): exactly what is due is erased, on
the right day in the site's zone, never for a current enrollment, once, audited; the dry run, the nightly task, the
command and the office-admin's page."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.utils import timezone, translation

from mobility.celery import app
from mobility.foundation.audit import audit_record
from mobility.foundation.audit_sentences import audit_sentence
from mobility.foundation.models import AuditEntry
from mobility.foundation.retention import RETENTION_VARIABLES, retention_schedule
from mobility.personal_data import retention
from mobility.personal_data.retention import (
    ACTION,
    add_months,
    retention_plan,
    retention_run,
)
from mobility.personal_data.tasks import TASK_RETENTION
from mobility.tests.support import make_user
from students.models import Enrollment, Student
from students.tests.factories import STEPS, EnrollmentFactory, StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # the site's date: run again at 23:30 UTC and a year ahead

S = Enrollment.Status
IDENTITY = ("passport_number", "passport_issued_on", "passport_expires_on")


def _today() -> datetime.date:
    return timezone.localdate()


def _left(ended: datetime.date, status=S.COMPLETED, *, student=None, **student_fields) -> Enrollment:
    """An enrollment that ended (completed, or closed as rejected/withdrawn/failed) on ``ended``, begun a year
    before, with the student's passport data, birth date, e-mail and phone."""
    start = ended - datetime.timedelta(days=365)
    steps = {"admitted_on": start + datetime.timedelta(days=10), "enrolled_on": start + datetime.timedelta(days=20)}
    dates = {name: day for name, day in steps.items() if name in STEPS[status]}
    dates["completed_on" if status == S.COMPLETED else "closed_on"] = ended
    fields = {
        "passport_issued_on": datetime.date(2020, 1, 1),
        "passport_expires_on": datetime.date(2040, 1, 1),
        "phone": "+86 138 0000 0000",
        **student_fields,
    }
    extra = {"student": student} if student is not None else {f"student__{k}": v for k, v in fields.items()}
    return EnrollmentFactory(status=status, applied_on=start, **dates, **extra)


def _months_ago(months: int, days: int = 0) -> datetime.date:
    return add_months(_today(), -months) - datetime.timedelta(days=days)


def _due_ids(plan, category: str) -> set[int]:
    return {item.student_id for item in plan.due[category]}


def test_add_months_keeps_the_day_or_takes_the_months_last():
    assert add_months(datetime.date(2026, 8, 31), 6) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2026, 12, 15), 6) == datetime.date(2027, 6, 15)
    assert add_months(datetime.date(2027, 3, 31), -1) == datetime.date(2027, 2, 28)
    assert add_months(datetime.date(2024, 2, 29), 12) == datetime.date(2025, 2, 28)


def test_due_on_the_day_n_months_after_the_end_in_the_site_zone_not_the_day_before(settings):
    """At 23:30 UTC on 14 June it is 15 June in Moscow: a student who completed on 15 December is due, one who
    completed on 16 December is not (due tomorrow, within the 30 days ahead)."""
    settings.TIME_ZONE = "Europe/Moscow"
    with time_machine.travel(datetime.datetime(2027, 6, 14, 23, 30, tzinfo=datetime.UTC), tick=False):
        assert timezone.localdate() == datetime.date(2027, 6, 15)
        on_the_day = _left(datetime.date(2026, 12, 15)).student
        day_before = _left(datetime.date(2026, 12, 16)).student
        plan = retention_plan(horizon_days=30)
        assert _due_ids(plan, "identity_document") == _due_ids(plan, "birth_date") == {on_the_day.pk}
        assert plan.due["identity_document"][0].due_on == datetime.date(2027, 6, 15)
        assert [(item.student_id, item.due_on) for item in plan.upcoming["identity_document"]] == [
            (day_before.pk, datetime.date(2027, 6, 16))
        ]
        retention_run(dry_run=False)
    on_the_day.refresh_from_db()
    day_before.refresh_from_db()
    assert on_the_day.passport_number == "" and on_the_day.birth_date is None
    assert day_before.passport_number != "" and day_before.birth_date is not None


def test_the_run_erases_exactly_what_is_due():
    seven = _left(_months_ago(7)).student  # identity and birth date due, contact not yet
    five = _left(_months_ago(5), S.WITHDRAWN).student  # nothing due
    rejected = _left(_months_ago(6), S.REJECTED).student  # due today, rejected at admission
    # Left long ago, then applied again: a current enrollment keeps everything.
    back = _left(_months_ago(40)).student
    applied = _months_ago(3)
    EnrollmentFactory(
        student=back,
        status=S.ENROLLED,
        applied_on=applied,
        admitted_on=applied + datetime.timedelta(days=1),
        enrolled_on=applied + datetime.timedelta(days=2),
    )
    never = EnrollmentFactory(status=S.APPLIED).student  # never ended
    alone = StudentFactory()  # no enrollment at all: no end, never due
    # The latest end counts: withdrawn long ago, completed another track five months ago.
    later = _left(_months_ago(40), S.WITHDRAWN).student
    _left(_months_ago(5), student=later)
    long_ago = _left(_months_ago(37)).student  # everything due, contact too (no account)
    active = _left(_months_ago(37)).student
    active.user = make_user(active.email, email=active.email)
    active.save()
    disabled = _left(_months_ago(37)).student
    disabled.user = make_user(disabled.email, email=disabled.email, is_active=False)
    disabled.save()

    report = retention_run(dry_run=False)

    assert report.erased == {"identity_document": 5, "birth_date": 5, "contact": 2}
    assert report.students == 5
    fresh = {student.pk: Student.objects.get(pk=student.pk) for student in Student.objects.all()}
    for student in (seven, rejected, long_ago, active, disabled):
        row = fresh[student.pk]
        assert [getattr(row, name) for name in IDENTITY] == ["", None, None]
        assert row.birth_date is None
        # Names, institution and the record stay; this is no erasure of the student.
        assert row.family_name_han == "张" and row.family_name_latin == "Zhang" and row.erased_at is None
    for student in (seven, rejected, active):  # contact not due, or an account in use
        assert fresh[student.pk].email == student.email and fresh[student.pk].phone == student.phone
    for student in (long_ago, disabled):
        assert fresh[student.pk].email == "" and fresh[student.pk].phone == ""
    user = get_user_model().objects.get(pk=disabled.user_id)
    assert (user.email, user.username) == ("", f"erased-{disabled.pk}")
    assert get_user_model().objects.get(pk=active.user_id).email == active.email
    for student in (five, back, never, alone, later):
        row = fresh[student.pk]
        assert (row.passport_number, row.birth_date, row.email) == (
            student.passport_number,
            student.birth_date,
            student.email,
        )
        assert row.passport_number != "" and row.birth_date is not None


def test_a_second_run_finds_nothing_and_each_erasure_is_audited_without_values(office_admin):
    student = _left(_months_ago(40)).student
    passport, email = student.passport_number, student.email
    # An earlier change whose values the audit log holds: they go with the fields.
    audit_record(actor=office_admin, obj=student, action="student.update", changes={"email": ("old@example.cn", email)})

    first = retention_run(dry_run=False)
    assert first.students == 1
    entries = AuditEntry.objects.filter(action=ACTION)
    assert entries.count() == 1
    entry = entries.get()
    assert (entry.object_id, entry.actor_label) == (str(student.pk), "system")
    assert entry.changes == {
        "categories": [None, "identity_document,birth_date,contact"],
        "fields": [None, "passport_number,passport_issued_on,passport_expires_on,birth_date,email,phone"],
        "months": [None, "identity_document=6,birth_date=6,contact=36"],
        "ended_on": [None, _months_ago(40).isoformat()],
    }
    log = json.dumps(list(AuditEntry.objects.values("changes", "reason", "object_repr")), ensure_ascii=False)
    assert passport not in log and email not in log and "old@example.cn" not in log
    update = AuditEntry.objects.get(action="student.update")
    assert update.changes == {"email": ["[erased]", "[erased]"]}

    second = retention_run(dry_run=False)
    assert second.students == 0 and second.erased == {"identity_document": 0, "birth_date": 0, "contact": 0}
    assert AuditEntry.objects.filter(action=ACTION).count() == 1
    assert retention_plan().due == {"identity_document": [], "birth_date": [], "contact": []}


def test_a_student_who_applies_again_before_the_lock_is_left_alone(monkeypatch):
    """The batch is planned again under the rows' lock: an application made after the first plan keeps the data."""
    student = _left(_months_ago(7)).student
    first_plan = retention.retention_plan

    def plan_then_apply(today=None, **options):
        plan = first_plan(today, **options)
        if "ids" not in options:
            EnrollmentFactory(student=student, status=S.APPLIED, applied_on=_today())
        return plan

    monkeypatch.setattr(retention, "retention_plan", plan_then_apply)
    report = retention_run(dry_run=False)
    assert report.plan.due["identity_document"][0].student_id == student.pk
    assert report.students == 0 and report.erased["identity_document"] == 0
    assert Student.objects.get(pk=student.pk).passport_number == student.passport_number
    assert not AuditEntry.objects.filter(action=ACTION).exists()


def test_the_dry_run_writes_nothing():
    student = _left(_months_ago(37)).student
    modified = Student.objects.get(pk=student.pk).modified_at
    entries = AuditEntry.objects.count()
    report = retention_run(dry_run=True)
    assert report.dry_run and report.students == 0
    assert report.counts() == {"identity_document": 1, "birth_date": 1, "contact": 1}
    row = Student.objects.get(pk=student.pk)
    assert row.passport_number == student.passport_number and row.modified_at == modified
    assert AuditEntry.objects.count() == entries


def test_the_months_come_from_the_settings_and_off_turns_a_category_off(settings):
    student = _left(_months_ago(13)).student
    settings.RETENTION = {"identity_document": 12, "birth_date": 24, "contact": None}
    plan = retention_plan()
    assert _due_ids(plan, "identity_document") == {student.pk}
    assert _due_ids(plan, "birth_date") == set() and plan.due["contact"] == []
    retention_run(dry_run=False)
    row = Student.objects.get(pk=student.pk)
    assert row.passport_number == "" and row.birth_date is not None and row.email != ""


def test_the_schedule_is_read_from_the_environment_with_defaults():
    assert retention_schedule({}) == {"identity_document": 6, "birth_date": 6, "contact": 36}
    assert retention_schedule(
        {
            "RETENTION_IDENTITY_DOCUMENT_MONTHS": "3",
            "RETENTION_BIRTH_DATE_MONTHS": "OFF",
            "RETENTION_CONTACT_MONTHS": "",
        }
    ) == {"identity_document": 3, "birth_date": None, "contact": 36}
    documented = (Path(settings.BASE_DIR) / "docs" / "configuration.md").read_text(encoding="utf-8")
    assert [name for name, _default in RETENTION_VARIABLES.values() if f"`{name}`" not in documented] == []
    for wrong in ("0", "-1", "six", "121", "1.5"):
        with pytest.raises(ImproperlyConfigured, match="RETENTION_CONTACT_MONTHS"):
            retention_schedule({"RETENTION_CONTACT_MONTHS": wrong})


def test_the_beat_runs_the_task_every_night_and_the_task_erases(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["personal-data-retention"]
    assert entry["task"] == TASK_RETENTION
    assert entry["schedule"] == crontab(hour=3, minute=40)  # in CELERY_TIMEZONE, the site's zone
    assert settings.CELERY_TIMEZONE == settings.TIME_ZONE
    student = _left(_months_ago(7)).student
    task = app.tasks[TASK_RETENTION]
    assert task.delay().get() == {"identity_document": 1, "birth_date": 1, "contact": 0}
    assert Student.objects.get(pk=student.pk).passport_number == ""
    assert task.delay().get() == {"identity_document": 0, "birth_date": 0, "contact": 0}


def test_the_command_prints_the_report_and_erases_only_without_dry_run():
    ended = _months_ago(37)
    student = _left(ended).student
    out = io.StringIO()
    call_command("retention", "--dry-run", stdout=out)
    due = add_months(ended, 6).isoformat()
    assert out.getvalue().splitlines() == [
        f"Retention schedule on {_today().isoformat()} (dry run, nothing erased):",
        "identity_document (6 months after the studies end): 1 due",
        f"  student {student.pk}: due since {due}",
        "birth_date (6 months after the studies end): 1 due",
        f"  student {student.pk}: due since {due}",
        "contact (36 months after the studies end): 1 due",
        f"  student {student.pk}: due since {add_months(ended, 36).isoformat()}",
    ]
    assert Student.objects.get(pk=student.pk).passport_number != ""
    out = io.StringIO()
    call_command("retention", stdout=out)
    assert "identity_document (6 months after the studies end): 1 erased" in out.getvalue()
    assert out.getvalue().splitlines()[-1] == "1 students erased, one audit entry each."
    assert Student.objects.get(pk=student.pk).passport_number == ""


def test_the_page_shows_the_dry_run_to_office_admin(office_admin_client, django_assert_num_queries):
    due = _left(_months_ago(7)).student
    soon = _left(_months_ago(6, days=-10)).student  # due in ten days
    queries = response_queries(office_admin_client)
    response = office_admin_client.get("/privacy/retention/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    page = response.content.decode()
    assert f"/students/{due.pk}/" in page and f"/students/{soon.pk}/" in page
    assert "Due now: 1 student" in page and "Due in the next 30 days: 1 student" in page
    assert Student.objects.get(pk=due.pk).passport_number != ""  # nothing erased
    # The list costs the same with more students: one query per category, one for the names.
    for _ in range(3):
        _left(_months_ago(8))
    with django_assert_num_queries(queries):
        office_admin_client.get("/privacy/retention/")


def response_queries(client) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        client.get("/privacy/retention/")
    return len(queries)


def test_the_page_is_office_admins_only(office_client):
    assert office_client.get("/privacy/retention/").status_code == 403


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("ru", ("Сроки хранения персональных данных", "Срок наступил: 1 студент", "6 месяцев после окончания")),
        ("zh-hans", ("个人数据保存期限", "现已到期：1 名学生", "学业结束后 36 个月", "未来 30 天内到期：0 名学生")),
    ],
)
def test_the_page_reads_in_the_staffs_language(office_admin_client, language, texts):
    _left(_months_ago(7))
    page = office_admin_client.get("/privacy/retention/", headers={"accept-language": language}).content.decode()
    for text in texts:
        assert text in page
    assert "Due now" not in page and "studies end" not in page


def test_the_audit_entry_reads_in_three_languages():
    student = _left(_months_ago(7)).student
    retention_run(dry_run=False)
    entry = AuditEntry.objects.get(action=ACTION, object_id=str(student.pk))
    sentences = {}
    for language in ("en", "ru", "zh-hans"):
        with translation.override(language):
            sentences[language] = audit_sentence(entry)
    assert sentences["en"].startswith(
        f"The system erased under the retention schedule the identity document (6 months), birth date (6 months) "
        f"of student #{student.pk}, whose studies ended "
    )
    assert sentences["ru"].startswith(
        f"Система: по графику хранения удалены данные студента #{student.pk} — документ, удостоверяющий личность "
        "(6 месяцев), дата рождения (6 месяцев); обучение завершено "
    )
    assert sentences["zh-hans"].startswith(
        f"系统 按保存期限删除了学生 #{student.pk} 的身份证件（6个月）, 出生日期（6个月）"
    )
