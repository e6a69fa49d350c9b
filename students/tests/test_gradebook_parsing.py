"""The LMS gradebook import, reading: parsing a Moodle export (in English, Russian or Chinese), the mapping of
items to modules, matching rows to students and the reconciliation report (students.imports.gradebook)."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from students import services
from students.imports.base import ImportFileError
from students.imports.gradebook import Status, gradebook_mapping_save, suggest_module
from students.models import GradebookMapping

from .gradebook_files import (
    CAD,
    DAY,
    HEADER,
    PLC,
    QUIZ,
    STAMP,
    gradebook_csv,
    gradebook_xlsx,
    line,
    mapped,
    preview_of,
    rows_ok,
)
from .test_import_files import moodle_csv

pytestmark = pytest.mark.django_db


def test_parsing_reads_items_scores_and_skips_no_grade(gradebook_cohort):
    preview = preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"])
    assert preview.items == [QUIZ, PLC, CAD]  # "Course total" is not an item; the display type is not in the name
    assert preview.errors == []
    li, wang, zhao = preview.rows
    assert li.scores == {QUIZ: Decimal("10.00"), PLC: Decimal("78.50"), CAD: Decimal("91.00")}  # "91.00 %"
    assert wang.scores == {PLC: Decimal("59.99")}  # "-" = no grade
    assert zhao.scores == {PLC: Decimal("75.00")}  # "" = no grade
    assert li.email == "li.na@cqevtc.cn" and li.row == 2


@pytest.mark.parametrize(
    ("value", "message"),
    [("abc", "is not a score"), ("101", "outside 0–100"), ("-5", "outside 0–100"), ("7..5", "is not a score")],
)
def test_bad_scores_are_errors_at_row_and_column(gradebook_cohort, value, message):
    rows = rows_ok()
    rows[1][7] = value
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert len(preview.errors) == 1
    error = preview.errors[0]
    assert (error.row, error.column) == (3, f"{PLC} (Real)")
    assert message in error.message


def test_letter_columns_are_listed_as_refused_never_as_items(gradebook_cohort):
    header = [*HEADER[:-2], "Exam: Oral (Letter)", *HEADER[-2:]]
    rows = [[*row[:-2], "B", *row[-2:]] for row in rows_ok()]
    preview = preview_of(gradebook_csv(rows, header=header), gradebook_cohort["cohort"])
    assert preview.items == [QUIZ, PLC, CAD]
    assert preview.refused_items == ["Exam: Oral (Letter)"]
    assert preview.errors == []


def test_a_file_without_identity_or_item_columns_is_refused(gradebook_cohort):
    with pytest.raises(ImportFileError, match="neither"):
        preview_of(gradebook_csv([["Na", "78"]], header=["First name", f"{PLC} (Real)"]), gradebook_cohort["cohort"])
    with pytest.raises(ImportFileError, match="no gradebook item"):
        preview_of(
            gradebook_csv([["a@b.c", "78"]], header=["Email address", "Course total (Real)"]),
            gradebook_cohort["cohort"],
        )


def test_gbk_encoded_csv_and_xlsx_give_the_same_preview(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    rows = rows_ok()
    rows[0][0], rows[0][4] = "娜", "机电一体化"
    from_gbk = preview_of(gradebook_csv(rows, encoding="gbk"), gradebook_cohort["cohort"])
    assert from_gbk.rows[0].first_name == "娜"
    from_xlsx = preview_of(gradebook_xlsx(rows), gradebook_cohort["cohort"])
    for preview in (from_gbk, from_xlsx):
        assert preview.errors == []
        assert [(r.student.pk, [(c.module.code, c.score) for c in r.cells]) for r in preview.matched] == [
            (gradebook_cohort["li"].student.pk, [("PLC", Decimal("78.50")), ("CAD", Decimal("91.00"))]),
            (gradebook_cohort["wang"].student.pk, [("PLC", Decimal("59.99"))]),
            (gradebook_cohort["zhao"].student.pk, [("PLC", Decimal("75.00"))]),
        ]


def test_a_moodle_item_named_with_quotes_and_a_comma_shifts_no_column(gradebook_cohort, office):
    """Moodle's export (PHP fputcsv) quotes such a name and doubles its quotes; every later column stays in place."""
    smart = 'Assignment: "Smart factory" project, part 1'
    header = [*HEADER[:6], f"{smart} (Real)", f"{CAD} (Percentage)", *HEADER[-2:]]
    rows = [
        ["Na", "Li", "2026001", "CQEVTC", "Mechatronics", "li.na@cqevtc.cn", "78.50", "91.00 %", "80.00", STAMP],
        ["Fang", "Wang", "", "CQEVTC", "Mechatronics", "wang.fang@cqevtc.cn", "-", "55.00 %", "55.00", STAMP],
    ]
    gradebook_mapping_save(
        cohort=gradebook_cohort["cohort"],
        by=office,
        mapping={smart: gradebook_cohort["plc"], CAD: gradebook_cohort["cad"]},
    )
    preview = preview_of(moodle_csv([header, *rows]), gradebook_cohort["cohort"])
    assert preview.items == [smart, CAD] and preview.errors == []
    assert [[(c.module.code, c.score) for c in row.cells] for row in preview.matched] == [
        [("PLC", Decimal("78.50")), ("CAD", Decimal("91.00"))],
        [("CAD", Decimal("55.00"))],
    ]


def test_mapping_is_saved_per_cohort_with_one_audit_entry(gradebook_cohort, office):
    before = AuditEntry.objects.count()
    mapped(gradebook_cohort, office)
    assert dict(GradebookMapping.objects.values_list("item_name", "module__code")) == {
        QUIZ: None,
        PLC: "PLC",
        CAD: "CAD",
    }
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("pk")
    assert entry.action == "gradebook_mapping.save" and entry.changes[PLC] == [None, "PLC"]
    mapped(gradebook_cohort, office)  # the same again: nothing changes, no entry
    assert AuditEntry.objects.count() == before + 1
    gradebook_mapping_save(cohort=gradebook_cohort["cohort"], by=office, mapping={PLC: gradebook_cohort["safe"]})
    assert AuditEntry.objects.latest("pk").changes == {PLC: ["PLC", "SAFE"]}


def test_mapping_refuses_a_module_of_another_track_and_a_module_twice(gradebook_cohort, office):
    with pytest.raises(DomainError, match="not part of track MECH"):
        gradebook_mapping_save(
            cohort=gradebook_cohort["cohort"], by=office, mapping={PLC: gradebook_cohort["foreign_module"]}
        )
    mapped(gradebook_cohort, office)
    with pytest.raises(DomainError, match="mapped to two gradebook items"):
        gradebook_mapping_save(
            cohort=gradebook_cohort["cohort"], by=office, mapping={"Other item": gradebook_cohort["plc"]}
        )
    assert GradebookMapping.objects.count() == 3


def test_suggestions_match_module_code_or_title(gradebook_cohort):
    modules = [gradebook_cohort["plc"], gradebook_cohort["cad"], gradebook_cohort["safe"]]
    assert suggest_module(PLC, modules) == gradebook_cohort["plc"]
    assert suggest_module("Exam: cad design", modules) == gradebook_cohort["cad"]
    assert suggest_module(QUIZ, modules) is None
    assert suggest_module("Assignment: PLCX", modules) is None  # a code counts only as a word


def test_rows_match_by_email_then_by_id_number_and_unmatched_rows_have_reasons(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    rows = [
        *rows_ok(),
        line("Jie", "Chen", "", "chen.jie@cqevtc.cn", plc="70"),  # applied, not enrolled
        line("Yu", "Sun", "2026005", "", plc="70"),  # enrolled in another cohort
        line("No", "Body", "9999", "nobody@example.cn", plc="70"),
        line("No", "Identity", "", "", plc="70"),
    ]
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert [(r.student.pk, r.matched_by) for r in preview.matched] == [
        (gradebook_cohort["li"].student.pk, "email"),  # case-insensitive
        (gradebook_cohort["wang"].student.pk, "email"),
        (gradebook_cohort["zhao"].student.pk, "id_number"),  # the e-mail is unknown, the ID number is his
    ]
    assert [(r.source.row, r.reason) for r in preview.unmatched] == [
        (5, "not_enrolled"),
        (6, "not_in_cohort"),
        (7, "no_student"),
        (8, "no_identity"),
    ]
    assert preview.unmatched[0].student == gradebook_cohort["applied"].student
    assert preview.missing == []
    assert preview.errors == []


def test_enrolled_students_missing_from_the_file_are_reported(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    preview = preview_of(gradebook_csv(rows_ok()[:1]), gradebook_cohort["cohort"])
    assert {e.pk for e in preview.missing} == {gradebook_cohort["wang"].pk, gradebook_cohort["zhao"].pk}


def test_the_same_student_twice_is_an_error(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    rows = [*rows_ok(), line("Na", "Li", "2026001", "", plc="80")]
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert [(e.row, "row 2" in e.message) for e in preview.errors] == [(5, True)]


def test_reconciliation_marks_new_changed_unchanged_and_kept(gradebook_cohort, office):
    mapped(gradebook_cohort, office)
    record = services.result_record
    record(
        enrollment=gradebook_cohort["li"],
        module=gradebook_cohort["plc"],
        by=office,
        assessed_on=DAY,
        score=Decimal("78.50"),
    )
    record(
        enrollment=gradebook_cohort["li"],
        module=gradebook_cohort["cad"],
        by=office,
        assessed_on=DAY,
        score=Decimal("80"),
    )  # passed
    record(
        enrollment=gradebook_cohort["wang"],
        module=gradebook_cohort["plc"],
        by=office,
        assessed_on=DAY,
        score=Decimal("40"),
    )  # failed
    preview = preview_of(gradebook_csv(rows_ok()), gradebook_cohort["cohort"])
    statuses = {
        (r.student.family_name_latin, c.module.code): (c.status, c.grade) for r in preview.matched for c in r.cells
    }
    assert statuses == {
        ("Li", "PLC"): (Status.UNCHANGED, "4"),
        ("Li", "CAD"): (Status.KEPT, "5"),
        ("Wang", "PLC"): (Status.CHANGED, "2"),
        ("Zhao", "PLC"): (Status.NEW, "4"),
    }


RU_HEADER = [
    "Имя",
    "Фамилия",
    "Индивидуальный номер",
    "Учреждение (организация)",
    "Отдел",
    "Адрес электронной почты",
    "Тест: Неделя 1 (Значение)",
    "Задание: Проект ПЛК (Значение)",
    "Экзамен: САПР (Проценты)",
    "Экзамен: Устный (Буква)",
    "Итоговая оценка за курс (Значение)",
    "Последняя загрузка из этого курса",
]
ZH_HEADER = [
    "名",
    "姓",
    "学号",
    "机构",
    "系别",
    "Email地址",
    "测验：第1周 (分数)",
    "作业：PLC项目 (分数)",
    "考试：CAD设计（百分比）",
    "考试：口试 (分数段)",
    "课程总分 (分数)",
    "最近从此课程下载",
]


@pytest.mark.parametrize("header", [RU_HEADER, ZH_HEADER], ids=["ru", "zh_cn"])
def test_a_gradebook_exported_in_russian_or_chinese_is_read(gradebook_cohort, office, header):
    rows = [
        ["Na", "Li", "2026001", "CQEVTC", "Mech", "li.na@cqevtc.cn", "8,50", "78,50", "91,00 %", "B", "80", STAMP],
        ["Lei", "Zhao", "2026003", "CQEVTC", "Mech", "", "-", "75", "-", "C", "70", STAMP],
    ]
    quiz, plc, cad = (re.sub(r"\s*[(（][^()（）]+[)）]$", "", name) for name in header[6:9])
    gradebook_mapping_save(
        cohort=gradebook_cohort["cohort"],
        by=office,
        mapping={quiz: gradebook_cohort["safe"], plc: gradebook_cohort["plc"], cad: gradebook_cohort["cad"]},
        maxima={quiz: Decimal(10)},
    )
    preview = preview_of(moodle_csv([header, *rows]), gradebook_cohort["cohort"])
    assert preview.items == [quiz, plc, cad]  # not the institution, the course total or the export time
    assert preview.kinds == {quiz: "Real", plc: "Real", cad: "Percentage"}
    assert preview.refused_items == [header[9]]  # letter grades
    assert preview.errors == []
    assert [(r.student.pk, r.matched_by) for r in preview.matched] == [
        (gradebook_cohort["li"].student.pk, "email"),
        (gradebook_cohort["zhao"].student.pk, "id_number"),
    ]
    assert preview.rows[0].first_name == "Na" and preview.rows[0].last_name == "Li"
    assert [(c.module.code, c.score) for c in preview.matched[0].cells] == [
        ("SAFE", Decimal("85.00")),  # 8,50 of 10
        ("PLC", Decimal("78.50")),
        ("CAD", Decimal("91.00")),
    ]


def test_a_refusal_names_the_columns_it_looked_for_and_the_ones_it_found(gradebook_cohort):
    header = ["Имя", "Фамилия", "Логин", "Тест: Неделя 1 (Значение)"]
    with pytest.raises(ImportFileError) as refused:
        preview_of(gradebook_csv([["Na", "Li", "lina", "8"]], header=header), gradebook_cohort["cohort"])
    message = refused.value.message
    assert "neither an e-mail nor an ID number column" in message
    for looked_for in ("“Email address”", "“Адрес электронной почты”", "“Email地址”", "“ID number”", "“学号”"):
        assert looked_for in message
    assert "Columns found: “Имя”, “Фамилия”, “Логин”, “Тест: Неделя 1 (Значение)”." in message


def test_an_item_that_is_not_a_module_is_not_read(gradebook_cohort, office):
    """A bonus item out of 150, or one with text grades, mapped to "not a module", blocks nothing."""
    mapped(gradebook_cohort, office)  # the quiz is not a module
    rows = rows_ok()
    rows[0][6], rows[1][6] = "140", "n/a"
    preview = preview_of(gradebook_csv(rows), gradebook_cohort["cohort"])
    assert preview.errors == [] and preview.can_apply
    assert QUIZ not in preview.rows[0].scores
