"""The partner portal's nominations: a coordinator nominates one student (the form) or imports a roster (the office's
import, preview and all-or-nothing), for their college's open cohorts only, through the services the API uses."""

import datetime
import io

import pytest
from django.utils import timezone

from mobility.foundation.models import AuditEntry, WebhookDelivery, WebhookEndpoint
from mobility.tests.partnership import partnership
from programs.tests.factories import AgreementQuotaFactory, CohortFactory
from students import services
from students.models import Enrollment, Student
from students.tests.roster_files import ROWS, csv_bytes, person, rows_of, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # open cohorts depend on today

NOMINATE = "/partner/nominate/"
ROSTER = "/partner/roster/"


@pytest.fixture
def world():
    return partnership()


@pytest.fixture
def open_cohort(world):
    """A second cohort of college A, in another track, open for applications (no deadline), with a quota."""
    cohort = CohortFactory(host=world.host, partner=world.college_a, agreement=world.agreement_a)
    AgreementQuotaFactory(agreement=world.agreement_a, track=cohort.track, year=cohort.intake_year)
    return cohort


def login(client, world, role="coordinator-a", language="en"):
    client.force_login(world.user(role))
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def nomination(cohort, **fields):
    return {
        "cohort": cohort.pk,
        "family_name_han": "王",
        "given_name_han": "小明",
        "family_name_latin": "Wang",
        "given_name_latin": "Xiaoming",
        "family_name_cyrillic": "Ван",
        "given_name_cyrillic": "Сяомин",
        "home_student_id": "A-2027-001",
        "sex": "M",
        "citizenship": "cn",
        "email": "wang.xm@college-a.example.cn",
        "phone": "+86 23 1234 5678",
        "home_specialty": "机电一体化",
        "birth_date": "2006-04-02",
        "passport_number": "E99887766",
        # The college's attestation of the transfer consent, required with the passport number and the birth date.
        "transfer_consent": "1",
        "transfer_consent_on": "2026-01-10",
        **fields,
    }


def test_a_coordinator_nominates_a_student_through_the_services(client, world, open_cohort):
    login(client, world)
    hook = WebhookEndpoint.objects.create(
        institution=world.college_a,
        url="https://sis.college-a.example/hook",
        events=list(WebhookEndpoint.Event.values),
        secret="s" * 32,
    )
    page = client.get(NOMINATE)
    assert page.status_code == 200
    cohorts = list(page.context["form"].fields["cohort"].queryset)
    assert open_cohort in cohorts and world.cohort_a in cohorts and world.cohort_b not in cohorts
    assert b'data-transliterate-url="/partner/nominate/transliterate/"' in page.content

    response = client.post(NOMINATE, nomination(open_cohort))
    assert response.status_code == 302
    student = Student.objects.get(home_student_id="A-2027-001")
    assert student.home_institution == world.college_a
    assert (student.full_name_han, student.citizenship, student.passport_number) == ("王小明", "CN", "E99887766")
    assert student.birth_date == datetime.date(2006, 4, 2)
    enrollment = Enrollment.objects.get(student=student)
    assert (enrollment.cohort, enrollment.status, enrollment.source) == (open_cohort, "applied", "portal")
    assert enrollment.applied_on == timezone.localdate()
    coordinator = world.user("coordinator-a")
    entries = AuditEntry.objects.filter(action__in=("student.create", "enrollment.apply"))
    assert {(entry.action, entry.actor_id) for entry in entries} == {
        ("student.create", coordinator.pk),
        ("enrollment.apply", coordinator.pk),
    }
    assert entries.get(action="student.create").changes["passport_number"] == [None, "***"]
    # As through the API, an application is no webhook event; the office's decision on it is one, to the college.
    assert not WebhookDelivery.objects.exists()
    services.enrollment_admit(enrollment=enrollment, by=world.user("office"))
    delivery = WebhookDelivery.objects.get(event="application.decided")
    assert delivery.endpoint == hook and delivery.payload["data"]["enrollment_id"] == enrollment.pk
    assert delivery.payload["data"]["student"]["home_student_id"] == "A-2027-001"


def client_page_text(client, response) -> str:
    return " ".join(str(message) for message in client.get(response["Location"]).context["messages"])


def test_the_office_is_told_of_a_portal_application(client, world, open_cohort):
    from mobility.foundation.notifications.models import StaffNotification

    login(client, world)
    client.post(NOMINATE, nomination(open_cohort))
    notices = StaffNotification.objects.filter(kind="students.applications")
    assert notices.exists()  # one per member of the office
    assert all(notice.params["source"] == "portal" and notice.params["count"] == 1 for notice in notices)


def test_invalid_data_are_shown_on_the_form_in_the_coordinators_language(client, world, open_cohort):
    login(client, world, language="zh-hans")
    response = client.post(
        NOMINATE,
        nomination(
            open_cohort,
            family_name_latin="",
            email="not-an-email",
            passport_expires_on="2020-01-01",
            passport_issued_on="2021-01-01",
        ),  # fmt: skip
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"family_name_latin", "email"} <= set(form.errors)
    assert "此字段为必填项。" in form.errors["family_name_latin"]  # Django's own Chinese
    html = response.content.decode()
    assert "提名学生" in html  # the page itself in Chinese
    assert not Student.objects.filter(home_student_id="A-2027-001").exists()
    assert not Enrollment.objects.filter(source="portal").exists()


def test_a_service_refusal_writes_nothing(client, world, open_cohort):
    """The student would be created, then the application refused (a current enrollment in the track): neither."""
    login(client, world)
    other = Student.objects.create(
        home_institution=world.college_b, home_student_id="B1", family_name_latin="Li", given_name_latin="Lei",
        email="taken@example.cn",
    )  # fmt: skip
    response = client.post(NOMINATE, nomination(open_cohort, email=other.email.upper()))
    assert response.status_code == 400 and "email" in response.context["form"].errors
    student_a = world.student_a  # enrolled in cohort A of the track
    same_track = CohortFactory(track=world.track, host=world.host, partner=world.college_a)
    before = (Student.objects.count(), Enrollment.objects.count(), AuditEntry.objects.count())
    response = client.post(
        NOMINATE, nomination(same_track, home_student_id=student_a.home_student_id, phone="+86 1", email="")
    )
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "already has a current enrollment" in " ".join(errors.get("__all__", []) + errors.get("cohort", []))
    assert (Student.objects.count(), Enrollment.objects.count(), AuditEntry.objects.count()) == before
    student_a.refresh_from_db()
    assert student_a.phone != "+86 1"  # the update of the record was rolled back with the refused application


def test_a_cohort_of_another_college_or_a_closed_one_is_refused(client, world, open_cohort):
    login(client, world)
    closed = CohortFactory(
        host=world.host, partner=world.college_a, agreement=world.agreement_a, accepts_applications=False
    )
    past = CohortFactory(
        host=world.host,
        partner=world.college_a,
        agreement=world.agreement_a,
        application_deadline=timezone.localdate() - datetime.timedelta(days=1),
        end_date=timezone.localdate() + datetime.timedelta(days=90),
    )
    for cohort in (world.cohort_b, closed, past):
        response = client.post(NOMINATE, nomination(cohort))
        assert response.status_code == 400, cohort
        assert (
            "Choose one of your college's cohorts that accept applications."
            in response.context["form"].errors["cohort"]
        )
    assert not Student.objects.filter(home_student_id="A-2027-001").exists()
    # The deadline day itself is open.
    past.application_deadline = timezone.localdate()
    past.save(update_fields=["application_deadline"])
    assert client.post(NOMINATE, nomination(past)).status_code == 302


def test_observers_and_others_are_refused(client, world, open_cohort):
    login(client, world, "observer-a")
    for url in (NOMINATE, ROSTER, f"{NOMINATE}transliterate/?family=王", f"{ROSTER}template/"):
        assert client.get(url).status_code == 403, url
    assert client.post(NOMINATE, nomination(open_cohort)).status_code == 403
    assert not Student.objects.filter(home_student_id="A-2027-001").exists()
    page = client.get("/partner/")
    assert NOMINATE.encode() not in page.content and ROSTER.encode() not in page.content
    login(client, world, "coordinator-a")
    page = client.get("/partner/")
    assert NOMINATE.encode() in page.content and ROSTER.encode() in page.content
    login(client, world, "teacher-m")
    assert client.post(NOMINATE, nomination(open_cohort)).status_code == 403


def test_a_double_submit_makes_one_row(client, world, open_cohort):
    login(client, world)
    first = client.post(NOMINATE, nomination(open_cohort))
    second = client.post(NOMINATE, nomination(open_cohort))
    assert first.status_code == second.status_code == 302
    assert Student.objects.filter(home_student_id="A-2027-001").count() == 1
    assert Enrollment.objects.filter(cohort=open_cohort).count() == 1
    assert AuditEntry.objects.filter(action="enrollment.apply").count() == 1
    assert "is already in cohort" in client_page_text(client, second)


def test_an_existing_student_of_the_college_is_found_and_updated(client, world, open_cohort):
    login(client, world)
    student = Student.objects.create(
        home_institution=world.college_a, home_student_id="A-2027-001", family_name_latin="Wang",
        given_name_latin="Xiaoming", phone="",
    )  # fmt: skip
    response = client.post(NOMINATE, nomination(open_cohort, email=""))
    assert response.status_code == 302
    student.refresh_from_db()
    assert student.phone == "+86 23 1234 5678" and student.full_name_han == "王小明"
    assert Student.objects.filter(home_student_id="A-2027-001").count() == 1
    assert Enrollment.objects.get(student=student).cohort == open_cohort


def test_the_suggestions_are_the_office_forms(client, world):
    login(client, world)
    response = client.get(f"{NOMINATE}transliterate/", {"family": "王", "given": "小明"})
    data = response.json()
    assert (data["family_name_latin"], data["given_name_latin"]) == ("Wang", "Xiaoming")
    assert data["family_name_cyrillic"] == "Ван"


# --- the roster ---------------------------------------------------------------------------------------------------


def upload(client, data, cohort, *, name="roster.xlsx"):
    file = io.BytesIO(data)
    file.name = name
    return client.post(ROSTER, {"file": file, "cohort": cohort.pk, "encoding": "auto"})


def counts():
    return (Student.objects.count(), Enrollment.objects.count(), AuditEntry.objects.count())


def test_roster_upload_preview_and_apply(client, world, open_cohort):
    login(client, world)
    page = client.get(ROSTER)
    cohorts = list(page.context["form"].fields["cohort"].queryset)
    assert open_cohort in cohorts and world.cohort_b not in cohorts
    response = upload(client, csv_bytes(rows_of(ROWS)), open_cohort, name="名单.csv")
    assert response.status_code == 302 and response["Location"].startswith(ROSTER)
    preview = client.get(response["Location"])
    html = preview.content.decode()
    assert preview.status_code == 200 and "Confirm import" in html and "张伟" in html
    assert "were ignored" not in html  # passport columns: a partner writes them for its own students
    applied = client.post(response["Location"])
    assert applied.status_code == 302
    students = Student.objects.filter(home_student_id__in=["2026001", "2026002", "2026003"])
    assert students.count() == 3 and {s.home_institution for s in students} == {world.college_a}
    enrollments = Enrollment.objects.filter(student__in=students)
    assert {(e.cohort, e.status, e.source) for e in enrollments} == {(open_cohort, "applied", "import")}
    actors = set(AuditEntry.objects.filter(action="enrollment.apply").values_list("actor_id", flat=True))
    assert actors == {world.user("coordinator-a").pk}
    assert "3 students created" in client_page_text(client, applied)
    assert students.get(home_student_id="2026001").passport_number == "E2026001"


def test_a_roster_update_does_not_show_stored_passport_data(client, world, open_cohort):
    login(client, world)
    Student.objects.create(
        home_institution=world.college_a, home_student_id="2026001", family_name_latin="Zhang",
        given_name_latin="Wei", passport_number="G00000001",
    )  # fmt: skip
    preview_url = upload(client, xlsx(rows_of(ROWS[:1])), open_cohort)["Location"]
    html = client.get(preview_url).content.decode()
    assert "E2026001" in html and "G00000001" not in html and "***" in html
    client.post(preview_url)
    assert Student.objects.get(home_student_id="2026001").passport_number == "E2026001"


def test_a_roster_with_errors_changes_nothing(client, world, open_cohort):
    login(client, world)
    rows = rows_of(ROWS)
    rows[1]["e-mail"] = "not-an-email"
    before = counts()
    response = upload(client, xlsx(rows), open_cohort)
    preview_url = response["Location"]
    preview = client.get(preview_url)
    assert "Confirm import" not in preview.content.decode() and preview.context["preview"].has_errors
    assert client.post(preview_url).status_code == 400
    assert counts() == before


def test_a_row_of_another_college_is_refused(client, world, open_cohort):
    """A row naming another college, another college's cohort, or the e-mail of another college's student: row
    errors; a row naming the coordinator's own college is fine."""
    login(client, world)
    rows = rows_of(ROWS)
    for row in rows:
        row["college"] = world.college_a.code.lower()
    rows[0]["cohort code"] = world.cohort_b.code
    rows[1]["e-mail"] = world.student_b.email
    rows[2]["college"] = world.college_b.code
    before = counts()
    preview_url = upload(client, xlsx(rows), open_cohort)["Location"]
    preview = client.get(preview_url).context["preview"]
    errors = {error.row: (error.column, error.message) for error in preview.errors}
    assert set(errors) == {2, 3, 4}
    assert world.cohort_b.code in errors[2][1] and "another student" in errors[3][1]
    assert errors[4] == (
        "college",
        f"{world.college_b.code} is not {world.college_a.code}, the sending college of this import: "
        "a college nominates its own students.",
    )
    assert client.post(preview_url).status_code == 400
    assert counts() == before


def test_a_cohort_of_another_college_cannot_be_uploaded_to(client, world, open_cohort):
    login(client, world)
    response = upload(client, xlsx(rows_of(ROWS)), world.cohort_b)
    assert response.status_code == 400 and "cohort" in response.context["form"].errors
    # Nor reached by a token naming it: an upload whose cohort left the college's open ones is gone.
    response = upload(client, xlsx(rows_of(ROWS)), open_cohort)
    open_cohort.accepts_applications = False
    open_cohort.save(update_fields=["accepts_applications"])
    assert client.get(response["Location"]).status_code == 302
    assert client.post(response["Location"]).status_code in (302, 404)
    assert not Student.objects.filter(home_student_id="2026001").exists()


def test_the_roster_template_names_the_colleges_cohort(client, world):
    login(client, world)
    response = client.get(f"{ROSTER}template/", {"format": "csv", "cohort": world.cohort_a.pk})
    assert response.status_code == 200 and world.cohort_a.code in response.content.decode("utf-8-sig")
    response = client.get(f"{ROSTER}template/", {"format": "csv", "cohort": world.cohort_b.pk})
    assert world.cohort_b.code not in response.content.decode("utf-8-sig")


def test_another_coordinator_cannot_use_an_upload(client, world, open_cohort):
    login(client, world)
    preview_url = upload(client, xlsx([person("2026009", "赵", "六", "Zhao", "Liu")]), open_cohort)["Location"]
    login(client, world, "coordinator-b")
    assert client.get(preview_url).status_code == 404  # the token is in the other coordinator's session only


@pytest.mark.parametrize("size", [1, 60])
def test_the_roster_preview_reads_a_fixed_number_of_queries(
    client, world, open_cohort, size, django_assert_max_num_queries
):
    """Parsing reads set-wise (students/imports/roster/__init__.py): the same queries for 1 row and for 60."""
    login(client, world)
    rows = [person(f"20269{n:03d}", "张", "伟", "Zhang", "Wei") for n in range(size)]
    preview_url = upload(client, xlsx(rows), open_cohort)["Location"]
    with django_assert_max_num_queries(10):
        assert client.get(preview_url).status_code == 200


@pytest.mark.parametrize("cohorts", [1, 30])
def test_the_nomination_form_reads_a_fixed_number_of_queries(client, world, cohorts, django_assert_max_num_queries):
    for _ in range(cohorts):
        CohortFactory(host=world.host, partner=world.college_a)
    login(client, world)
    with django_assert_max_num_queries(8):
        assert client.get(NOMINATE).status_code == 200


# --- the attestation of the transfer consent (issue 18) ---------------------------------------------------------


def test_the_form_offers_the_published_versions_with_the_current_one_chosen(client, world, open_cohort):
    from students.tests.factories import ConsentTextFactory

    newer = ConsentTextFactory()
    login(client, world)
    form = client.get(NOMINATE).context["form"]
    versions = [value for value, _label in form.fields["transfer_consent"].choices]
    assert versions == [newer.version, newer.version - 1]
    assert form["transfer_consent"].value() == newer.version
    assert "consent to the transfer of personal data to Russia" in form.consent_statement


@pytest.mark.parametrize(
    ("fields", "on", "message"),
    [
        ({"transfer_consent_on": ""}, "transfer_consent_on", "only with the student's consent to their transfer"),
        ({"transfer_consent_on": "2099-01-01"}, "transfer_consent_on", "is in the future"),
        ({"transfer_consent": "9"}, "transfer_consent", "Select a valid choice"),
    ],
)
def test_passport_data_without_the_attestation_are_refused_and_nothing_is_written(
    client, world, open_cohort, fields, on, message
):
    from students.consent.models import Consent

    login(client, world)
    before = (Student.objects.count(), Enrollment.objects.count(), AuditEntry.objects.count(), Consent.objects.count())
    response = client.post(NOMINATE, nomination(open_cohort, **fields))
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors[on])
    assert (Student.objects.count(), Enrollment.objects.count(), AuditEntry.objects.count()) == before[:3]
    assert Consent.objects.count() == before[3]


def test_without_passport_data_no_attestation_is_needed(client, world, open_cohort):
    from students.consent.models import Consent

    login(client, world)
    body = nomination(open_cohort, birth_date="", passport_number="", transfer_consent_on="")
    assert client.post(NOMINATE, body).status_code == 302
    student = Student.objects.get(home_student_id="A-2027-001")
    assert not Consent.objects.filter(student=student).exists()


def test_the_attestation_is_recorded_with_channel_partner_portal(client, world, open_cohort):
    from students.consent.models import Consent

    login(client, world)
    assert client.post(NOMINATE, nomination(open_cohort)).status_code == 302
    consent = Consent.objects.get(student__home_student_id="A-2027-001", current=True)
    assert (consent.given_by, consent.channel, consent.collected_on, consent.text.version) == (
        Consent.GivenBy.COLLEGE,
        Consent.Channel.PARTNER_PORTAL,
        datetime.date(2026, 1, 10),
        1,
    )
    assert consent.actor == world.user("coordinator-a")


def test_the_refusal_is_in_the_coordinators_language(client, world, open_cohort):
    login(client, world, language="zh-hans")
    response = client.post(NOMINATE, nomination(open_cohort, transfer_consent_on=""))
    assert response.status_code == 400
    assert "请填写同意书的签署日期" in " ".join(response.context["form"].errors["transfer_consent_on"])


def test_a_roster_with_passport_data_and_no_consent_is_refused(client, world, open_cohort):
    login(client, world)
    rows = rows_of(ROWS)
    rows[0].update({"consent version": "", "consent date": ""})
    preview_url = upload(client, xlsx(rows), open_cohort)["Location"]
    page = client.get(preview_url)
    assert "consent to the transfer of personal data from China to Russia is missing" in page.content.decode()
    before = counts()
    client.post(preview_url)
    assert counts() == before
