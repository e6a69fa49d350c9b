"""The diplomas app's audit entries as sentences, and the diploma's events in the student's history."""

import pytest
from django.conf import settings
from django.utils import translation

from diplomas import services
from mobility.foundation.audit_sentences import audit_sentence
from mobility.tests.support import make_user
from students.selectors import student_audit_history

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in another language leaves it active in this thread (LocaleMiddleware): later tests start in the
    default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def _sentences(student, language):
    with translation.override(language):
        return [(entry.action, audit_sentence(entry)) for entry in student_audit_history(student=student)]


def test_request_issue_revoke_and_reissue_are_in_the_students_history(issued, django_capture_on_commit_callbacks):
    popova = make_user("n.popova", first_name="Nadezhda", last_name="Popova")
    student = issued.enrollment.student
    with django_capture_on_commit_callbacks(execute=True):
        new = services.diploma_reissue(diploma=issued, by=popova, reason="Name misspelt")
    new.refresh_from_db()
    english = dict(_sentences(student, "en"))  # newest first: the oldest entry of each action wins
    assert english["diploma.request"] == f"The system requested the diploma #{issued.pk}"
    assert english["diploma.issue"].startswith(f"The diploma {issued.number} was issued (SHA-256 ")
    assert english["diploma.revoke"] == f"Nadezhda Popova revoked the diploma {issued.number}"
    assert english["diploma.reissue"] == f"Nadezhda Popova requested a new diploma in place of {issued.number}"
    russian = dict(_sentences(student, "ru"))
    assert russian["diploma.revoke"] == f"Nadezhda Popova: диплом {issued.number} отозван"
    assert russian["diploma.reissue"] == f"Nadezhda Popova: запрошен новый диплом взамен {issued.number}"
    assert [action for action, _ in _sentences(student, "en")].count("diploma.issue") == 2  # the new one too


def test_another_students_diploma_stays_out_of_the_history(issued):
    from students.tests.factories import StudentFactory

    assert not [e for e in student_audit_history(student=StudentFactory()) if e.action.startswith("diploma")]
    assert any(e.action == "diploma.issue" for e in student_audit_history(student=issued.enrollment.student))


def test_papers_and_zips_read_with_the_cohort_s_code_in_the_reader_s_language():
    from mobility.foundation.audit import audit_record
    from mobility.foundation.models import AuditEntry
    from programs.tests.factories import CohortFactory

    popova = make_user("n.popova", first_name="Nadezhda", last_name="Popova")
    cohort = CohortFactory(code="CQ-MECH-2025", name="Mechatronics, Chongqing, intake 2025")
    audit_record(actor=popova, obj=cohort, action="paper.grade_sheet", changes={"module": (None, "MECH-01")})
    audit_record(actor=popova, obj=cohort, action="paper.roster", changes={"language": (None, "zh-hans")})
    sheet, roster = (AuditEntry.objects.get(action=action) for action in ("paper.grade_sheet", "paper.roster"))
    with translation.override("ru"):
        assert audit_sentence(sheet) == "Nadezhda Popova: сформирована ведомость по MECH-01 для потока CQ-MECH-2025"
        assert audit_sentence(roster) == "Nadezhda Popova: сформирован список потока CQ-MECH-2025"
    with translation.override("en"):
        assert audit_sentence(roster) == "Nadezhda Popova printed the roster of the cohort CQ-MECH-2025"
