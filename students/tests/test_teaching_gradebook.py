"""A teacher imports their module's column of the cohort's LMS gradebook: upload, pick the column (the cohort's
saved mapping first), preview, import all or nothing; only that module's results of that cohort's students are
written, audited as the teacher; the office's import code with its ``modules`` restriction."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.storage import default_storage
from django.urls import reverse

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.partnership import partnership
from programs.models import TeachingAssignment
from students.imports.base import read_table
from students.imports.gradebook import gradebook_import, gradebook_mapping_save, parse_gradebook
from students.models import Enrollment, GradebookMapping, ModuleResult

from .factories import EnrollmentFactory
from .gradebook_files import DAY, _named, gradebook_csv

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = partnership()
    world.newcomer = EnrollmentFactory(cohort=world.cohort_a, status=Enrollment.Status.ENROLLED)
    return world


def _items(world):
    return f"{world.module_m.code} exam", f"{world.module_n.code} exam"


def _file(world, *, m_newcomer="66", n_newcomer="77", m_a="80", m_b="50", quiz=None):
    m_item, n_item = _items(world)
    header = [
        "First name",
        "Last name",
        "ID number",
        "Email address",
        f"{m_item} (Percentage)",
        f"{n_item} (Percentage)",
    ]
    if quiz is not None:
        header[4] = f"{m_item} (Real)"
    rows = [
        ["Wei", "Zhang", "", world.newcomer.student.email, quiz or m_newcomer, n_newcomer],
        ["A", "Student", "", world.student_a.email, m_a, "99"],
        ["B", "Student", "", world.student_b.email, m_b, "99"],  # cohort B: not this cohort's
    ]
    return gradebook_csv(rows, header=header)


def _assignment(world, role="teacher-m"):
    return TeachingAssignment.objects.get(teacher=world.user(role))


def _upload(client, assignment, data):
    response = client.post(
        reverse("teaching:gradebook", args=[assignment.pk]), {"file": _named(data, "grades.csv"), "encoding": "auto"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"]


def _results(world):
    return sorted(ModuleResult.objects.values_list("enrollment_id", "module_id", "attempt", "score"))


def test_the_teacher_imports_their_module_s_column_only(client, world):
    teacher = world.user("teacher-m")
    client.force_login(teacher)
    assignment = _assignment(world)
    assert client.get(reverse("teaching:gradebook", args=[assignment.pk])).status_code == 200
    preview_url = _upload(client, assignment, _file(world))
    token = re.search(r"/gradebook/([0-9a-f-]{36})/", preview_url)[1]
    assert default_storage.exists(f"imports/tmp/{token}")
    m_item, n_item = _items(world)
    page = client.get(preview_url)
    assert page.status_code == 200
    form = page.context["form"]
    assert form["item"].value() == m_item  # suggested from the module's code
    assert [choice for choice, _label in form.fields["item"].choices] == [m_item, n_item]
    preview = page.context["preview"]
    assert [cell.module for row in preview.matched for cell in row.cells] == [world.module_m, world.module_m]
    assert page.context["counts"]["new"] == 1 and preview.can_apply
    before_n = list(ModuleResult.objects.filter(module=world.module_n).values_list("pk", "score"))

    response = client.post(preview_url, {"item": m_item, "max_points": "", "assessed_on": "2026-06-20"})
    assert response.status_code == 200, response.content.decode()[:3000]
    assert "result(s) saved" in response.content.decode()
    new = ModuleResult.objects.get(enrollment=world.newcomer, module=world.module_m)
    assert (new.score, new.source, new.recorded_by) == (Decimal("66.00"), ModuleResult.Source.LMS, teacher)
    assert ModuleResult.objects.get(enrollment=world.enrollment_a, module=world.module_m).score == 80  # unchanged
    assert not ModuleResult.objects.filter(enrollment=world.newcomer, module=world.module_n).exists()
    assert list(ModuleResult.objects.filter(module=world.module_n).values_list("pk", "score")) == before_n
    assert ModuleResult.objects.get(enrollment=world.enrollment_b, module=world.module_m).score == 80  # cohort B
    entry = AuditEntry.objects.get(action="result.record", object_id=str(world.newcomer.pk))
    assert entry.actor == teacher
    # the column picked is now the cohort's mapping of the module, saved as the teacher
    assert GradebookMapping.objects.get(cohort=world.cohort_a, item_name=m_item).module == world.module_m
    assert AuditEntry.objects.get(action="gradebook_mapping.save").actor == teacher
    assert not default_storage.exists(f"imports/tmp/{token}")


def test_the_cohort_s_saved_mapping_is_offered_first_and_other_modules_columns_are_not(client, world):
    m_item, n_item = _items(world)
    gradebook_mapping_save(
        cohort=world.cohort_a, by=world.user("office"), mapping={"Final": world.module_m, n_item: world.module_n}
    )
    header = ["First name", "Last name", "ID number", "Email address", "Final (Percentage)"]
    header += [f"{m_item} (Percentage)", f"{n_item} (Percentage)"]
    data = gradebook_csv([["Wei", "Zhang", "", world.newcomer.student.email, "70", "71", "72"]], header=header)
    client.force_login(world.user("teacher-m"))
    page = client.get(_upload(client, _assignment(world), data))
    form = page.context["form"]
    assert form["item"].value() == "Final"
    assert [choice for choice, _label in form.fields["item"].choices] == ["Final", m_item]
    # a posted column the cohort maps to module N is refused: nothing written
    response = client.post(page.request["PATH_INFO"], {"item": n_item, "assessed_on": "2026-06-20"})
    assert response.status_code == 400
    assert not ModuleResult.objects.filter(enrollment=world.newcomer).exists()
    assert GradebookMapping.objects.get(cohort=world.cohort_a, item_name=n_item).module == world.module_n
    # another column of M: saved as M's, the former one becomes "not a module"
    response = client.post(page.request["PATH_INFO"], {"item": m_item, "assessed_on": "2026-06-20"})
    assert response.status_code == 200
    assert ModuleResult.objects.get(enrollment=world.newcomer, module=world.module_m).score == 71
    saved = dict(GradebookMapping.objects.filter(cohort=world.cohort_a).values_list("item_name", "module_id"))
    assert saved == {"Final": None, m_item: world.module_m.pk, n_item: world.module_n.pk}


def test_errors_in_the_column_refuse_the_whole_import(client, world):
    client.force_login(world.user("teacher-m"))
    preview_url = _upload(client, _assignment(world), _file(world, m_a="eighty"))
    page = client.get(preview_url, HTTP_ACCEPT_LANGUAGE="ru")
    assert page.context["preview"].errors and "gradebook-errors" in page.content.decode()
    before = _results(world)
    response = client.post(preview_url, {"item": _items(world)[0], "assessed_on": "2026-06-20"})
    assert response.status_code == 400
    assert _results(world) == before


def test_a_points_column_asks_for_its_maximum(client, world):
    client.force_login(world.user("teacher-m"))
    preview_url = _upload(client, _assignment(world), _file(world, quiz="8", m_a="9", m_b="7"))
    m_item = _items(world)[0]
    page = client.get(preview_url)
    assert page.context["real"] and page.context["preview"].max_needed
    response = client.post(preview_url, {"item": m_item, "assessed_on": "2026-06-20"})
    assert response.status_code == 400 and not ModuleResult.objects.filter(enrollment=world.newcomer).exists()
    page = client.get(preview_url, {"item": m_item, "max_points": "10"})
    assert page.context["preview"].can_apply
    response = client.post(preview_url, {"item": m_item, "max_points": "10", "assessed_on": "2026-06-20"})
    assert response.status_code == 200
    assert ModuleResult.objects.get(enrollment=world.newcomer, module=world.module_m).score == 80


def test_another_teacher_cannot_use_the_upload_or_the_assignment(client, world):
    client.force_login(world.user("teacher-m"))
    preview_url = _upload(client, _assignment(world), _file(world))
    client.force_login(world.user("teacher-n"))
    assert client.get(preview_url).status_code == 404
    assert client.post(preview_url, {"item": _items(world)[0], "assessed_on": "2026-06-20"}).status_code == 404
    # their own assignment with the other's token: the upload is not theirs
    other = reverse("teaching:gradebook-preview", args=[_assignment(world, "teacher-n").pk, preview_url.split("/")[-2]])
    assert client.get(other)["Location"] == reverse("teaching:gradebook", args=[_assignment(world, "teacher-n").pk])
    assert not ModuleResult.objects.filter(enrollment=world.newcomer).exists()


def test_a_bad_file_is_refused_on_the_form(client, world):
    client.force_login(world.user("teacher-m"))
    response = client.post(
        reverse("teaching:gradebook", args=[_assignment(world).pk]),
        {"file": _named(b"%PDF-1.4 not a table", "grades.csv"), "encoding": "auto"},
    )
    assert response.status_code == 400 and "invalid-feedback" in response.content.decode()


def test_the_import_restricted_to_modules_refuses_a_mapping_to_another(world):
    table = read_table(_file(world))
    m_item, n_item = _items(world)
    with pytest.raises(DomainError) as refused:
        gradebook_import(
            table=table,
            cohort=world.cohort_a,
            by=world.user("teacher-m"),
            assessed_on=DAY,
            mapping={n_item: world.module_n},
            modules=[world.module_m],
        )
    assert refused.value.code == "wrong_module"
    preview = parse_gradebook(table, cohort=world.cohort_a, mapping={m_item: world.module_m}, modules=[world.module_m])
    assert preview.mapped_items == [(m_item, world.module_m)] and not preview.unmapped_items
