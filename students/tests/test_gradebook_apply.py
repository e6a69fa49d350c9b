"""The LMS gradebook import, writing: the all-or-nothing import, points out of an item's maximum, and
``manage.py import_grades`` (a refused run changes nothing; a dry run checks what the real run checks)."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from students import services
from students.imports.gradebook import apply_gradebook, gradebook_mapping_save
from students.models import GradebookMapping, ModuleResult

from .gradebook_files import CAD, DAY, PLC, QUIZ, gradebook_csv, line, mapped, preview_of, rows_ok, upload

pytestmark = pytest.mark.django_db


def test_apply_records_results_and_a_reimport_changes_nothing(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    services.result_record(
        enrollment=gradebook_cohort["wang"],
        module=gradebook_cohort["plc"],
        by=office,
        assessed_on=DAY,
        score=Decimal("40"),
    )
    data = gradebook_csv(rows_ok())
    outcome = apply_gradebook(preview_of(data, gradebook_cohort["cohort"]), by=office, assessed_on=DAY)
    assert (outcome.written, outcome.new, outcome.changed) == (4, 3, 1)
    li_plc = ModuleResult.objects.get(enrollment=gradebook_cohort["li"], module=gradebook_cohort["plc"])
    assert (li_plc.score, li_plc.grade, li_plc.source, li_plc.attempt) == (Decimal("78.50"), "4", "lms", 1)
    wang = ModuleResult.objects.get(enrollment=gradebook_cohort["wang"], module=gradebook_cohort["plc"])
    assert (wang.score, wang.attempt, wang.grade) == (Decimal("59.99"), 1, "2")  # the attempt is corrected
    results, entries = ModuleResult.objects.count(), AuditEntry.objects.count()
    again = apply_gradebook(
        preview_of(data, gradebook_cohort["cohort"]), by=office, assessed_on=datetime.date(2026, 7, 1)
    )
    assert again.written == 0 and again.unchanged == 4
    assert (ModuleResult.objects.count(), AuditEntry.objects.count()) == (results, entries)


def test_a_bad_last_row_saves_nothing(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    rows = [*rows_ok(), line("Bad", "Row", "", "bad@example.cn", plc="eighty")]
    results, entries = ModuleResult.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DomainError, match="1 error"):
        apply_gradebook(preview_of(gradebook_csv(rows), gradebook_cohort["cohort"]), by=office, assessed_on=DAY)
    assert (ModuleResult.objects.count(), AuditEntry.objects.count()) == (results, entries)


def test_a_refusal_in_the_middle_rolls_back_every_row(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    preview = preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"])
    services.enrollment_withdraw(enrollment=gradebook_cohort["zhao"], by=office, reason="left")  # after the preview
    preview.matched[-1].enrollment.refresh_from_db()
    results, entries = ModuleResult.objects.count(), AuditEntry.objects.count()
    with pytest.raises(DomainError):
        apply_gradebook(preview, by=office, assessed_on=DAY)
    assert (ModuleResult.objects.count(), AuditEntry.objects.count()) == (results, entries)


def test_apply_refuses_unmapped_items(gradebook_cohort, office):
    with pytest.raises(DomainError, match="Map these gradebook items"):
        apply_gradebook(preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"]), by=office, assessed_on=DAY)
    assert not ModuleResult.objects.exists()


def run(*args):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_grades", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def test_command_refuses_unmapped_items_then_maps_and_imports(gradebook_cohort, office, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv(rows_ok()))
    with pytest.raises(CommandError, match=f"not mapped for cohort MECH26: {QUIZ}, {PLC}, {CAD}"):
        run(str(path), "--cohort", "MECH26")
    maps = ["--map", f"{QUIZ}=-", "--map", f"{PLC}=PLC", "--map", f"{CAD}=cad"]
    output = run(str(path), "--cohort", "MECH26", "--dry-run", *maps)
    assert "3 matched" in output and "would be saved" in output
    assert not ModuleResult.objects.exists() and not GradebookMapping.objects.exists()  # a dry run saves nothing
    output = run(str(path), "--cohort", "MECH26", *maps, "--by", "clerk", "--date", "2026-06-20")
    assert "4 result(s) saved" in output
    assert ModuleResult.objects.filter(recorded_by=office, assessed_on=DAY).count() == 4
    output = run(str(path), "--cohort", "MECH26")  # the mapping is saved now; a re-import changes nothing
    assert "0 result(s) saved" in output


def test_command_errors_exit_non_zero_and_save_nothing(gradebook_cohort, office, tmp_path):
    mapped(gradebook_cohort, office)
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv([*rows_ok(), line("Bad", "Row", "", "x@y.cn", plc="n/a")]))
    with pytest.raises(CommandError, match="1 error"):
        run(str(path), "--cohort", "MECH26")
    assert not ModuleResult.objects.exists()
    with pytest.raises(CommandError, match="No cohort"):
        run(str(path), "--cohort", "NOPE")
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(CommandError, match="empty"):
        run(str(empty), "--cohort", "MECH26")
    with pytest.raises(CommandError, match="No module XYZ"):
        run(str(path), "--cohort", "MECH26", "--map", f"{PLC}=XYZ")


def test_a_passed_result_is_kept_and_a_failed_attempt_is_corrected(gradebook_cohort, office):
    """The attempt rule of students/imports/gradebook.py, end to end with a file."""
    mapped(gradebook_cohort, office)
    services.result_record(
        enrollment=gradebook_cohort["li"], module=gradebook_cohort["plc"], by=office, assessed_on=DAY, score=95
    )
    services.result_record(
        enrollment=gradebook_cohort["wang"], module=gradebook_cohort["plc"], by=office, assessed_on=DAY, score=30
    )
    services.result_record(
        enrollment=gradebook_cohort["wang"],
        module=gradebook_cohort["plc"],
        by=office,
        assessed_on=DAY,
        score=40,
        attempt=2,
    )
    outcome = apply_gradebook(
        preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"]), by=office, assessed_on=DAY
    )
    assert (outcome.new, outcome.changed, outcome.kept) == (2, 1, 1)
    li = ModuleResult.objects.get(enrollment=gradebook_cohort["li"], module=gradebook_cohort["plc"])
    assert (li.score, li.source) == (Decimal("95.00"), "manual")  # passed: the LMS does not replace it
    wang = ModuleResult.objects.filter(enrollment=gradebook_cohort["wang"], module=gradebook_cohort["plc"]).order_by(
        "attempt"
    )
    assert [(r.attempt, r.score, r.source) for r in wang] == [
        (1, Decimal("30.00"), "manual"),
        (2, Decimal("59.99"), "lms"),  # the latest, failed attempt is corrected; no attempt 3
    ]


def quiz_out_of_10():
    """The quiz of the issue: out of 10 in Moodle, exported as Real points."""
    return [
        line("Na", "Li", "2026001", "li.na@cqevtc.cn", quiz="8.50", plc="78.50"),
        line("Fang", "Wang", "", "wang.fang@cqevtc.cn", quiz="9.00", plc="59.99"),
        line("Lei", "Zhao", "2026003", "zhao.lei@cqevtc.cn", quiz="6", plc="75"),
    ]


def quiz_mapped(gradebook_cohort, office):
    mapping = {QUIZ: gradebook_cohort["safe"], PLC: gradebook_cohort["plc"], CAD: None}
    gradebook_mapping_save(cohort=gradebook_cohort["cohort"], by=office, mapping=mapping)


def test_a_real_item_whose_grades_look_like_points_out_of_less_than_100_asks_for_its_maximum(gradebook_cohort, office):
    quiz_mapped(gradebook_cohort, office)
    preview = preview_of(gradebook_csv(quiz_out_of_10()), gradebook_cohort["cohort"])
    assert preview.max_needed == [QUIZ]  # best grade 9 of "100": not plausible; PLC's best is 78.50
    assert not preview.can_apply
    with pytest.raises(DomainError, match="Give the maximum points of “Quiz: Week 1”: their best grade") as refused:
        apply_gradebook(preview, by=office, assessed_on=DAY)
    assert refused.value.code == "max_needed"
    assert not ModuleResult.objects.exists()


def test_points_are_converted_to_percent_with_the_items_maximum(gradebook_cohort, office):
    gradebook_mapping_save(
        cohort=gradebook_cohort["cohort"],
        by=office,
        mapping={QUIZ: gradebook_cohort["safe"], PLC: gradebook_cohort["plc"], CAD: None},
        maxima={QUIZ: Decimal("10")},
    )
    assert AuditEntry.objects.latest("pk").changes[QUIZ] == [None, "SAFE@10"]
    preview = preview_of(gradebook_csv(quiz_out_of_10()), gradebook_cohort["cohort"])
    assert preview.max_needed == [] and preview.errors == []
    quiz = {r.student.family_name_latin: next(c for c in r.cells if c.item == QUIZ) for r in preview.matched}
    assert [(c.raw, c.max_points, c.score, c.grade) for c in quiz.values()] == [
        (Decimal("8.50"), Decimal("10.00"), Decimal("85.00"), "pass"),
        (Decimal("9.00"), Decimal("10.00"), Decimal("90.00"), "pass"),
        (Decimal("6.00"), Decimal("10.00"), Decimal("60.00"), "pass"),
    ]
    plc = next(c for c in preview.matched[0].cells if c.item == PLC)
    assert (plc.raw, plc.score, plc.converted) == (Decimal("78.50"), Decimal("78.50"), False)  # out of 100
    apply_gradebook(preview, by=office, assessed_on=DAY)
    assert ModuleResult.objects.get(
        enrollment=gradebook_cohort["li"], module=gradebook_cohort["safe"]
    ).score == Decimal("85.00")
    # A grade above the maximum is an error at its row and column.
    rows = quiz_out_of_10()
    rows[1][6] = "10.50"
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert [(e.row, e.column, e.message) for e in preview.errors] == [
        (3, f"{QUIZ} (Real)", "Score 10.50 is outside 0–10.")
    ]


def test_the_preview_asks_for_the_maximum_and_shows_the_converted_score(client, gradebook_cohort, office):
    quiz_mapped(gradebook_cohort, office)
    client.force_login(office)
    location = upload(client, gradebook_cohort["cohort"], gradebook_csv(quiz_out_of_10()))["Location"]
    assert location.endswith("/mapping/")  # all items are mapped, but the quiz's maximum is asked
    page = client.get(location)
    html = page.content.decode()
    assert "Give the maximum points of “Quiz: Week 1”" in html and "best grade in the file: 9.00" in html
    form = page.context["form"]
    data = {name: field.initial or "" for name, field in form.fields.items() if name.startswith("item_")}
    index = form.items.index(QUIZ)
    assert f"max_{index}" in form.fields and f"max_{form.items.index(CAD)}" not in form.fields  # a percentage
    response = client.post(location, {**data, f"max_{index}": "10"})
    assert response.status_code == 302 and response["Location"].endswith("/preview/")
    assert GradebookMapping.objects.get(item_name=QUIZ).max_points == Decimal("10.00")
    html = client.get(response["Location"]).content.decode()
    assert "8.50/10 →</span> 85 ·" in html and "points out of 10" in html  # the score without trailing zeros
    response = client.post(response["Location"], {"assessed_on": "2026-06-20", "confirm": "1"})
    assert response.status_code == 200
    assert ModuleResult.objects.get(
        enrollment=gradebook_cohort["li"], module=gradebook_cohort["safe"]
    ).score == Decimal("85.00")


def test_the_preview_has_a_maximum_field_per_mapped_real_item(client, gradebook_cohort, office):
    mapping = {QUIZ: gradebook_cohort["safe"], PLC: gradebook_cohort["plc"], CAD: gradebook_cohort["cad"]}
    gradebook_mapping_save(cohort=gradebook_cohort["cohort"], by=office, mapping=mapping, maxima={QUIZ: Decimal(10)})
    client.force_login(office)
    location = upload(client, gradebook_cohort["cohort"], gradebook_csv(quiz_out_of_10()))["Location"]
    assert location.endswith("/preview/")
    max_form = client.get(location).context["max_form"]
    names = {item: name for name, (item, _module) in max_form.items.items()}
    assert set(names) == {QUIZ, PLC}  # the mapped Real items; CAD is a percentage
    assert max_form[names[QUIZ]].initial == Decimal("10.00")
    response = client.post(location, {"save_max": "1", names[QUIZ]: "20", names[PLC]: ""})
    assert response.status_code == 302 and response["Location"] == location
    assert dict(GradebookMapping.objects.values_list("item_name", "max_points")) == {
        QUIZ: Decimal("20.00"),
        PLC: None,
        CAD: None,
    }
    html = client.get(location).content.decode()
    assert "8.50/20 →</span> 42.5 ·" in html
    response = client.post(location, {"save_max": "1", names[QUIZ]: "0", names[PLC]: ""})
    assert response.status_code == 400 and "greater than or equal to 0.01" in response.content.decode()
    assert GradebookMapping.objects.get(item_name=QUIZ).max_points == Decimal("20.00")


def test_the_command_takes_the_maximum_after_an_at_sign(gradebook_cohort, office, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv(quiz_out_of_10()))
    maps = ["--map", f"{PLC}=PLC", "--map", f"{CAD}=-"]
    with pytest.raises(CommandError, match=r"Give the maximum points of “Quiz: Week 1”.*=MODULE_CODE@MAX"):
        run(str(path), "--cohort", "MECH26", *maps, "--map", f"{QUIZ}=SAFE")
    assert not GradebookMapping.objects.exists()  # refused: nothing saved, the mapping included
    output = run(str(path), "--cohort", "MECH26", *maps, "--map", f"{QUIZ}=SAFE@10", "--date", "2026-06-20")
    assert "SAFE 8.50/10.00 → 85.00" in output and "6 result(s) saved" in output
    assert GradebookMapping.objects.get(item_name=QUIZ).max_points == Decimal("10.00")


def snapshot():
    return (
        list(GradebookMapping.objects.values_list("item_name", "module__code", "max_points").order_by("item_name")),
        ModuleResult.objects.count(),
        AuditEntry.objects.count(),
    )


def test_a_refused_command_saves_no_mapping_so_a_typo_blocks_nothing_later(gradebook_cohort, office, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv(rows_ok()))
    before = snapshot()
    typo = ["--map", "Assigment: PLC project=PLC", "--map", f"{QUIZ}=-", "--map", f"{CAD}=CAD"]
    with pytest.raises(CommandError, match="No gradebook item “Assigment: PLC project” in the file"):
        run(str(path), "--cohort", "MECH26", *typo)
    assert snapshot() == before
    with pytest.raises(CommandError, match=f"not mapped for cohort MECH26: {PLC}"):
        run(str(path), "--cohort", "MECH26", "--map", f"{QUIZ}=-", "--map", f"{CAD}=CAD")  # PLC forgotten
    assert snapshot() == before
    bad = tmp_path / "bad.csv"
    bad.write_bytes(gradebook_csv([*rows_ok(), line("Bad", "Row", "", "x@y.cn", plc="n/a")]))
    maps = ["--map", f"{QUIZ}=-", "--map", f"{PLC}=PLC", "--map", f"{CAD}=CAD"]
    with pytest.raises(CommandError, match="1 error"):
        run(str(bad), "--cohort", "MECH26", *maps)
    assert snapshot() == before  # a file with errors: the mapping is not saved either
    assert "4 result(s) saved" in run(str(path), "--cohort", "MECH26", *maps)  # the correct mapping goes through


def test_a_dry_run_checks_one_module_one_item_like_the_real_run_and_changes_nothing(gradebook_cohort, office, tmp_path):
    mapped(gradebook_cohort, office)
    path = tmp_path / "grades.csv"
    path.write_bytes(gradebook_csv(rows_ok()))
    before = snapshot()
    for dry in (["--dry-run"], []):
        with pytest.raises(CommandError, match="Module PLC is mapped to two gradebook items"):
            run(str(path), "--cohort", "MECH26", "--map", f"{QUIZ}=PLC", *dry)
        assert snapshot() == before
    output = run(str(path), "--cohort", "MECH26", "--dry-run")
    assert "Dry run: 4 result(s) would be saved (4 new, 0 corrected)" in output
    assert snapshot() == before
    output = run(str(path), "--cohort", "MECH26", "--dry-run", "--map", f"{QUIZ}=SAFE@10")
    assert "SAFE 10.00/10.00 → 100.00" in output and "5 result(s) would be saved" in output
    assert snapshot() == before  # the mapping of a dry run is rolled back with the results
