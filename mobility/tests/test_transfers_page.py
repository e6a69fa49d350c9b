"""The office-admin's page of the register of transfers: filters, pages, its query count, the exports; the office
is refused and not shown the menu entry."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from openpyxl import load_workbook

from mobility.foundation.transfers.models import Transfer
from mobility.foundation.transfers.services import transfer_record
from programs.tests.factories import InstitutionFactory
from students.tests.factories import StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

URL = "/privacy/transfers/"


@pytest.fixture
def register(settings):
    """Three transfers of two colleges on two days of the site's zone, Moscow: one late on 1 March (Moscow), which
    is still 1 March there though UTC says so too, and one just after midnight of 2 March in Moscow (21:30 UTC on
    1 March)."""
    settings.TIME_ZONE = "Europe/Moscow"
    a, b = InstitutionFactory(code="COLA"), InstitutionFactory(code="COLB")
    li = StudentFactory(home_institution=a, family_name_latin="Li", given_name_latin="Na")
    wang = StudentFactory(home_institution=b, family_name_latin="Wang", given_name_latin="Fang")
    utc = datetime.UTC
    rows = [
        ("to_russia", "api_write", a, ["names", "contact"], [li.pk], datetime.datetime(2026, 3, 1, 10, 0, tzinfo=utc)),
        ("to_partner", "webhook", a, ["education"], [li.pk], datetime.datetime(2026, 3, 1, 21, 30, tzinfo=utc)),
        ("to_partner", "api_read", b, ["names"], [wang.pk, li.pk], datetime.datetime(2026, 3, 1, 20, 0, tzinfo=utc)),
    ]
    made = []
    for direction, channel, college, categories, ids, at in rows:
        transfer = transfer_record(
            direction=direction,
            channel=channel,
            institution_id=college.pk,
            categories=categories,
            student_ids=ids,
            reference=f"{channel} ref",
            label="api-key:X",
        )
        Transfer.objects.filter(pk=transfer.pk).update(at=at)
        made.append(transfer.pk)
    return {"a": a, "b": b, "li": li, "wang": wang, "ids": made}


def shown(response) -> list[int]:
    return [row["transfer"].pk for row in response.context["rows"]]


def test_the_office_admin_reads_and_filters_the_register(office_admin_client, register):
    write, webhook, read = register["ids"]
    response = office_admin_client.get(URL)
    assert response.status_code == 200
    assert shown(response) == [webhook, read, write]  # newest first
    html = response.content.decode()
    assert "contact details (e-mail, phone), names" in html and "webhook delivery" in html and "webhook ref" in html
    assert shown(office_admin_client.get(URL, {"direction": "to_russia"})) == [write]
    assert shown(office_admin_client.get(URL, {"channel": "api_read"})) == [read]
    assert shown(office_admin_client.get(URL, {"institution": register["a"].pk})) == [webhook, write]
    # Days in the site's zone: 21:30 UTC on 1 March is 2 March in Moscow.
    assert shown(office_admin_client.get(URL, {"date_from": "2026-03-02"})) == [webhook]
    assert shown(office_admin_client.get(URL, {"date_to": "2026-03-01"})) == [read, write]
    assert shown(office_admin_client.get(URL, {"student": str(register["wang"].pk)})) == [read]
    assert shown(office_admin_client.get(URL, {"student": "Li Na"})) == [webhook, read, write]
    assert shown(office_admin_client.get(URL, {"student": "Nobody"})) == []


def test_the_page_s_queries_do_not_grow_with_its_rows(office_admin_client, register, django_assert_num_queries):
    office_admin_client.get(URL)  # the session and the permissions, cached
    for _ in range(60):
        transfer_record(
            direction="to_partner",
            channel="webhook",
            institution_id=register["a"].pk,
            categories=["education"],
            student_ids=[register["li"].pk],
        )
    # session, user, groups' permissions, the colleges of the filter, count, page (with the college)
    with django_assert_num_queries(6):
        response = office_admin_client.get(URL)
    assert len(response.context["rows"]) == 50
    assert len(office_admin_client.get(URL, {"page": 2}).context["rows"]) == 13


def test_the_exports_hold_the_filtered_register_with_the_students(office_admin_client, register):
    write, webhook, read = register["ids"]
    response = office_admin_client.get(URL + "export.csv", {"institution": register["b"].pk})
    assert response["Content-Disposition"].startswith('attachment; filename="transfers-')
    header, *rows = csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    assert header[:7] == [
        "When",
        "Direction",
        "Channel",
        "Partner college",
        "Categories of data",
        "Data subjects",
        "Student ids",
    ]
    (row,) = rows
    assert row[0] == "2026-03-01 23:00"  # Moscow
    ids = " ".join(str(pk) for pk in sorted([register["li"].pk, register["wang"].pk]))
    assert row[5:] == ["2", ids, "api_read ref", "api-key:X", "to_partner", "api_read"]
    sheet = load_workbook(io.BytesIO(office_admin_client.get(URL + "export.xlsx").content)).active
    values = list(sheet.values)
    assert len(values) == 4 and values[1][0] == datetime.datetime(2026, 3, 2, 0, 30)


def test_the_office_is_refused_and_not_shown_the_entry(client, office, office_admin, register):
    client.force_login(office)
    assert client.get(URL).status_code == 403
    assert client.get(URL + "export.csv").status_code == 403
    assert URL.encode() not in client.get("/").content
    client.force_login(office_admin)
    assert URL.encode() in client.get("/").content
