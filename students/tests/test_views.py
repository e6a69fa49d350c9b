"""The staff pages about students: list, detail, forms, the enrollment workflow, bulk actions and exports."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from mobility.foundation.access import OFFICE
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from programs.tests.factories import (
    AgreementFactory,
    AgreementQuotaFactory,
    CohortFactory,
    InstitutionFactory,
    ModuleFactory,
    TrackFactory,
)
from students import services
from students.models import Enrollment, Student

from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = pytest.mark.django_db

S = Enrollment.Status
LIST = "/students/"
PASSPORT = "E77665544"
BIRTH = datetime.date(2003, 11, 29)


@pytest.fixture
def li(cohort):
    """李娜 Li Na / Ли На, with passport data, applied to ``cohort``."""
    student = StudentFactory(
        home_institution=cohort.partner,
        home_student_id="CQ2026001",
        family_name_han="李",
        given_name_han="娜",
        family_name_latin="Li",
        given_name_latin="Na",
        family_name_cyrillic="Ли",
        given_name_cyrillic="На",
        email="li.na@cq.example.cn",
        passport_number=PASSPORT,
        birth_date=BIRTH,
    )
    EnrollmentFactory(student=student, cohort=cohort)
    return student


@pytest.fixture
def zhang():
    other = CohortFactory(code="SOFT26", track=TrackFactory(code="SOFT"), partner=InstitutionFactory(code="WHPC"))
    student = StudentFactory(
        home_institution=other.partner,
        home_student_id="WH-77",
        family_name_han="张",
        given_name_han="伟",
        family_name_latin="Zhang",
        given_name_latin="Wei",
        family_name_cyrillic="Чжан",
        given_name_cyrillic="Вэй",
        email="zhang.wei@wh.example.cn",
    )
    enrollment = EnrollmentFactory(student=student, cohort=other)
    services.enrollment_admit(enrollment=enrollment, by=None)
    return student


def _names(response) -> list[str]:
    return [student.full_name_latin for student in response.context["students"]]


# --- access -----------------------------------------------------------------------------------------------------


def _urls(student, enrollment):
    return [
        ("get", LIST),
        ("get", "/students/export.csv"),
        ("get", "/students/export.xlsx"),
        ("get", "/students/new/"),
        ("get", f"/students/{student.pk}/"),
        ("get", f"/students/{student.pk}/edit/"),
        ("get", f"/students/{student.pk}/apply/"),
        ("get", f"/students/enrollments/{enrollment.pk}/reject/"),
        ("post", f"/students/enrollments/{enrollment.pk}/admit/"),
        ("post", "/students/bulk/"),
    ]


def test_anonymous_visitors_go_to_the_login_page(client, li):
    for method, url in _urls(li, li.enrollments.get()):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"] == f"/accounts/login/?next={url}", url


def test_logged_in_non_staff_get_403(client, li):
    client.force_login(make_user("someone"))
    for method, url in _urls(li, li.enrollments.get()):
        assert getattr(client, method)(url).status_code == 403, url
    assert li.enrollments.get().status == S.APPLIED


def test_office_staff_reach_every_page(office_client, li):
    enrollment = li.enrollments.get()
    for method, url in _urls(li, enrollment)[:8]:
        assert getattr(office_client, method)(url).status_code == 200, url


def test_write_pages_need_their_permission(client, li):
    """Office staff without the add/change permissions may read but not write."""
    reader = make_user("reader")
    group = Group.objects.create(name="readers")
    reader.groups.add(group)
    # Not in an office group: the staff rule refuses first. In the office group minus the change permissions:
    office_group = Group.objects.get(name=OFFICE)
    reader.groups.add(office_group)
    client.force_login(reader)
    assert client.get(f"/students/{li.pk}/").status_code == 200
    office_group.permissions.remove(*office_group.permissions.filter(codename__in=["change_enrollment", "add_student"]))
    reader = get_user_model().objects.get(pk=reader.pk)  # fresh permission cache
    client.force_login(reader)
    enrollment = li.enrollments.get()
    assert client.post(f"/students/enrollments/{enrollment.pk}/admit/").status_code == 403
    assert client.post("/students/bulk/", {"action": "admit", "enrollment": [enrollment.pk]}).status_code == 403
    assert client.get("/students/new/").status_code == 403
    detail = client.get(f"/students/{li.pk}/")
    assert b"/admit/" not in detail.content and b"New student" not in detail.content
    assert Enrollment.objects.get(pk=enrollment.pk).status == S.APPLIED


def test_unknown_student_or_action_is_404(office_client, li):
    enrollment = li.enrollments.get()
    assert office_client.get("/students/999999/").status_code == 404
    assert office_client.post(f"/students/enrollments/{enrollment.pk}/explode/").status_code == 404
    assert office_client.get("/students/export.pdf").status_code == 404


# --- the list ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "张伟",
        "张",
        "伟",
        "Zhang Wei",
        "wei zhang",
        "ZHANG",
        "Чжан Вэй",
        "чжан",
        "вэй чжан",
        "WH-77",
        "wh-77",
        "zhang.wei@",
    ],
)
def test_search_by_any_script_id_or_email(office_client, li, zhang, query):
    response = office_client.get(LIST, {"q": query})
    assert _names(response) == ["Zhang Wei"]


def test_search_finds_the_other_student_and_nothing_for_nonsense(office_client, li, zhang):
    assert _names(office_client.get(LIST, {"q": "李娜"})) == ["Li Na"]
    assert _names(office_client.get(LIST, {"q": "Ли"})) == ["Li Na"]
    assert _names(office_client.get(LIST, {"q": "CQ2026001"})) == ["Li Na"]
    assert _names(office_client.get(LIST, {"q": "nobody"})) == []
    assert _names(office_client.get(LIST)) == ["Li Na", "Zhang Wei"]


def test_filters_partner_track_cohort_status(office_client, li, zhang, cohort):
    assert _names(office_client.get(LIST, {"partner": cohort.partner.pk})) == ["Li Na"]
    assert _names(office_client.get(LIST, {"track": cohort.track.pk})) == ["Li Na"]
    assert _names(office_client.get(LIST, {"cohort": cohort.pk})) == ["Li Na"]
    assert _names(office_client.get(LIST, {"status": "admitted"})) == ["Zhang Wei"]
    assert _names(office_client.get(LIST, {"status": "applied", "cohort": cohort.pk})) == ["Li Na"]
    assert _names(office_client.get(LIST, {"status": "admitted", "cohort": cohort.pk})) == []
    # A bad value is ignored, not an error page.
    assert _names(office_client.get(LIST, {"cohort": "abc", "status": "nope", "per_page": "7"})) == [
        "Li Na",
        "Zhang Wei",
    ]


def test_sorting_is_whitelisted(office_client, li, zhang):
    assert _names(office_client.get(LIST, {"sort": "-name"})) == ["Zhang Wei", "Li Na"]
    assert _names(office_client.get(LIST, {"sort": "home_id"})) == ["Li Na", "Zhang Wei"]
    assert _names(office_client.get(LIST, {"sort": "-home_id"})) == ["Zhang Wei", "Li Na"]
    assert _names(office_client.get(LIST, {"sort": "institution"})) == ["Li Na", "Zhang Wei"]
    assert _names(office_client.get(LIST, {"sort": "-institution"})) == ["Zhang Wei", "Li Na"]
    assert _names(office_client.get(LIST, {"sort": "passport_number"})) == ["Li Na", "Zhang Wei"]


def test_pagination_and_page_size(office_client, cohort):
    StudentFactory.create_batch(60, home_institution=cohort.partner)
    first = office_client.get(LIST)
    assert len(first.context["students"]) == 50 and first.context["page_obj"].paginator.num_pages == 2
    second = office_client.get(LIST, {"page": 2})
    assert len(second.context["students"]) == 10
    assert len(office_client.get(LIST, {"per_page": 25}).context["students"]) == 25
    assert len(office_client.get(LIST, {"per_page": 100}).context["students"]) == 60
    assert b"page=2" in first.content


def test_list_shows_names_institution_and_enrollment_badges(office_client, li):
    page = office_client.get(LIST).content.decode()
    for text in ("Li Na", "李娜", "Ли На", "CQEVTC", "CQ2026001", "MECH26", "applied"):
        assert text in page
    assert f'name="enrollment" value="{li.enrollments.get().pk}"' in page
    assert 'name="csrfmiddlewaretoken"' in page


def test_list_escapes_user_data(office_client, cohort):
    StudentFactory(home_institution=cohort.partner, family_name_latin="<script>alert(1)</script>")
    page = office_client.get(LIST).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def _populate(count):
    cohorts = [CohortFactory(), CohortFactory()]
    for index in range(count):
        cohort = cohorts[index % 2]
        student = StudentFactory(home_institution=cohort.partner)
        EnrollmentFactory(student=student, cohort=cohort)


LIST_QUERIES = 11
EXPORT_QUERIES = 7


@pytest.mark.parametrize("count", [5, 60])
def test_the_list_runs_a_fixed_number_of_queries(office_client, django_assert_num_queries, count):
    """session, user, office-group check, permission lookups, 3 filter selects, count, page, enrollments (with
    cohort and track): the same for 5 or 60 students (page size 200)."""
    _populate(count)
    office_client.get(LIST)  # the first request of a process fills Django's caches (content types)
    with django_assert_num_queries(LIST_QUERIES):
        response = office_client.get(LIST, {"per_page": 200})
    assert len(response.context["students"]) == count


# --- passport data ----------------------------------------------------------------------------------------------


def test_office_user_never_receives_passport_data(office_client, li):
    for url in (LIST, f"/students/{li.pk}/", f"/students/{li.pk}/edit/", "/students/export.csv"):
        content = b"".join(office_client.get(url).streaming_content) if url.endswith(".csv") else None
        content = content or office_client.get(url).content
        assert PASSPORT.encode() not in content, url
        assert b"2003-11-29" not in content and b"29.11.2003" not in content and b"Nov. 29, 2003" not in content, url
    workbook = openpyxl.load_workbook(io.BytesIO(office_client.get("/students/export.xlsx").content))
    cells = [str(cell) for row in workbook.active.iter_rows(values_only=True) for cell in row]
    assert PASSPORT not in cells and not any("2003-11-29" in cell for cell in cells)
    # Searching for the passport number does not reveal who holds it.
    assert _names(office_client.get(LIST, {"q": PASSPORT})) == []


def test_office_admin_sees_passport_data(office_admin_client, li):
    detail = office_admin_client.get(f"/students/{li.pk}/").content.decode()
    assert PASSPORT in detail and "2003-11-29" in detail
    assert f'value="{PASSPORT}"' in office_admin_client.get(f"/students/{li.pk}/edit/").content.decode()


def test_office_user_cannot_write_passport_data_with_a_crafted_post(office_client, li):
    data = _form_data(li) | {"passport_number": "HACKED1", "birth_date": "1999-01-01"}
    response = office_client.post(f"/students/{li.pk}/edit/", data)
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.passport_number == PASSPORT and li.birth_date == BIRTH


# --- detail -----------------------------------------------------------------------------------------------------


def test_detail_shows_enrollments_results_progress_diplomas_and_history(office_client, office, li):
    track = li.enrollments.get().track
    required = ModuleFactory(track=track, code="MEC101", title_en="Kinematics", hours=72, credits=2)
    ModuleFactory(track=track, code="MEC102", hours=36, credits=1)
    ModuleFactory(track=track, code="MEC900", hours=10, credits=1, is_required=False)
    enrollment = li.enrollments.get()
    services.enrollment_admit(enrollment=enrollment, by=office)
    services.enrollment_enroll(enrollment=enrollment, by=office)
    ModuleResultFactory(enrollment=enrollment, module=required, score=81, grade="4")
    response = office_client.get(f"/students/{li.pk}/")
    page = response.content.decode()
    for text in ("Li Na", "李娜", "Ли На", "li.na@cq.example.cn", "MECH26", "Kinematics", "81", "enrollment.admitted"):
        assert text in page
    progress = response.context["enrollments"][0]["progress"]
    assert (progress["required_passed"], progress["required"]) == (1, 2)
    assert (progress["hours_passed"], progress["hours_total"]) == (72, 118)
    assert (progress["credits_passed"], progress["credits_total"]) == (2, 4)
    actions = [action.name for action in response.context["enrollments"][0]["actions"]]
    assert actions == ["complete", "withdraw", "fail"]


def test_detail_queries_do_not_grow_per_result(office_client, li, django_assert_max_num_queries):
    enrollment = li.enrollments.get()
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)
    for _ in range(8):
        ModuleResultFactory(enrollment=enrollment)
    with django_assert_max_num_queries(25):
        office_client.get(f"/students/{li.pk}/")


# --- create and edit --------------------------------------------------------------------------------------------


def _form_data(student, **changes):
    data = {
        "family_name_han": student.family_name_han,
        "given_name_han": student.given_name_han,
        "family_name_latin": student.family_name_latin,
        "given_name_latin": student.given_name_latin,
        "family_name_cyrillic": student.family_name_cyrillic,
        "given_name_cyrillic": student.given_name_cyrillic,
        "sex": student.sex,
        "citizenship": student.citizenship,
        "email": student.email,
        "phone": student.phone,
        "home_institution": student.home_institution_id,
        "home_student_id": student.home_student_id,
        "home_specialty": student.home_specialty,
    }
    return data | changes


def test_create_student(office_client, cohort):
    data = _form_data(
        Student(home_institution=cohort.partner, citizenship="cn", sex="F"),
        family_name_han="王",
        given_name_han="芳",
        family_name_latin="Wang",
        given_name_latin="Fang",
        home_student_id="CQ-NEW-1",
        email="wang.fang@cq.example.cn",
    )
    response = office_client.post("/students/new/", data)
    student = Student.objects.get(home_student_id="CQ-NEW-1")
    assert response.status_code == 302 and response["Location"] == f"/students/{student.pk}/"
    assert student.citizenship == "CN" and student.full_name_han == "王芳"
    entry = AuditEntry.objects.get(action="student.create", object_id=str(student.pk))
    assert entry.changes["family_name_latin"] == [None, "Wang"]


def test_create_refuses_a_duplicate_home_id_and_email_next_to_the_field(office_client, li):
    data = _form_data(li, given_name_latin="Other", email="LI.NA@cq.example.cn")
    response = office_client.post("/students/new/", data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert errors["home_student_id"] and errors["email"] and "__all__" not in errors
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert Student.objects.count() == 1


def test_edit_student_writes_an_audit_entry_with_old_and_new(office_client, li):
    response = office_client.post(f"/students/{li.pk}/edit/", _form_data(li, phone="+86 138 0000 0000"))
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.phone == "+86 138 0000 0000"
    entry = AuditEntry.objects.get(action="student.change")
    assert entry.changes == {"phone": ["", "+86 138 0000 0000"]}
    assert "+86 138 0000 0000" in office_client.get(f"/students/{li.pk}/").content.decode()


def test_edit_with_errors_saves_nothing(office_client, li):
    response = office_client.post(
        f"/students/{li.pk}/edit/", _form_data(li, family_name_latin="", email="not-an-email", phone="123")
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert "family_name_latin" in errors and "email" in errors
    li.refresh_from_db()
    assert li.family_name_latin == "Li" and li.phone == ""
    assert not AuditEntry.objects.filter(action="student.change").exists()


def test_office_admin_edits_passport_but_the_audit_log_keeps_no_value(office_admin_client, li):
    response = office_admin_client.post(
        f"/students/{li.pk}/edit/", _form_data(li, passport_number="E00000001", birth_date="2003-11-29")
    )
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.passport_number == "E00000001"
    entry = AuditEntry.objects.get(action="student.change")
    assert entry.changes == {"passport_number": ["***", "***"]}


def test_unchanged_form_writes_no_audit_entry(office_client, li):
    assert office_client.post(f"/students/{li.pk}/edit/", _form_data(li)).status_code == 302
    assert not AuditEntry.objects.filter(action="student.change").exists()


# --- applications -----------------------------------------------------------------------------------------------


def test_apply_to_a_cohort_of_the_home_institution(office_client, li, cohort):
    other_track = CohortFactory(code="IND26", track=TrackFactory(code="IND"), partner=cohort.partner)
    CohortFactory(code="CLOSED", partner=cohort.partner, accepts_applications=False)
    CohortFactory(code="FOREIGN")
    form = office_client.get(f"/students/{li.pk}/apply/").context["form"]
    assert {c.code for c in form.fields["cohort"].queryset} == {"MECH26", "IND26"}
    response = office_client.post(f"/students/{li.pk}/apply/", {"cohort": other_track.pk})
    assert response.status_code == 302
    assert li.enrollments.filter(cohort=other_track, status=S.APPLIED).exists()


def test_apply_refusal_is_shown_next_to_the_field(office_client, li, cohort):
    # Already applied to this track: the service refuses.
    response = office_client.post(f"/students/{li.pk}/apply/", {"cohort": cohort.pk})
    assert response.status_code == 200
    assert "already has a current enrollment" in " ".join(response.context["form"].non_field_errors())
    # A cohort not offered is a field error.
    response = office_client.post(f"/students/{li.pk}/apply/", {"cohort": CohortFactory(code="ELSE").pk})
    assert response.context["form"].errors["cohort"]
    assert li.enrollments.count() == 1


# --- transitions ------------------------------------------------------------------------------------------------


def _post(client, enrollment, action, reason=None):
    data = {} if reason is None else {"reason": reason}
    return client.post(f"/students/enrollments/{enrollment.pk}/{action}/", data, follow=True)


def _status(enrollment):
    return Enrollment.objects.get(pk=enrollment.pk).status


@pytest.mark.parametrize(
    ("steps", "action", "reason", "expected"),
    [
        ([], "admit", None, S.ADMITTED),
        ([], "reject", "Documents incomplete", S.REJECTED),
        (["admit"], "enroll", None, S.ENROLLED),
        (["admit"], "withdraw", "Moved to another program", S.WITHDRAWN),
        (["admit", "enroll"], "fail", "Did not attend", S.FAILED),
        (["admit", "enroll"], "complete", None, S.COMPLETED),
    ],
)
def test_each_allowed_transition(office_client, li, steps, action, reason, expected):
    enrollment = li.enrollments.get()
    for step in steps:
        assert _status(enrollment) != expected
        _post(office_client, enrollment, step)
    response = _post(office_client, enrollment, action, reason)
    assert response.redirect_chain[-1][0] == f"/students/{li.pk}/"
    assert _status(enrollment) == expected
    entry = AuditEntry.objects.filter(action=f"enrollment.{expected}", object_id=str(enrollment.pk)).get()
    assert entry.actor.username == "clerk" and entry.reason == (reason or "")
    assert "alert-success" in response.content.decode()


def test_a_refused_transition_shows_why_and_changes_nothing(office_client, li):
    enrollment = li.enrollments.get()
    response = _post(office_client, enrollment, "complete")
    page = response.content.decode()
    assert _status(enrollment) == S.APPLIED
    assert "alert-danger" in page and "cannot become" in page


@pytest.mark.parametrize("action", ["reject", "withdraw", "fail"])
def test_reason_is_required(office_client, li, action):
    enrollment = li.enrollments.get()
    if action != "reject":
        services.enrollment_admit(enrollment=enrollment, by=None)
    if action == "fail":
        services.enrollment_enroll(enrollment=enrollment, by=None)
    before = _status(enrollment)
    confirm = office_client.get(f"/students/enrollments/{enrollment.pk}/{action}/")
    assert confirm.status_code == 200 and b'name="reason"' in confirm.content
    response = office_client.post(f"/students/enrollments/{enrollment.pk}/{action}/", {"reason": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert "invalid-feedback" in response.content.decode() and "is-invalid" in response.content.decode()
    assert _status(enrollment) == before


def test_complete_refusal_lists_the_missing_modules(office_client, li):
    enrollment = li.enrollments.get()
    ModuleFactory(track=enrollment.track, code="MEC201", title_en="Hydraulics")
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)
    page = _post(office_client, enrollment, "complete").content.decode()
    assert _status(enrollment) == S.ENROLLED
    assert "MEC201" in page and "Hydraulics" in page


def _quota_setup(places):
    agreement = AgreementFactory(number="AGR-CQ-2026")
    track = TrackFactory(code="MECHQ")
    AgreementQuotaFactory(agreement=agreement, track=track, year=2026, places=places)
    return CohortFactory(code="Q26", track=track, partner=agreement.partner, host=agreement.host, agreement=agreement)


def test_admit_refused_by_the_quota_shows_the_quota(office_client):
    cohort = _quota_setup(places=1)
    first, second = EnrollmentFactory(cohort=cohort), EnrollmentFactory(cohort=cohort)
    _post(office_client, first, "admit")
    page = _post(office_client, second, "admit").content.decode()
    assert _status(second) == S.APPLIED
    assert "The quota of agreement AGR-CQ-2026 for MECHQ in 2026 is used up (1 of 1)." in page


# --- bulk actions -----------------------------------------------------------------------------------------------


def test_bulk_admit_reports_successes_and_refusals_per_student(office_client):
    cohort = _quota_setup(places=3)
    enrollments = [EnrollmentFactory(cohort=cohort) for _ in range(5)]
    response = office_client.post(
        "/students/bulk/",
        {"action": "admit", "enrollment": [e.pk for e in enrollments], "next": "/students/?q=Zhang"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/students/?q=Zhang"
    statuses = [_status(e) for e in enrollments]
    assert statuses.count(S.ADMITTED) == 3 and statuses.count(S.APPLIED) == 2
    message = [str(m) for m in response.context["messages"]][0]
    assert message.startswith("Admitted 3; refused 2: ")
    assert "used up (3 of 3)" in message
    refused = [e for e in enrollments if _status(e) == S.APPLIED]
    assert all(str(e.student) in message for e in refused)


def test_bulk_reject_needs_a_reason_and_applies_it(office_client, li, zhang):
    ids = [e.pk for e in Enrollment.objects.all()]
    response = office_client.post("/students/bulk/", {"action": "reject", "enrollment": ids}, follow=True)
    assert "reason is required" in response.content.decode()
    assert set(Enrollment.objects.values_list("status", flat=True)) == {S.APPLIED, S.ADMITTED}
    office_client.post("/students/bulk/", {"action": "reject", "enrollment": ids, "reason": "Quota of the year"})
    assert set(Enrollment.objects.values_list("status_reason", flat=True)) == {"Quota of the year"}
    assert set(Enrollment.objects.values_list("status", flat=True)) == {S.REJECTED}


def test_bulk_with_nothing_selected_or_unknown_ids(office_client, li):
    response = office_client.post("/students/bulk/", {"action": "admit"}, follow=True)
    assert "Select at least one application." in response.content.decode()
    response = office_client.post("/students/bulk/", {"action": "enroll", "enrollment": ["999999"]}, follow=True)
    assert "not found" in response.content.decode()
    # An outside redirect target is ignored.
    response = office_client.post(
        "/students/bulk/", {"action": "admit", "enrollment": [li.enrollments.get().pk], "next": "https://evil.example/"}
    )
    assert response["Location"] == LIST


# --- exports ----------------------------------------------------------------------------------------------------


def _csv(client, query=""):
    response = client.get(f"/students/export.csv{query}")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export_applies_filters_and_keeps_chinese(office_client, li, zhang):
    rows = _csv(office_client)
    assert rows[0][:6] == [
        "Name (Latin)",
        "Name (Han)",
        "Name (Cyrillic)",
        "Home institution",
        "Home student id",
        "Enrollments",
    ]
    assert "Passport number" not in rows[0] and "Birth date" not in rows[0]
    assert [row[0] for row in rows[1:]] == ["Li Na", "Zhang Wei"]
    assert rows[1][1] == "李娜" and rows[1][2] == "Ли На" and rows[1][5] == "MECH26: applied"
    assert rows[1][6] == "li.na@cq.example.cn"
    filtered = _csv(office_client, "?q=张伟&sort=-name")
    assert [row[1] for row in filtered[1:]] == ["张伟"]


def test_csv_export_has_sensitive_columns_only_for_office_admin(office_admin_client, li):
    rows = _csv(office_admin_client)
    header = rows[0]
    assert header[-4:] == ["Birth date", "Passport number", "Passport issued on", "Passport expires on"]
    assert rows[1][header.index("Passport number")] == PASSPORT
    assert rows[1][header.index("Birth date")] == "2003-11-29"


def test_csv_export_neutralises_formulas(office_client, cohort):
    StudentFactory(home_institution=cohort.partner, home_specialty='=HYPERLINK("http://x")')
    rows = _csv(office_client)
    assert rows[1][8].startswith("'=")


def test_xlsx_export(client, li, zhang, office, office_admin):
    client.force_login(office)
    response = client.get("/students/export.xlsx", {"status": "admitted"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "Name (Latin)" and "Passport number" not in rows[0]
    assert [row[:2] for row in rows[1:]] == [("Zhang Wei", "张伟")]
    client.force_login(office_admin)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/students/export.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]
    li_row = next(row for row in rows if row[0] == "Li Na")
    assert li_row[header.index("Passport number")] == PASSPORT
    assert li_row[header.index("Birth date")].date() == BIRTH


@pytest.mark.parametrize("count", [5, 60])
def test_exports_run_a_fixed_number_of_queries(office_client, django_assert_num_queries, count):
    _populate(count)
    office_client.get(LIST)  # the first request of a process fills Django's caches (content types)
    with django_assert_num_queries(EXPORT_QUERIES):
        response = office_client.get("/students/export.csv")
        rows = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == count + 1
