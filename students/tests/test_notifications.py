"""E-mails to students: admission, results (one e-mail per student per call), an issued diploma; in the student's
language, after the commit only, never to an erased student, and a failing mail server undoes nothing."""

import datetime
from decimal import Decimal
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.conf import settings
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from diplomas import services as diploma_services
from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF
from diplomas.transcripts import services as transcript_services
from mobility.foundation.exceptions import DomainError
from programs.tests.factories import ModuleFactory
from students import services
from students.accounts import student_language
from students.imports.gradebook import apply_gradebook
from students.models import Enrollment, Student
from students.notifications import notification_send, notifications_suppressed
from students.services import GridCell, ResultInput
from students.tasks import student_email_send

from . import gradebook_files as gb
from .factories import EnrollmentFactory, StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

DAY = datetime.date(2026, 6, 15)


@pytest.fixture
def modules(cohort):
    return [
        ModuleFactory(track=cohort.track, code=code, title_en=f"{code} en", title_ru=f"{code} ру", title_zh=f"{code}课")
        for code in ("CAD", "CNC", "PLC", "SAFE")
    ]


def applied(cohort, *, status=Enrollment.Status.APPLIED, **student) -> Enrollment:
    """An enrollment in ``status`` of 王芳 (unless ``student`` names someone else) from the cohort's college."""
    student.setdefault("family_name_han", "王")
    student.setdefault("given_name_han", "芳")
    student = StudentFactory(home_institution=cohort.partner, **student)
    return EnrollmentFactory(cohort=cohort, student=student, status=status)


def enrolled(cohort, **student) -> Enrollment:
    return applied(cohort, status=Enrollment.Status.ENROLLED, **student)


# --- the language -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("citizenship", "language", "expected"),
    [
        ("CN", "", "zh-hans"),
        ("RU", "", "ru"),
        ("KZ", "", "en"),
        ("cn", "", "zh-hans"),
        ("CN", "ru", "ru"),
        ("RU", "en", "en"),
    ],
)
def test_student_language(citizenship, language, expected):
    assert student_language(Student(citizenship=citizenship, language=language)) == expected


# --- admission ------------------------------------------------------------------------------------------------------


def test_admission_mail_is_sent_only_after_commit_in_chinese_for_a_cn_student(
    cohort, office, django_capture_on_commit_callbacks
):
    enrollment = applied(cohort, citizenship="CN", email="wang@example.cn")
    with django_capture_on_commit_callbacks() as callbacks:
        services.enrollment_admit(enrollment=enrollment, by=office)
    assert mail.outbox == [] and len(callbacks) == 1  # nothing inside the transaction
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ADMITTED

    callbacks[0]()

    (message,) = mail.outbox
    assert message.to == ["wang@example.cn"]
    assert message.extra_headers["Content-Language"] == "zh-hans"
    assert "机电一体化" in message.subject  # the track's Chinese name
    assert "王芳" in message.body  # greeted by the Han name
    assert "2026年3月1日" in message.body  # dates in the Chinese format
    html = message.alternatives[0][0]
    assert message.alternatives[0][1] == "text/html" and "机电一体化" in html and 'lang="zh-hans"' in html
    assert f"{settings.SITE_URL.rstrip('/')}/portal/" in message.body  # absolute links


def test_no_mail_for_what_happens_while_notifications_are_suppressed(
    cohort, office, django_capture_on_commit_callbacks
):
    enrollment = applied(cohort, citizenship="CN", email="wang@example.cn")
    with django_capture_on_commit_callbacks(execute=True) as callbacks, notifications_suppressed():
        services.enrollment_admit(enrollment=enrollment, by=office)
    assert callbacks == [] and mail.outbox == []
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ADMITTED
    # Only the block is silent.
    other = applied(cohort, citizenship="CN", email="li@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_admit(enrollment=other, by=office)
    assert [message.to for message in mail.outbox] == [["li@example.cn"]]


def test_admission_mail_in_russian_when_the_student_chose_russian(cohort, office, django_capture_on_commit_callbacks):
    enrollment = applied(cohort, citizenship="CN", email="wang@example.cn")
    Student.objects.filter(pk=enrollment.student_id).update(language="ru")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_admit(enrollment=enrollment, by=office)
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "ru"
    assert "Мехатроника" in message.subject
    assert "Чжан Вэй" in message.body  # the Cyrillic name
    assert "1 марта 2026" in message.body


def test_an_english_mail_for_other_citizens(cohort, office, django_capture_on_commit_callbacks):
    enrollment = applied(cohort, citizenship="KZ", email="nurlan@example.kz")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_admit(enrollment=enrollment, by=office)
    (message,) = mail.outbox
    assert message.extra_headers["Content-Language"] == "en"
    assert message.subject == "You are admitted: Mechatronics"
    assert "Dear Zhang Wei" in message.body


def test_a_rolled_back_admission_sends_nothing(cohort, office, django_capture_on_commit_callbacks):
    enrollment = applied(cohort, email="wang@example.cn")
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError), transaction.atomic():
        services.enrollment_admit(enrollment=enrollment, by=office)
        raise RuntimeError("the caller's transaction fails after the admission")
    assert mail.outbox == []
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.APPLIED


def test_a_failing_mail_server_undoes_nothing(cohort, office, caplog, django_capture_on_commit_callbacks):
    enrollment = applied(cohort, email="wang@example.cn")
    with (
        mock.patch.object(EmailMultiAlternatives, "send", side_effect=SMTPServerDisconnected("down")) as send,
        django_capture_on_commit_callbacks(execute=True),
    ):
        services.enrollment_admit(enrollment=enrollment, by=office)  # raises nothing
    assert send.call_count == 1  # without a broker: one attempt, logged
    assert "SMTPServerDisconnected" in caplog.text or "down" in caplog.text
    assert Enrollment.objects.get(pk=enrollment.pk).status == Enrollment.Status.ADMITTED


@pytest.mark.parametrize(("retries", "countdown"), [(0, 30), (2, 120)])
def test_in_a_worker_a_mail_error_is_retried_with_backoff(cohort, retries, countdown):
    enrollment = enrolled(cohort, email="wang@example.cn")
    asked = []

    def retry(exc, countdown):
        asked.append(countdown)
        return Retry(exc=exc, when=countdown)

    student_email_send.push_request(id="in-a-worker", is_eager=False, retries=retries)
    try:
        with (
            mock.patch.object(EmailMultiAlternatives, "send", side_effect=SMTPServerDisconnected("down")),
            mock.patch.object(student_email_send, "retry", side_effect=retry),
            pytest.raises(Retry),
        ):
            student_email_send.run("admitted", enrollment.student_id, [enrollment.pk])
    finally:
        student_email_send.pop_request()
    assert asked == [countdown]
    assert student_email_send.max_retries == 3


@pytest.mark.parametrize("case", ["erased", "no_email"])
def test_no_mail_to_an_erased_student_or_one_without_an_address(
    cohort, office, case, django_capture_on_commit_callbacks
):
    enrollment = applied(cohort, email="wang@example.cn")
    if case == "erased":
        Student.objects.filter(pk=enrollment.student_id).update(erased_at=timezone.now())
    else:
        Student.objects.filter(pk=enrollment.student_id).update(email="")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.enrollment_admit(enrollment=enrollment, by=office)
    assert len(callbacks) == 1 and mail.outbox == []


def test_erased_after_the_event_but_before_the_send_gets_nothing(cohort, office, django_capture_on_commit_callbacks):
    enrollment = applied(cohort, email="wang@example.cn")
    with django_capture_on_commit_callbacks() as callbacks:
        services.enrollment_admit(enrollment=enrollment, by=office)
    Student.objects.filter(pk=enrollment.student_id).update(erased_at=timezone.now())
    callbacks[0]()
    assert mail.outbox == []
    assert notification_send(kind="admitted", student_id=enrollment.student_id, object_ids=[enrollment.pk]) is False


# --- results --------------------------------------------------------------------------------------------------------


def test_one_result_one_mail_and_the_same_values_again_none(
    cohort, modules, office, django_capture_on_commit_callbacks
):
    enrollment = enrolled(cohort, email="wang@example.cn", citizenship="KZ")
    kwargs = {"enrollment": enrollment, "module": modules[0], "by": office, "assessed_on": DAY, "score": Decimal(91)}
    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(**kwargs)
    (message,) = mail.outbox
    assert message.subject == "New result: Mechatronics"
    assert "CAD en" in message.body and ": 91 · " in message.body and "passed" in message.body
    assert "91.00" not in message.body

    with django_capture_on_commit_callbacks(execute=True):
        services.result_record(**kwargs)  # unchanged: nothing written, nothing sent
    assert len(mail.outbox) == 1


def test_bulk_results_send_one_mail_per_student_with_a_fixed_number_of_queries(
    cohort, modules, office, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    students = [enrolled(cohort, email=f"s{n}@example.cn", citizenship="CN") for n in range(3)]
    rows = [ResultInput(enrollment_id=e.pk, module=m, score=Decimal(80)) for e in students for m in modules]
    with django_capture_on_commit_callbacks() as callbacks:
        outcome = services.results_record_bulk(rows=rows, by=office, assessed_on=DAY)
    assert outcome.written == 12 and len(callbacks) == 3  # one per student, not one per row
    # Sending: a few queries per student (the student, their results), none per result.
    with django_assert_max_num_queries(3 * 3):
        for callback in callbacks:
            callback()

    assert sorted(m.to[0] for m in mail.outbox) == ["s0@example.cn", "s1@example.cn", "s2@example.cn"]
    for message in mail.outbox:
        assert message.extra_headers["Content-Language"] == "zh-hans"
        assert all(f"{m.code}课" in message.body for m in modules)  # all four results, Chinese titles
        assert "机电一体化" in message.subject


def test_a_results_grid_sends_one_mail_per_student_and_a_refused_grid_none(
    cohort, modules, office, django_capture_on_commit_callbacks
):
    first, second = enrolled(cohort, email="a@example.cn"), enrolled(cohort, email="b@example.cn")
    cells = [GridCell(enrollment_id=e.pk, module=m, score=Decimal(70)) for e in (first, second) for m in modules[:3]]
    with django_capture_on_commit_callbacks(execute=True):
        services.results_record_grid(cells=cells, by=office, assessed_on=DAY)
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.cn", "b@example.cn"]
    mail.outbox.clear()

    Enrollment.objects.filter(pk=second.pk).update(status=Enrollment.Status.WITHDRAWN, closed_on=DAY)
    refused = [GridCell(enrollment_id=e.pk, module=modules[3], score=Decimal(88)) for e in (first, second)]
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(DomainError):
        services.results_record_grid(cells=refused, by=office, assessed_on=DAY)
    assert mail.outbox == []  # the grid was rolled back, first's cell included


def test_a_gradebook_import_sends_one_mail_per_student(gradebook_cohort, office, django_capture_on_commit_callbacks):
    gb.mapped(gradebook_cohort, office)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        apply_gradebook(
            gb.preview_of(gb.gradebook_csv(gb.rows_ok()), gradebook_cohort["cohort"]), by=office, assessed_on=DAY
        )
    recipients = [m.to[0] for m in mail.outbox]
    assert recipients and len(recipients) == len(set(recipients))  # nobody twice
    students = Student.objects.filter(enrollments__results__isnull=False).distinct()
    assert len(students) >= 2 and sorted(recipients) == sorted(s.email for s in students)


# --- diplomas -------------------------------------------------------------------------------------------------------


def test_an_issued_diploma_is_announced_with_its_verification_link(django_capture_on_commit_callbacks):
    enrollment = EnrollmentFactory(completed=True)
    Student.objects.filter(pk=enrollment.student_id).update(citizenship="RU", email="ivan@example.ru")
    with (
        mock.patch.object(diploma_services, "_render_and_sign", return_value=FAKE_PDF),
        mock.patch.object(transcript_services, "_render_transcript", return_value=FAKE_PDF),
        django_capture_on_commit_callbacks(execute=True),
    ):
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    (message,) = [m for m in mail.outbox if m.to == ["ivan@example.ru"]]
    assert message.extra_headers["Content-Language"] == "ru"
    assert diploma.number in message.subject and diploma.number in message.body
    assert diploma.verification_url in message.body

    # Running the task again for the issued diploma changes nothing and sends nothing more.
    with django_capture_on_commit_callbacks(execute=True):
        diploma_services.diploma_issue(diploma_id=diploma.pk)
    assert len([m for m in mail.outbox if m.to == ["ivan@example.ru"]]) == 1


def test_a_revoked_diploma_is_not_announced(office, django_capture_on_commit_callbacks):
    enrollment = EnrollmentFactory(completed=True)
    with django_capture_on_commit_callbacks() as requested:
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
    with (
        mock.patch.object(diploma_services, "_render_and_sign", return_value=FAKE_PDF),
        mock.patch.object(transcript_services, "_render_transcript", return_value=FAKE_PDF),
        django_capture_on_commit_callbacks() as issued,
    ):
        requested[0]()  # the render task: issues the diploma and queues the e-mail
    assert Diploma.objects.get(pk=diploma.pk).status == Diploma.Status.ISSUED and len(issued) == 1
    # Revoked before the e-mail left.
    diploma_services.diploma_revoke(diploma=Diploma.objects.get(pk=diploma.pk), by=office, reason="Wrong name")
    issued[0]()
    assert mail.outbox == []


def test_links_use_the_site_url_setting(settings, cohort, office, django_capture_on_commit_callbacks):
    settings.SITE_URL = "https://mobility.stankin.example/"
    enrollment = applied(cohort, email="wang@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_admit(enrollment=enrollment, by=office)
    (message,) = mail.outbox
    assert "https://mobility.stankin.example/portal/" in message.body
    assert 'href="https://mobility.stankin.example/portal/"' in message.alternatives[0][0]
