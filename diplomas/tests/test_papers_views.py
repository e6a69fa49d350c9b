"""The papers' pages: the cohort's papers page and its downloads, the certificate of study from the student page;
office staff only (the access matrix, mobility/tests/test_access.py, covers the refusals of every URL)."""

import pytest
from django.urls import reverse

from diplomas.models import EnrollmentCertificate
from diplomas.papers import documents, services
from mobility.foundation.models import AuditEntry
from programs.tests.factories import ModuleFactory
from students.models import Enrollment
from students.tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db

S = Enrollment.Status


@pytest.fixture
def enrollment():
    enrollment = EnrollmentFactory(status=S.ENROLLED, student__citizenship="CN")
    ModuleFactory(track=enrollment.track, code="MECH-12", title_en="Industrial robots")
    ModuleFactory(track=enrollment.track, code="MECH-20", title_en="Safety at work")
    return enrollment


@pytest.fixture
def drawn(monkeypatch):
    """The PDF writer replaced by one that returns the HTML it was given: these tests are about the pages."""
    monkeypatch.setattr(documents.rendering, "html_to_pdf", lambda html, **kwargs: b"%PDF-1.7\n" + html.encode())
    monkeypatch.setattr(documents.signing, "sign_pdf", lambda pdf, **kwargs: pdf)


def test_the_cohort_page_leads_to_its_papers_a_grade_sheet_per_module_and_the_roster(
    office_client, enrollment, django_assert_max_num_queries
):
    cohort = enrollment.cohort
    papers_url = reverse("diplomas:cohort-papers", args=[cohort.pk])
    assert papers_url in office_client.get(reverse("students:cohort-detail", args=[cohort.pk])).content.decode()

    with django_assert_max_num_queries(8):
        page = office_client.get(papers_url).content.decode()
    for module in cohort.track.modules.all():
        assert f"{reverse('diplomas:cohort-grade-sheet', args=[cohort.pk, module.pk])}?lang=zh-hans" in page
        assert module.code in page
    # The sending college is Chinese: the second language is Chinese unless the office picks another.
    assert f"{reverse('diplomas:cohort-roster', args=[cohort.pk])}?lang=zh-hans" in page
    assert (
        f"{reverse('diplomas:cohort-roster', args=[cohort.pk])}?lang=en"
        in office_client.get(papers_url, {"lang": "en"}).content.decode()
    )


def test_a_grade_sheet_downloads_as_an_audited_attachment(office_client, office, enrollment, drawn):
    cohort = enrollment.cohort
    module = cohort.track.modules.get(code="MECH-12")
    response = office_client.get(reverse("diplomas:cohort-grade-sheet", args=[cohort.pk, module.pk]), {"lang": "en"})
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith(f'attachment; filename="grade-sheet_{cohort.code}_MECH-12_')
    assert response["Cache-Control"] == "private, no-store"
    body = response.content.decode()
    assert "Grade sheet" in body and "Ведомость" in body and enrollment.student.full_name_han in body
    entry = AuditEntry.objects.get(action="paper.grade_sheet")
    assert entry.actor == office and entry.changes == {"module": [None, "MECH-12"], "language": [None, "en"]}

    other_track = ModuleFactory()
    assert (
        office_client.get(reverse("diplomas:cohort-grade-sheet", args=[cohort.pk, other_track.pk])).status_code == 404
    )


def test_the_roster_downloads_as_an_audited_attachment(office_client, enrollment, drawn):
    cohort = enrollment.cohort
    response = office_client.get(reverse("diplomas:cohort-roster", args=[cohort.pk]))
    assert response["Content-Disposition"].startswith(f'attachment; filename="roster_{cohort.code}_')
    assert "班级学员名单" in response.content.decode()  # the college's language by default
    assert AuditEntry.objects.get(action="paper.roster").changes == {"language": [None, "zh-hans"]}


def test_a_certificate_is_issued_from_the_student_page_by_post(office_client, office, enrollment, drawn):
    detail = office_client.get(reverse("students:student-detail", args=[enrollment.student_id])).content.decode()
    url = reverse("diplomas:enrollment-certificate", args=[enrollment.pk])
    assert f'action="{url}"' in detail
    assert office_client.get(url).status_code == 405  # each certificate is a new register entry: never by a GET

    response = office_client.post(url, {"lang": ""})
    certificate = EnrollmentCertificate.objects.get()
    assert response["Content-Disposition"] == f'attachment; filename="certificate_{certificate.number}.pdf"'
    assert certificate.issued_by == office and certificate.enrollment == enrollment
    assert certificate.language == "zh-hans"  # the student's language: Chinese by citizenship
    body = response.content.decode()
    assert "学习证明" in body and "Справка об обучении" in body
    # A clerk may not see birth dates (students.view_sensitive): the certificate does not show it either.
    assert "17.05.2004" not in body


def test_the_birth_date_is_on_the_certificate_for_those_who_may_see_it(office_admin_client, enrollment, drawn):
    url = reverse("diplomas:enrollment-certificate", args=[enrollment.pk])
    body = office_admin_client.post(url, {"lang": "en"}).content.decode()
    assert "17.05.2004" in body and "Certificate of study" in body
    assert EnrollmentCertificate.objects.get().language == "en"


@pytest.mark.parametrize("status", [S.APPLIED, S.ADMITTED, S.REJECTED])
def test_no_certificate_before_the_studies_began(office_client, status, monkeypatch):
    enrollment = EnrollmentFactory(status=status)
    monkeypatch.setattr(services.documents, "certificate_pdf", lambda **kwargs: pytest.fail("rendered"))
    detail = office_client.get(reverse("students:student-detail", args=[enrollment.student_id])).content.decode()
    url = reverse("diplomas:enrollment-certificate", args=[enrollment.pk])
    assert url not in detail
    assert office_client.post(url).status_code == 404
    assert not EnrollmentCertificate.objects.exists()


def test_no_certificate_for_a_student_whose_personal_data_were_erased(office_client, enrollment):
    from django.utils import timezone

    enrollment.student.erased_at = timezone.now()
    enrollment.student.save(update_fields=["erased_at"])
    url = reverse("diplomas:enrollment-certificate", args=[enrollment.pk])
    assert (
        url not in office_client.get(reverse("students:student-detail", args=[enrollment.student_id])).content.decode()
    )
    assert office_client.post(url).status_code == 404
