"""Roster import and the transfer consent (issue 18): a row with passport data or a birth date needs the college's
attestation in the consent columns (or a consent the existing student holds); without it, with a version that is not
published or a date in the future, the row has an error and nothing of the file is imported."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from students.consent.models import SENSITIVE_PURPOSE, Consent
from students.imports.roster import COLUMNS, RosterRefused, apply_roster, template_example, template_headers
from students.models import Student

from .factories import StudentFactory, consent_attested, consent_text
from .roster_files import CONSENT, ROWS, TODAY, counts, parse, person, rows_of, xlsx

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

NO_CONSENT = {"consent version": "", "consent date": ""}


def errors_of(preview):
    return {(error.row, error.column): error.message for error in preview.errors}


def test_a_row_with_passport_data_and_no_consent_is_a_row_error_and_nothing_is_imported(
    cohort_with_quota, office_admin
):
    rows = rows_of(ROWS)
    rows[2].update(NO_CONSENT)
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    errors = errors_of(preview)
    assert list(errors) == [(4, "consent version")]
    assert "consent to the transfer of personal data from China to Russia is missing" in errors[(4, "consent version")]
    assert "passport number" in errors[(4, "consent version")] and "birth date" in errors[(4, "consent version")]
    before = counts()
    with pytest.raises(RosterRefused):
        apply_roster(preview, by=office_admin)
    assert counts() == before and not Consent.objects.exists()


def test_a_row_without_sensitive_data_needs_no_consent(cohort_with_quota, office_admin):
    rows = [person("2026001", "张", "伟", "Zhang", "Wei", born="", **{"passport number": ""}, **NO_CONSENT)]
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    apply_roster(preview, by=office_admin)
    assert not Consent.objects.exists()


def test_the_attestation_is_recorded_with_channel_import(cohort_with_quota, office_admin):
    preview = parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    apply_roster(preview, by=office_admin)
    consents = Consent.objects.filter(current=True).order_by("student__home_student_id")
    assert [(c.student.home_student_id, c.purpose, c.decision) for c in consents] == [
        (home_id, SENSITIVE_PURPOSE, Consent.Decision.GIVEN) for home_id in ("2026001", "2026002", "2026003")
    ]
    assert {(c.given_by, c.channel, c.collected_on, c.text.version) for c in consents} == {
        (Consent.GivenBy.COLLEGE, Consent.Channel.IMPORT, datetime.date(2026, 1, 10), 1)
    }
    # Applying the same file again records no second consent.
    apply_roster(parse(xlsx(rows_of(ROWS)), cohort_with_quota, office_admin), by=office_admin)
    assert Consent.objects.count() == 3


@pytest.mark.parametrize(
    ("consent", "column", "words"),
    [
        ({"consent version": "7"}, "consent version", "not a published version"),
        ({"consent version": "one"}, "consent version", "not a published version"),
        ({"consent date": "2026-01-16"}, "consent date", "in the future"),
        ({"consent date": "16/01/2026"}, "consent date", "not a valid date"),
        ({"consent date": ""}, "consent date", "required with the consent version"),
        ({"consent version": ""}, "consent version", "required with the consent date"),
    ],
)
def test_a_wrong_version_or_date_is_a_row_error_on_its_column(cohort_with_quota, office_admin, consent, column, words):
    rows = rows_of(ROWS)
    rows[1].update(consent)
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    errors = errors_of(preview)
    assert list(errors) == [(3, column)], errors
    assert words in errors[(3, column)]


def test_an_existing_student_holding_the_consent_needs_no_columns(cohort_with_quota, office_admin):
    held = StudentFactory(home_institution=cohort_with_quota.partner, home_student_id="2026001", passport_number="")
    StudentFactory(
        home_institution=cohort_with_quota.partner, home_student_id="2026002", passport_number="", birth_date=None
    )
    rows = [{**row, **NO_CONSENT} for row in rows_of(ROWS[:2])]
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    assert list(errors_of(preview)) == [(3, "consent version")]  # 2026002 holds none
    assert held.consents.filter(current=True).exists()
    rows[1].update(CONSENT)
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    apply_roster(preview, by=office_admin)
    assert Student.objects.get(home_student_id="2026001").passport_number == "E2026001"
    assert Consent.objects.get(student__home_student_id="2026002", current=True).channel == Consent.Channel.IMPORT


def test_the_russian_and_chinese_headers_and_a_spreadsheet_number_are_read(cohort_with_quota, office_admin):
    row = {name: value for name, value in rows_of(ROWS[:1])[0].items() if name not in CONSENT}
    rows = [{**row, "同意书版本": "1.0", "дата согласия": "10.01.2026"}]
    preview = parse(xlsx(rows), cohort_with_quota, office_admin)
    assert not preview.has_errors, preview.errors
    attestation = preview.rows[0].attestation
    assert (attestation.version, attestation.collected_on, attestation.channel) == (
        1,
        datetime.date(2026, 1, 10),
        Consent.Channel.IMPORT,
    )
    assert {"версия согласия", "同意书版本"} <= set(COLUMNS["consent_version"])
    assert {"дата согласия", "同意日期"} <= set(COLUMNS["consent_date"])


def test_the_template_has_the_consent_columns_with_the_current_version(cohort_with_quota):
    text = consent_text()
    headers, example = template_headers(), template_example(cohort=cohort_with_quota)
    assert headers[-2:] == ["consent version", "consent date"]
    assert example[-2] == str(text.version)
    assert datetime.date.fromisoformat(example[-1]) <= TODAY


def test_the_preview_looks_up_consents_in_a_fixed_number_of_queries(cohort_with_quota, office_admin):
    for index in range(40):
        student = StudentFactory(
            home_institution=cohort_with_quota.partner, home_student_id=f"2027{index:03d}", transfer_consent=False
        )
        if index % 2:
            consent_attested(student)
    rows = [person(f"2027{index:03d}", "张", "伟", "Zhang", "Wei", **NO_CONSENT) for index in range(40)]
    data = xlsx(rows)
    few = [person(f"2027{index:03d}", "张", "伟", "Zhang", "Wei", **NO_CONSENT) for index in range(2)]
    parse(xlsx(few), cohort_with_quota, office_admin)  # what a first parse caches (content types, …)
    with CaptureQueriesContext(connection) as two:
        parse(xlsx(few), cohort_with_quota, office_admin)
    with CaptureQueriesContext(connection) as forty:
        preview = parse(data, cohort_with_quota, office_admin)
    assert len(forty) == len(two)
    assert len(preview.errors) == 20  # the students without a held consent
