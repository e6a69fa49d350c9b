"""The staff pages about students: the list (search, filters, sorting, pages, queries) and its exports."""

import csv
import io

import openpyxl
import pytest

from programs.tests.factories import CohortFactory

from .factories import EnrollmentFactory, StudentFactory
from .views_support import BIRTH, LIST, PASSPORT, _names

pytestmark = pytest.mark.django_db


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


LIST_QUERIES = 8  # a first page that is not full: its rows are the count
EXPORT_QUERIES = 5


@pytest.mark.parametrize("count", [5, 60])
def test_the_list_runs_a_fixed_number_of_queries(office_client, django_assert_num_queries, count):
    """session, user, office-group check, permission lookups, 3 filter selects, page, enrollments (with cohort and
    track), the menu's unread notifications: the same for 5 or 60 students (page size 200); a full page asks the
    count as well (``mobility.foundation.pagination.list_page``)."""
    _populate(count)
    office_client.get(LIST)  # the first request of a process fills Django's caches (content types)
    with django_assert_num_queries(LIST_QUERIES):
        response = office_client.get(LIST, {"per_page": 200})
    assert len(response.context["students"]) == count
    assert response.context["page_obj"].paginator.count == count
    with django_assert_num_queries(LIST_QUERIES + (count >= 25)):
        response = office_client.get(LIST, {"per_page": 25})
    assert response.context["page_obj"].paginator.count == count
    assert len(response.context["students"]) == min(count, 25)


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
