"""Messages to students (students/messaging/): the audience resolved and frozen when sending, each student's version
by the language rule, the e-mail and the portal copy, and delivery that never sends twice nor skips anyone."""

import uuid
from datetime import timedelta
from smtplib import SMTPServerDisconnected
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.core.mail import EmailMultiAlternatives
from django.test import TestCase
from django.utils import timezone

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.personal_data.services import student_data_export, student_erase
from programs.tests.factories import CohortFactory
from students.messaging import services
from students.messaging.services import message_version_language
from students.models import Enrollment, Message, MessageRecipient, SavedFilter, Student
from students.tasks import message_deliver, messages_sweep

from .factories import EnrollmentFactory, StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead

VERSIONS = {
    "ru": ("Собрание в пятницу", "Собрание группы в пятницу в 10:00, ауд. 301."),
    "en": ("Meeting on Friday", "The group meets on Friday at 10:00, room 301."),
    "zh-hans": ("周五开会", "小组周五10:00在301教室开会。"),
}


@pytest.fixture
def people(cohort):
    """In ``cohort`` (MECH26): 王芳 (Chinese), Иван (Russian), Nurlan (Kazakh: English), Li (enrolled, no e-mail),
    and one rejected; elsewhere: someone of the same college in another cohort."""

    def member(status=Enrollment.Status.ENROLLED, cohort_=cohort, **fields):
        student = StudentFactory(home_institution=cohort.partner, **fields)
        EnrollmentFactory(student=student, cohort=cohort_, status=status)
        return student

    return {
        "wang": member(family_name_han="王", given_name_han="芳", citizenship="CN", email="wang@example.cn"),
        "ivan": member(family_name_cyrillic="Иванов", given_name_cyrillic="Иван", citizenship="RU", email="i@x.ru"),
        "nurlan": member(family_name_latin="Nurlan", given_name_latin="Ali", citizenship="KZ", email="n@x.kz"),
        "li": member(family_name_latin="Li", citizenship="CN", email=""),
        "rejected": member(status=Enrollment.Status.REJECTED, email="gone@example.cn"),
        "elsewhere": member(cohort_=CohortFactory(partner=cohort.partner), email="else@example.cn"),
    }


def send(office, *, versions=VERSIONS, token=None, **audience):
    """Send as ``office`` and run what waits for the commit (the delivery tasks, eager here)."""
    audience.setdefault("audience", Message.Audience.COHORT)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.message_send(by=office, token=token or uuid.uuid4(), versions=versions, **audience)


# --- the language rule -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "language", "expected"),
    [
        (["ru", "en", "zh-hans"], "zh-hans", "zh-hans"),
        (["ru", "en"], "zh-hans", "en"),  # not in Chinese: English first
        (["ru"], "zh-hans", "ru"),  # then Russian
        (["ru", "zh-hans"], "en", "ru"),
        (["zh-hans"], "ru", "zh-hans"),  # the only one written
        (["en"], "ru", "en"),
    ],
)
def test_a_student_gets_their_language_else_english_else_russian(written, language, expected):
    assert message_version_language(written=written, language=language) == expected


# --- sending to a cohort, a saved filter, the list's filter ------------------------------------------------------


def test_a_message_to_a_cohort_reaches_its_students_each_in_their_language(cohort, people, office):
    message = send(office, cohort=cohort)

    got = {r.student_id: r for r in message.recipients.all()}
    expected = {people[name].pk for name in ("wang", "ivan", "nurlan", "li")}
    assert set(got) == expected  # not the rejected one, not the other cohort's
    assert got[people["wang"].pk].language == "zh-hans"
    assert got[people["ivan"].pk].language == "ru"
    assert got[people["nurlan"].pk].language == "en"
    assert got[people["li"].pk].email_status == MessageRecipient.Email.NONE  # portal only

    # Eager Celery: the e-mails went on commit, one to each address, in the student's language.
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {"wang@example.cn", "i@x.ru", "n@x.kz"}
    zh = by_address["wang@example.cn"]
    assert zh.subject == "周五开会" and "小组周五10:00在301教室开会。" in zh.body and "王芳" in zh.body
    assert zh.extra_headers["Content-Language"] == "zh-hans"
    assert "小组周五10:00在301教室开会。" in zh.alternatives[0][0]
    assert by_address["i@x.ru"].subject == "Собрание в пятницу" and "Иванов Иван" in by_address["i@x.ru"].body
    assert by_address["n@x.kz"].subject == "Meeting on Friday" and "room 301" in by_address["n@x.kz"].body
    assert f"/portal/messages/{got[people['wang'].pk].pk}/" in zh.body  # the portal copy's link
    for recipient in MessageRecipient.objects.filter(email_status=MessageRecipient.Email.SENT):
        assert recipient.emailed_at is not None and recipient.attempts == 1
    assert AuditEntry.objects.filter(action="message.send").count() == 1


def test_a_message_to_a_saved_filter_reaches_exactly_its_students(cohort, people, office):
    saved = services.saved_filter_create(
        name="MECH26 enrolled", params={"cohort": str(cohort.pk), "status": "enrolled"}, by=office
    )
    message = send(office, audience=Message.Audience.SAVED_FILTER, saved_filter=saved)
    assert set(message.recipients.values_list("student_id", flat=True)) == {
        people[name].pk for name in ("wang", "ivan", "nurlan", "li")
    }
    assert message.audience_name == "MECH26 enrolled"
    assert message.audience_params == {"cohort": str(cohort.pk), "status": "enrolled"}
    assert "gone@example.cn" not in {m.to[0] for m in mail.outbox}
    assert "else@example.cn" not in {m.to[0] for m in mail.outbox}


def test_a_message_to_the_lists_filter_and_the_fallback_when_a_language_is_missing(cohort, people, office):
    versions = {"ru": VERSIONS["ru"], "en": ("", ""), "zh-hans": ("", "")}
    message = send(
        office, audience=Message.Audience.QUERY, params={"q": "Nurlan", "cohort": str(cohort.pk)}, versions=versions
    )
    (recipient,) = message.recipients.all()
    assert recipient.student_id == people["nurlan"].pk
    assert recipient.language == "ru"  # no English version: Russian
    (email,) = mail.outbox
    assert email.subject == "Собрание в пятницу"


def test_only_english_goes_to_a_chinese_student_in_english(cohort, people, office):
    message = send(office, cohort=cohort, versions={"en": VERSIONS["en"], "ru": VERSIONS["ru"]})
    assert message.recipients.get(student=people["wang"]).language == "en"
    wang = next(m for m in mail.outbox if m.to == ["wang@example.cn"])
    assert wang.subject == "Meeting on Friday"


def test_the_audience_is_resolved_when_sending_and_frozen(cohort, people, office):
    saved = services.saved_filter_create(name="CQ", params={"cohort": str(cohort.pk)}, by=office)
    newcomer = StudentFactory(home_institution=cohort.partner, email="new@example.cn")
    EnrollmentFactory(student=newcomer, cohort=cohort)
    message = send(office, audience=Message.Audience.SAVED_FILTER, saved_filter=saved)
    assert message.recipients.filter(student=newcomer).exists()  # who is in the filter when sending
    later = StudentFactory(home_institution=cohort.partner)
    EnrollmentFactory(student=later, cohort=cohort)
    assert not message.recipients.filter(student=later).exists()  # frozen
    saved_filter_count = message.recipients.count()
    services.saved_filter_delete(saved_filter=saved, by=office)
    message.refresh_from_db()
    assert message.recipients.count() == saved_filter_count and message.audience_name == "CQ"


def test_an_erased_student_is_never_written_to(cohort, people, office):
    Student.objects.filter(pk=people["wang"].pk).update(erased_at="2026-06-01T00:00:00Z")
    message = send(office, cohort=cohort)
    assert not message.recipients.filter(student=people["wang"]).exists()


def test_refusals(cohort, people, office):
    with pytest.raises(DomainError) as empty:
        send(office, cohort=cohort, versions={"ru": ("Тема", "")})
    assert empty.value.code == "no_version"
    with pytest.raises(DomainError) as nobody:
        send(office, cohort=CohortFactory())
    assert nobody.value.code == "no_recipients"
    assert not Message.objects.exists() and mail.outbox == []


def test_the_same_token_sends_once(cohort, people, office):
    token = uuid.uuid4()
    first = send(office, token=token, cohort=cohort)
    again = send(office, token=token, cohort=cohort)
    assert again.pk == first.pk and Message.objects.count() == 1 and len(mail.outbox) == 3


# --- delivery: never twice, never skipped ------------------------------------------------------------------------


def test_the_task_run_twice_sends_nothing_twice(cohort, people, office):
    message = send(office, cohort=cohort)
    assert len(mail.outbox) == 3
    ids = list(message.recipients.values_list("pk", flat=True))
    message_deliver.apply(args=[message.pk, ids])  # a redelivered message of the broker
    message_deliver.apply(args=[message.pk, ids])
    assert len(mail.outbox) == 3


def test_a_worker_dying_midway_leaves_the_rest_for_the_redelivered_task(cohort, people, office, monkeypatch):
    """The first run dies after one e-mail (the worker is killed): the redelivered task sends the others, once."""
    monkeypatch.setattr("students.messaging.services.enqueue_many_on_commit", lambda *args, **kwargs: None)
    message = send(office, cohort=cohort)
    assert mail.outbox == []  # nothing delivered yet (the broker holds the task)
    ids = list(message.recipients.order_by("pk").values_list("pk", flat=True))
    real_send, calls = EmailMultiAlternatives.send, []

    def dies_on_second(self, *args, **kwargs):
        calls.append(self.to)
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_send(self, *args, **kwargs)

    with mock.patch.object(EmailMultiAlternatives, "send", dies_on_second), pytest.raises(SystemExit):
        services.message_deliver(message_id=message.pk, recipient_ids=ids, final=False)
    assert len(mail.outbox) == 1
    message_deliver.apply(args=[message.pk, ids])
    assert sorted(m.to[0] for m in mail.outbox) == ["i@x.ru", "n@x.kz", "wang@example.cn"]
    assert message.recipients.filter(email_status=MessageRecipient.Email.PENDING).count() == 0


def test_a_mail_error_is_retried_and_then_recorded_as_failed(cohort, people, office):
    with mock.patch.object(EmailMultiAlternatives, "send", side_effect=SMTPServerDisconnected("down")):
        message = send(office, cohort=cohort)  # eager: one attempt, the last
    failed = message.recipients.filter(email_status=MessageRecipient.Email.FAILED)
    assert failed.count() == 3 and "SMTPServerDisconnected" in failed.first().error
    # In a worker, before the last retry, the rows stay pending and the task retries.
    MessageRecipient.objects.filter(message=message).exclude(email="").update(email_status="pending", error="")
    ids = list(message.recipients.values_list("pk", flat=True))
    with mock.patch.object(EmailMultiAlternatives, "send", side_effect=SMTPServerDisconnected("down")):
        errors = services.message_deliver(message_id=message.pk, recipient_ids=ids, final=False)
    assert len(errors) == 3
    assert message.recipients.filter(email_status=MessageRecipient.Email.PENDING).count() == 3
    services.message_deliver(message_id=message.pk, recipient_ids=ids, final=False)
    assert len(mail.outbox) == 3
    assert set(message.recipients.values_list("email_status", flat=True)) == {"sent", "none"}


def test_the_tasks_go_in_chunks(cohort, office, monkeypatch):
    for _n in range(7):
        EnrollmentFactory(student=StudentFactory(home_institution=cohort.partner), cohort=cohort)
    monkeypatch.setattr(services, "DELIVERY_CHUNK", 3)
    with mock.patch.object(services, "enqueue_many_on_commit") as enqueue:
        message = send(office, cohort=cohort)
    (task, args_list), _kwargs = enqueue.call_args
    assert task is message_deliver
    assert [len(ids) for _message_id, ids in args_list] == [3, 3, 1]
    assert sorted(pk for _m, ids in args_list for pk in ids) == sorted(message.recipients.values_list("pk", flat=True))


# --- saved filters ------------------------------------------------------------------------------------------------


def test_saved_filters_keep_only_the_lists_filters_and_refuse_duplicates(office):
    saved = services.saved_filter_create(
        name="  Applied  ", params={"status": "applied", "sort": "-name", "page": "2", "q": ""}, by=office
    )
    assert saved.name == "Applied" and saved.params == {"status": "applied"}
    assert saved.query_string == "status=applied"
    with pytest.raises(DomainError) as taken:
        services.saved_filter_create(name="Applied", params={"status": "enrolled"}, by=office)
    assert taken.value.code == "name_taken"
    with pytest.raises(DomainError) as empty:
        services.saved_filter_create(name="Nothing", params={"sort": "name"}, by=office)
    assert empty.value.code == "empty_filter"
    assert list(SavedFilter.objects.values_list("name", flat=True)) == ["Applied"]


# --- personal data: the messages are in the export, their addresses go with an erasure -----------------------------


def test_a_students_messages_are_exported_and_their_address_erased(left, office_admin):
    """``left``: Li Na, rejected, with an e-mail address (students/tests/conftest.py)."""
    message = send(office_admin, audience=Message.Audience.QUERY, params={"q": left.home_student_id})
    (copy,) = message.recipients.all()
    assert copy.student_id == left.pk and copy.email == left.email
    exported = student_data_export(student=left, by=office_admin)["messages"]
    assert [(m["id"], m["subject"], m["email"]) for m in exported] == [(copy.pk, copy.subject, left.email)]
    student_erase(student=left, by=office_admin, reason="Asked for erasure")
    copy.refresh_from_db()
    assert copy.email == ""


@pytest.mark.parametrize(
    ("retries", "retried", "status"), [(0, [30], "pending"), (2, [120], "pending"), (3, [], "failed")]
)
def test_in_a_worker_the_task_retries_then_gives_up(cohort, people, office, monkeypatch, retries, retried, status):
    monkeypatch.setattr("students.messaging.services.enqueue_many_on_commit", lambda *args, **kwargs: None)
    message = send(office, cohort=cohort)
    ids = list(message.recipients.filter(email_status="pending").values_list("pk", flat=True))
    asked = []

    def retry(exc, countdown):
        asked.append(countdown)
        return Retry(exc=exc, when=countdown)

    message_deliver.push_request(id="in-a-worker", is_eager=False, retries=retries)
    try:
        with (
            mock.patch.object(EmailMultiAlternatives, "send", side_effect=SMTPServerDisconnected("down")),
            mock.patch.object(message_deliver, "retry", side_effect=retry),
        ):
            if retried:
                with pytest.raises(Retry):
                    message_deliver.run(message.pk, ids)
            else:
                assert message_deliver.run(message.pk, ids) == 3
    finally:
        message_deliver.pop_request()
    assert asked == retried
    assert set(MessageRecipient.objects.filter(pk__in=ids).values_list("email_status", flat=True)) == {status}


def test_the_sweep_sends_what_a_dropped_task_left_pending(cohort, people, office, monkeypatch):
    """A task that ended without a retry (its time limit) left the e-mails pending: the sweep sends them, once, and
    only for messages sent long enough ago."""
    monkeypatch.setattr("students.messaging.services.enqueue_many_on_commit", lambda *args, **kwargs: None)
    old = send(office, cohort=cohort)
    recent = send(office, cohort=cohort, versions={"en": ("Recent", "Still on its way.")})
    Message.objects.filter(pk=old.pk).update(sent_at=timezone.now() - timedelta(minutes=16))
    monkeypatch.undo()
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert messages_sweep.apply().get() == 3
    assert sorted(m.to[0] for m in mail.outbox) == ["i@x.ru", "n@x.kz", "wang@example.cn"]
    assert all(m.subject != "Recent" for m in mail.outbox)
    assert recent.recipients.filter(email_status="pending").count() == 3
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert messages_sweep.apply().get() == 0  # nothing twice
    assert len(mail.outbox) == 3
