"""The office's diploma register: search by number and name, each filter, sorting, pages, the query budget, the
CSV and XLSX exports; and the diploma numbers the students app shows without importing this one (the students
search, the cohort's page, the students export)."""

import csv
import datetime
import io

import openpyxl
import pytest
from django.utils import timezone

from diplomas.models import Diploma
from programs.tests.factories import CohortFactory, TrackFactory
from students.tests.factories import EnrollmentFactory, StudentFactory

from .factories import DiplomaFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead

REGISTER = "/diplomas/"
S = Diploma.Status
UTC = datetime.UTC


def _at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


def _diploma(cohort, status, number, requested, issued=None, *, han=("李", "娜"), latin=("Li", "Na"), cyr=("Ли", "На")):
    student = StudentFactory(
        home_institution=cohort.partner,
        family_name_han=han[0],
        given_name_han=han[1],
        family_name_latin=latin[0],
        given_name_latin=latin[1],
        family_name_cyrillic=cyr[0],
        given_name_cyrillic=cyr[1],
    )
    enrollment = EnrollmentFactory(student=student, cohort=cohort, completed=True)
    diploma = DiplomaFactory(enrollment=enrollment, status=status, requested_at=requested)
    fields = {"number": number}
    if issued is not None:
        fields["issued_at"] = issued
        if status == S.REVOKED:
            fields["revoked_at"] = issued + datetime.timedelta(days=30)
    Diploma.objects.filter(pk=diploma.pk).update(**fields)
    diploma.refresh_from_db()
    return diploma


@pytest.fixture
def register():
    """Four diplomas in two cohorts of two tracks: issued in 2026, revoked (issued 2025), requested in 2026 (no
    number yet), and one issued at 23:30 UTC on 31 December 2026, which is already 2027 in Moscow (the site's zone)."""
    mech = CohortFactory(code="MECH26", track=TrackFactory(code="MECH"))
    cnc = CohortFactory(code="CNC25", track=TrackFactory(code="CNC"))
    return {
        "mech": mech,
        "cnc": cnc,
        "zhang": _diploma(
            mech,
            S.ISSUED,
            "STK-IAM-2026-000001",
            _at(2026, 6, 1),
            _at(2026, 6, 2),
            han=("张", "伟"),
            latin=("Zhang", "Wei"),
            cyr=("Чжан", "Вэй"),
        ),
        "li": _diploma(cnc, S.REVOKED, "STK-IAM-2025-000007", _at(2025, 5, 1), _at(2025, 5, 2)),
        "wang": _diploma(
            mech, S.REQUESTED, None, _at(2026, 7, 1), han=("王", "芳"), latin=("Wang", "Fang"), cyr=("Ван", "Фан")
        ),
        "chen": _diploma(
            cnc,
            S.ISSUED,
            "STK-IAM-2027-000002",
            _at(2026, 12, 31, 20),
            _at(2026, 12, 31, 23, 30),
            han=("陈", "欣怡"),
            latin=("Chen", "Xinyi"),
            cyr=("Чэнь", "Синьи"),
        ),
    }


def _numbers(response) -> list:
    assert response.status_code == 200
    return [diploma.number for diploma in response.context["diplomas"]]


def test_the_register_lists_every_diploma_newest_request_first(office_client, register):
    assert _numbers(office_client.get(REGISTER)) == [
        "STK-IAM-2027-000002",
        None,
        "STK-IAM-2026-000001",
        "STK-IAM-2025-000007",
    ]


def test_the_register_shows_the_three_scripts_cohort_track_and_translated_status(client, office, register):
    client.force_login(office)
    page = client.get(REGISTER).content.decode()
    for text in ("张伟", "Zhang Wei", "Чжан Вэй", "MECH26", "CNC25", "STK-IAM-2026-000001", "revoked", "requested"):
        assert text in page
    client.cookies["django_language"] = "ru"
    page = client.get(REGISTER).content.decode()
    assert "Реестр дипломов" in page and "отозван" in page
    client.cookies["django_language"] = "zh-hans"
    assert "证书登记簿" in client.get(REGISTER).content.decode()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("STK-IAM-2026-000001", ["STK-IAM-2026-000001"]),  # exact
        ("stk-iam-2026-000001", ["STK-IAM-2026-000001"]),  # typed in lower case
        ("STK-IAM-2025", ["STK-IAM-2025-000007"]),  # prefix
        ("STK-IAM-202", ["STK-IAM-2027-000002", "STK-IAM-2026-000001", "STK-IAM-2025-000007"]),
        ("000001", []),  # the number's beginning, not any part of it
        ("张伟", ["STK-IAM-2026-000001"]),
        ("Zhang", ["STK-IAM-2026-000001"]),
        ("wei zhang", ["STK-IAM-2026-000001"]),
        ("Синьи", ["STK-IAM-2027-000002"]),
        ("Wang", [None]),
        ("nobody", []),
    ],
)
def test_search_by_number_exact_and_prefix_and_by_name_in_any_script(office_client, register, query, expected):
    assert _numbers(office_client.get(REGISTER, {"q": query})) == expected


def test_filter_by_year_of_issue_or_of_request_in_the_site_zone(office_client, register):
    assert _numbers(office_client.get(REGISTER, {"year": 2026})) == [None, "STK-IAM-2026-000001"]
    assert _numbers(office_client.get(REGISTER, {"year": 2025})) == ["STK-IAM-2025-000007"]
    # Issued at 23:30 UTC on 31 December 2026: 02:30 on 1 January 2027 in Moscow.
    assert _numbers(office_client.get(REGISTER, {"year": 2027})) == ["STK-IAM-2027-000002"]


def test_filter_by_cohort_track_and_status(office_client, register):
    mech, cnc = register["mech"], register["cnc"]
    assert _numbers(office_client.get(REGISTER, {"cohort": mech.pk})) == [None, "STK-IAM-2026-000001"]
    assert _numbers(office_client.get(REGISTER, {"track": cnc.track_id})) == [
        "STK-IAM-2027-000002",
        "STK-IAM-2025-000007",
    ]
    assert _numbers(office_client.get(REGISTER, {"status": "revoked"})) == ["STK-IAM-2025-000007"]
    assert _numbers(office_client.get(REGISTER, {"status": "issued", "track": mech.track_id})) == [
        "STK-IAM-2026-000001"
    ]
    # A bad value is ignored, not an error page.
    assert len(_numbers(office_client.get(REGISTER, {"cohort": "x", "status": "nope", "year": "1"}))) == 4


def test_sorting_by_number_and_dates(office_client, register):
    assert _numbers(office_client.get(REGISTER, {"sort": "number"})) == [
        "STK-IAM-2025-000007",
        "STK-IAM-2026-000001",
        "STK-IAM-2027-000002",
        None,
    ]
    assert _numbers(office_client.get(REGISTER, {"sort": "-number"}))[:2] == [
        "STK-IAM-2027-000002",
        "STK-IAM-2026-000001",
    ]
    assert _numbers(office_client.get(REGISTER, {"sort": "requested"}))[0] == "STK-IAM-2025-000007"
    assert _numbers(office_client.get(REGISTER, {"sort": "-issued"})) == [
        "STK-IAM-2027-000002",
        "STK-IAM-2026-000001",
        "STK-IAM-2025-000007",
        None,
    ]
    page = office_client.get(REGISTER, {"sort": "number"}).content.decode()
    assert "sort=-number" in page  # the current column's header reverses it


def test_dates_are_shown_in_the_site_zone(office_client, register):
    response = office_client.get(REGISTER, {"q": "STK-IAM-2027"})
    assert "01/01/2027" in response.content.decode() or "2027-01-01" in response.content.decode()


def test_pages(office_client, register):
    cohort = register["mech"]
    for _index in range(30):
        DiplomaFactory(enrollment=EnrollmentFactory(cohort=cohort, completed=True), status=S.ISSUED)
    first = office_client.get(REGISTER, {"per_page": 25})
    assert len(first.context["diplomas"]) == 25 and first.context["page_obj"].paginator.num_pages == 2
    assert len(office_client.get(REGISTER, {"per_page": 25, "page": 2}).context["diplomas"]) == 9
    assert b"page=2" in first.content


REGISTER_QUERIES = 7


@pytest.mark.parametrize(("count", "shown"), [(1, 1), (60, 50)])
def test_the_register_runs_a_fixed_number_of_queries_whatever_the_page_size(
    office_client, django_assert_num_queries, count, shown
):
    """session, user, the viewer's groups, permissions and notifications, the cohort and track selects, count, page:
    the same for a page of 1 diploma or of 50 (at most 10, the issue's budget)."""
    cohorts = [CohortFactory(), CohortFactory()]
    for index in range(count):
        status = (S.ISSUED, S.REVOKED, S.REQUESTED)[index % 3]
        DiplomaFactory(enrollment=EnrollmentFactory(cohort=cohorts[index % 2], completed=True), status=status)
    office_client.get(REGISTER)  # the first request of a process fills Django's caches (content types)
    with django_assert_num_queries(REGISTER_QUERIES):
        response = office_client.get(REGISTER, {"per_page": 50, "q": "Zhang", "year": timezone.localdate().year})
    assert len(response.context["diplomas"]) == shown


def test_the_register_is_in_the_menu_for_the_office(office_client):
    page = office_client.get("/").content.decode()
    assert f'href="{REGISTER}"' in page


# --- exports ---------------------------------------------------------------------------------------------------------


def _csv(client, query=None):
    response = client.get("/diplomas/export.csv", query or {})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


def test_csv_export_of_the_filtered_register_keeps_han_names_and_local_dates(office_client, register):
    rows = _csv(office_client)
    assert rows[0][:5] == ["Number", "Status", "Name (Latin)", "Name (Han)", "Name (Cyrillic)"]
    assert [row[0] for row in rows[1:]] == ["STK-IAM-2027-000002", "", "STK-IAM-2026-000001", "STK-IAM-2025-000007"]
    chen = rows[1]
    assert chen[1:5] == ["issued", "Chen Xinyi", "陈欣怡", "Чэнь Синьи"]
    assert chen[6] == "CNC25" and chen[7].startswith("CNC")
    header = rows[0]
    assert chen[header.index("Issued")] == "2027-01-01"  # 02:30 in Moscow
    revoked = rows[4]
    assert revoked[1] == "revoked" and revoked[header.index("Revoked")] == "2025-06-01"
    assert revoked[header.index("Revocation reason")] == "Test: revoked"
    assert rows[2][header.index("Issued")] == ""  # requested: no issue date yet
    filtered = _csv(office_client, {"status": "issued", "track": register["mech"].track_id, "page": 2})
    assert [row[3] for row in filtered[1:]] == ["张伟"]


def test_xlsx_export_of_the_filtered_register(office_client, register):
    response = office_client.get("/diplomas/export.xlsx", {"q": "STK-IAM-202", "sort": "number"})
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][0] == "Number"
    assert [row[0] for row in rows[1:]] == ["STK-IAM-2025-000007", "STK-IAM-2026-000001", "STK-IAM-2027-000002"]
    zhang = rows[2]
    assert zhang[3] == "张伟" and zhang[4] == "Чжан Вэй"
    assert zhang[rows[0].index("Issued")].date() == datetime.date(2026, 6, 2)


def test_exports_run_a_fixed_number_of_queries(office_client, django_assert_max_num_queries):
    cohort = CohortFactory()
    for _index in range(40):
        DiplomaFactory(enrollment=EnrollmentFactory(cohort=cohort, completed=True), status=S.ISSUED)
    office_client.get(REGISTER)
    with django_assert_max_num_queries(REGISTER_QUERIES):
        rows = b"".join(office_client.get("/diplomas/export.csv").streaming_content).decode("utf-8-sig").splitlines()
    assert len(rows) == 41


# --- the students app finds and shows diploma numbers without importing this app -----------------------------------


def test_the_students_search_finds_a_student_by_diploma_number(office_client, register):
    def names(query):
        return [
            student.full_name_latin for student in office_client.get("/students/", {"q": query}).context["students"]
        ]

    assert names("STK-IAM-2026-000001") == ["Zhang Wei"]
    assert names("stk-iam-2026-000001") == ["Zhang Wei"]
    # Any number the student had, the revoked one's too: it is printed on a paper someone holds.
    assert names("STK-IAM-2025-000007") == ["Li Na"]
    assert names("STK-IAM-2026-000009") == []
    assert names("Zhang STK-IAM-2026-000001") == ["Zhang Wei"]
    assert names("Wang STK-IAM-2026-000001") == []


def test_the_cohort_page_shows_each_students_issued_diploma_number(
    office_client, register, django_assert_max_num_queries
):
    url = f"/students/cohorts/{register['mech'].pk}/"
    response = office_client.get(url)
    rows = {e.student.full_name_latin: e.diploma_number for e in response.context["enrollments"]}
    assert rows == {"Zhang Wei": "STK-IAM-2026-000001", "Wang Fang": None}
    page = response.content.decode()
    assert 'href="/diplomas/?q=STK-IAM-2026-000001"' in page
    # The revoked number is not the student's diploma any more.
    cnc = office_client.get(f"/students/cohorts/{register['cnc'].pk}/").context["enrollments"]
    assert {e.student.full_name_latin: e.diploma_number for e in cnc} == {
        "Li Na": None,
        "Chen Xinyi": "STK-IAM-2027-000002",
    }


def test_the_students_export_carries_the_diploma_numbers(office_client, register):
    response = office_client.get("/students/export.csv", {"cohort": register["mech"].pk})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    column = rows[0].index("Diploma numbers")
    assert {row[2]: row[column] for row in rows[1:]} == {"Чжан Вэй": "STK-IAM-2026-000001", "Ван Фан": ""}
    response = office_client.get("/students/export.xlsx", {"q": "STK-IAM-2027-000002"})
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [row[rows[0].index("Diploma numbers")] for row in rows[1:]] == ["STK-IAM-2027-000002"]


def test_timezone_is_the_sites(settings):
    # The fixture's year boundary test means something only in a zone east of UTC.
    assert timezone.get_default_timezone_name() == settings.TIME_ZONE


def test_the_register_and_its_exports_are_for_the_office_only(client, register, django_user_model):
    for url in (REGISTER, "/diplomas/export.csv", "/diplomas/export.xlsx"):
        assert client.get(url)["Location"].startswith("/accounts/login/")
    client.force_login(django_user_model.objects.create_user("outsider"))
    for url in (REGISTER, "/diplomas/export.csv", "/diplomas/export.xlsx"):
        assert client.get(url).status_code == 403
    assert f'href="{REGISTER}"' not in client.get("/accounts/password_change/").content.decode()
