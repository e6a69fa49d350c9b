"""The students app's audit entries as sentences, in English and Russian, and the student's history."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.utils import translation

from mobility.foundation.audit_sentences import audit_sentence
from mobility.tests.support import make_user
from programs.tests.factories import ModuleFactory
from students import selectors, services
from students.models import Enrollment

from .factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in another language leaves it active in this thread (LocaleMiddleware): later tests start in the
    default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


DAY = datetime.date(2026, 6, 19)


@pytest.fixture
def popova(db):
    return make_user("n.popova", first_name="Nadezhda", last_name="Popova")


@pytest.fixture
def enrollment(cohort):
    student = StudentFactory(
        home_institution=cohort.partner, family_name_latin="Chen", given_name_latin="Xinyi", passport_number="E1"
    )
    return EnrollmentFactory(student=student, cohort=cohort, status=Enrollment.Status.ENROLLED)


def _read(entry, language, **kwargs):
    with translation.override(language):
        return audit_sentence(entry, **kwargs)


def _last(student):
    return selectors.student_audit_history(student=student).first()


def test_a_recorded_result_reads_with_its_score_and_grade(enrollment, popova):
    module = ModuleFactory(track=enrollment.track, code="MECH-12")
    services.result_record(enrollment=enrollment, module=module, by=popova, assessed_on=DAY, score=Decimal(85))
    entry = _last(enrollment.student)
    assert entry.action == "result.record"
    assert _read(entry, "en") == "Nadezhda Popova recorded the result of Chen Xinyi: MECH-12: 85, 4 (good)"
    assert _read(entry, "ru") == "Nadezhda Popova: записан результат Chen Xinyi — MECH-12: 85, 4 (хорошо)"
    assert _read(entry, "zh-hans") == "Nadezhda Popova 记录了 Chen Xinyi 的成绩：MECH-12：85，4（良好）"


def test_a_corrected_result_reads_old_and_new_values_with_verbose_names(enrollment, popova):
    module = ModuleFactory(track=enrollment.track, code="MECH-12")
    kwargs = {"enrollment": enrollment, "module": module, "by": popova, "assessed_on": DAY}
    services.result_record(score=Decimal("80.00"), **kwargs)
    services.result_record(score=Decimal("80.50"), grade="5", **kwargs)
    entry = _last(enrollment.student)
    assert entry.action == "result.change"
    english = _read(entry, "en")
    assert english.startswith("Nadezhda Popova corrected the result of MECH-12 for Chen Xinyi: ")
    assert "score: 80 → 80.5" in english and "grade: 4 (good) → 5 (excellent)" in english
    russian = _read(entry, "ru")
    assert "балл: 80 → 80,5" in russian or "80 → 80,5" in russian
    assert "4 (хорошо) → 5 (отлично)" in russian and "#1" not in russian


def test_each_transition_reads_as_a_sentence(enrollment, popova):
    services.enrollment_withdraw(enrollment=enrollment, by=popova, reason="Moved")
    entry = _last(enrollment.student)
    assert _read(entry, "en") == "Nadezhda Popova withdrew Chen Xinyi from MECH26"
    assert _read(entry, "ru") == "Nadezhda Popova: Chen Xinyi — отчисление из потока MECH26"
    assert entry.reason == "Moved"


def test_passport_data_in_a_change_are_masked_for_whoever_may_not_see_them(enrollment, office_admin):
    popova = office_admin
    popova.first_name, popova.last_name = "Nadezhda", "Popova"
    popova.save()
    student = enrollment.student
    services.student_update(
        student=student, by=popova, data={"passport_number": "E7654321", "phone": "+86 23 1234 5678"}
    )
    entry = _last(student)
    assert entry.action == "student.change"
    plain = _read(entry, "en")
    assert plain.startswith("Nadezhda Popova changed the record of Chen Xinyi: ")
    assert "E7654321" not in plain and "•••" in plain and "+86 23 1234 5678" in plain
    # The service never writes passport values into the log; older entries may hold some, masked when read.
    entry.changes["passport_number"] = ["E1", "E7654321"]
    assert "E7654321" not in _read(entry, "en") and "E1 → E7654321" in _read(entry, "en", sensitive=True)
    assert _read(entry, "ru").startswith("Nadezhda Popova: изменены данные студента Chen Xinyi: ")


def test_history_page_shows_sentences_not_action_codes(office_client, enrollment, popova):
    services.enrollment_withdraw(enrollment=enrollment, by=popova, reason="Moved")
    office_client.cookies["django_language"] = "ru"
    page = office_client.get(f"/students/{enrollment.student_id}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "Nadezhda Popova: Chen Xinyi — отчисление из потока MECH26" in page
    assert "enrollment.withdrawn" not in page and "Причина: Moved" in page
