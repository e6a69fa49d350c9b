"""The staff pages about one student: who reaches them, passport data, the detail page, create and edit."""

import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from mobility.foundation.access import OFFICE
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from programs.tests.factories import ModuleFactory
from students import services
from students.models import Enrollment, Student

from .factories import ModuleResultFactory
from .views_support import BIRTH, LIST, PASSPORT, S, _names

pytestmark = pytest.mark.django_db


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
    for text in (
        "Li Na",
        "李娜",
        "Ли На",
        "li.na@cq.example.cn",
        "MECH26",
        "Kinematics",
        "81",
        "admitted Li Na to MECH26",
    ):
        assert text in page
    progress = response.context["enrollments"][0]["progress"]
    assert (progress["required_passed"], progress["required"]) == (1, 2)
    assert (progress["hours_passed"], progress["hours_total"]) == (72, 118)
    assert (progress["credits_passed"], progress["credits_total"]) == (2, 4)
    # One of two required modules passed: "Complete" is not offered, and the page says why (the service's check).
    actions = [action.name for action in response.context["enrollments"][0]["actions"]]
    assert actions == ["withdraw", "fail"]
    [(label, reason)] = response.context["enrollments"][0]["refusals"]
    assert (label, reason) == ("Complete", "1 of 2 required modules passed; missing: MEC102.")
    assert reason in page
    # With the second one passed, the button is there and nothing is refused.
    ModuleResultFactory(enrollment=enrollment, module=track.modules.get(code="MEC102"), score=70, grade="3")
    row = office_client.get(f"/students/{li.pk}/").context["enrollments"][0]
    assert [action.name for action in row["actions"]] == ["complete", "withdraw", "fail"] and row["refusals"] == []


def test_detail_queries_do_not_grow_per_result(office_client, li, django_assert_max_num_queries):
    enrollment = li.enrollments.get()
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)
    for _ in range(8):
        ModuleResultFactory(enrollment=enrollment)
    with django_assert_max_num_queries(25):
        office_client.get(f"/students/{li.pk}/")


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
