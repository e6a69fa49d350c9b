"""The e-mails of an enrollment closed by the office: an application rejected, an enrollment withdrawn, studies
recorded as failed; in the student's language, in the common layout, after the commit, and only while true."""

import pytest
from django.core import mail

from students import services
from students.models import Enrollment

from .factories import EnrollmentFactory, StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

S = Enrollment.Status
REASON = "Internal: documents incomplete"


def closing(cohort, status, **student):
    student.setdefault("family_name_han", "王")
    student.setdefault("given_name_han", "芳")
    student.setdefault("email", "wang@example.cn")
    return EnrollmentFactory(
        cohort=cohort, student=StudentFactory(home_institution=cohort.partner, **student), status=status
    )


CASES = [
    # (from, service, subject in English, subject in Chinese, subject in Russian)
    (
        S.APPLIED,
        services.enrollment_reject,
        "Your application was not accepted: Mechatronics",
        "未被录取",
        "не принята",
    ),
    (
        S.ADMITTED,
        services.enrollment_reject,
        "Your application was not accepted: Mechatronics",
        "未被录取",
        "не принята",
    ),
    (S.ENROLLED, services.enrollment_withdraw, "Your enrollment was withdrawn: Mechatronics", "已被撤销", "отозвано"),
    (S.ADMITTED, services.enrollment_withdraw, "Your enrollment was withdrawn: Mechatronics", "已被撤销", "отозвано"),
    (S.ENROLLED, services.enrollment_fail, "Your studies were not completed: Mechatronics", "未完成", "не завершено"),
]


@pytest.mark.parametrize(("source", "service", "english", "chinese", "russian"), CASES)
def test_each_closing_sends_its_email_in_the_students_language(
    cohort, office, django_capture_on_commit_callbacks, source, service, english, chinese, russian
):
    students = {
        "en": closing(cohort, source, citizenship="KZ", email="n@x.kz"),
        "zh-hans": closing(cohort, source, citizenship="CN", email="wang@example.cn"),
        "ru": closing(cohort, source, citizenship="RU", email="ivan@x.ru"),
    }
    for enrollment in students.values():
        with django_capture_on_commit_callbacks() as callbacks:
            service(enrollment=enrollment, by=office, reason=REASON)
        assert len(callbacks) == 1  # sent after the commit only
        callbacks[0]()
    by_language = {m.extra_headers["Content-Language"]: m for m in mail.outbox}
    assert set(by_language) == {"en", "zh-hans", "ru"}
    assert by_language["en"].subject == english and by_language["en"].to == ["n@x.kz"]
    assert chinese in by_language["zh-hans"].subject and "机电一体化" in by_language["zh-hans"].subject
    assert "王芳" in by_language["zh-hans"].body
    assert russian in by_language["ru"].subject and "Мехатроника" in by_language["ru"].subject
    for message in mail.outbox:
        html = message.alternatives[0][0]
        assert cohort.code in message.body and cohort.code in html
        assert "/portal/" in message.body
        assert REASON not in message.body and REASON not in html  # the office's reason stays internal
        assert "max-width:600px" in html  # the common layout (templates/emails/base.html)


def test_the_withdrawal_names_its_date(cohort, office, django_capture_on_commit_callbacks):
    enrollment = closing(cohort, S.ENROLLED, citizenship="KZ", email="n@x.kz")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_withdraw(enrollment=enrollment, by=office, reason=REASON)
    enrollment.refresh_from_db()
    (message,) = mail.outbox
    assert enrollment.closed_on.strftime("%Y") in message.body and "was withdrawn on" in message.body


def test_no_email_when_the_status_changed_again_before_sending(cohort, office, django_capture_on_commit_callbacks):
    enrollment = closing(cohort, S.APPLIED)
    with django_capture_on_commit_callbacks() as callbacks:
        services.enrollment_reject(enrollment=enrollment, by=office, reason=REASON)
    Enrollment.objects.filter(pk=enrollment.pk).update(status=S.APPLIED)  # an admin's correction, before the task
    callbacks[0]()
    assert mail.outbox == []


def test_no_email_without_an_address_and_none_for_other_transitions(cohort, office, django_capture_on_commit_callbacks):
    without = closing(cohort, S.APPLIED, email="")
    admitted = closing(cohort, S.APPLIED, email="li@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        services.enrollment_reject(enrollment=without, by=office, reason=REASON)
        services.enrollment_admit(enrollment=admitted, by=office)
        services.enrollment_enroll(enrollment=admitted, by=office)
    # The admission's e-mail only: nothing to the student without an address, nothing for enrolling.
    assert [m.to for m in mail.outbox] == [["li@example.cn"]]
    assert mail.outbox[0].subject.startswith("您已被录取") or "Mechatronics" not in mail.outbox[0].subject
