"""The audit log page of office-admin: sentences, filters (who, what, when, object), export, query budget."""

import csv
import datetime
import io
import zoneinfo

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone, translation
from openpyxl import load_workbook

from mobility.audit_labels import action_label
from mobility.foundation.audit import audit_record
from mobility.foundation.audit_sentences import audit_actions_described
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from programs.models import Cohort, Track
from programs.tests.factories import CohortFactory, TrackFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in another language leaves it active in this thread (LocaleMiddleware): later tests start in the
    default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


URL = "/audit/"


@pytest.fixture
def entries(office_admin):
    popova = make_user("n.popova", first_name="Nadezhda", last_name="Popova")
    track = TrackFactory(code="MECH", name_en="Mechatronics")
    cohort = CohortFactory(code="MECH26", name="Mechatronics 2026", track=track)
    audit_record(actor=popova, obj=track, action="track.update", changes={"code": ("MEC", "MECH")})
    audit_record(actor=None, obj=cohort, action="cohort.update", changes={"capacity": (20, 25)}, reason="=2+3")
    return popova, track, cohort


def test_the_office_without_the_permission_gets_403(office_client):
    assert office_client.get(URL).status_code == 403
    assert office_client.get("/audit/export.csv").status_code == 403


def test_office_admin_reads_sentences_newest_first_and_the_menu_links_it(office_admin_client, entries):
    page = office_admin_client.get(URL, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    first = page.index("The system changed the cohort MECH26 Mechatronics 2026: capacity: 20 → 25")
    second = page.index("Nadezhda Popova changed the track Mechatronics: code: MEC → MECH")
    assert first < second
    assert 'href="/audit/"' in page and "track.update</td>" not in page


def test_filters_who_what_object_and_text(office_admin_client, entries):
    def actions(query):
        return [row["entry"].action for row in office_admin_client.get(URL, query).context["rows"]]

    assert actions({"who": "popova"}) == ["track.update"]
    assert actions({"who": "system"}) == ["cohort.update"]
    assert actions({"action": "cohort.update"}) == ["cohort.update"]
    cohort_type = ContentType.objects.get_for_model(Cohort)
    assert actions({"content_type": cohort_type.pk}) == ["cohort.update"]
    track_type = ContentType.objects.get_for_model(Track)
    assert actions({"content_type": track_type.pk, "object_id": str(entries[1].pk)}) == ["track.update"]
    assert actions({"content_type": track_type.pk, "object_id": "999999"}) == []
    assert actions({"q": "MECH26"}) == ["cohort.update"]


def test_the_date_range_is_in_the_sites_zone(office_admin_client, entries, settings):
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    # 23:30 local on 1 March: a UTC date would differ wherever the site's zone is east of UTC.
    late = datetime.datetime(2026, 3, 1, 23, 30, tzinfo=zone)
    AuditEntry.objects.filter(action="track.update").update(at=late)
    AuditEntry.objects.filter(action="cohort.update").update(at=late + datetime.timedelta(hours=1))

    def actions(**query):
        return [row["entry"].action for row in office_admin_client.get(URL, query).context["rows"]]

    assert actions(date_from="2026-03-01", date_to="2026-03-01") == ["track.update"]
    assert actions(date_from="2026-03-02") == ["cohort.update"]
    assert actions(date_to="2026-02-28") == []


def test_export_csv_and_xlsx_hold_the_filtered_sentences(office_admin_client, entries):
    response = office_admin_client.get("/audit/export.csv", {"who": "system"}, HTTP_ACCEPT_LANGUAGE="ru")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:3] == ["Когда", "Кто", "Что"]
    assert len(rows) == 2 and rows[1][1] == "Система"
    assert rows[1][2].startswith("Система: изменён поток MECH26")
    assert rows[1][5] == "'=2+3"  # a formula stays text
    response = office_admin_client.get("/audit/export.xlsx", HTTP_ACCEPT_LANGUAGE="en")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = list(sheet.values)
    assert len(values) == 3 and values[1][2].startswith("The system changed the cohort MECH26")
    local = timezone.localtime(AuditEntry.objects.get(action="cohort.update").at).replace(tzinfo=None)
    assert abs(values[1][0] - local) < datetime.timedelta(seconds=1)


def test_the_page_makes_at_most_ten_queries_whatever_its_size(
    office_admin_client, office_admin, django_assert_max_num_queries
):
    users = [make_user(f"clerk{i}", first_name="Clerk", last_name=str(i)) for i in range(5)]
    tracks = [TrackFactory() for _ in range(5)]
    for i in range(60):
        audit_record(actor=users[i % 5], obj=tracks[i % 5], action="track.update", changes={"code": ("A", "B")})
    CohortFactory()  # another object type in the filter
    with django_assert_max_num_queries(10):
        response = office_admin_client.get(URL)
    assert len(response.context["rows"]) == 50
    with translation.override("en"), django_assert_max_num_queries(10):
        office_admin_client.get(URL, {"page": 2})


def test_every_action_has_a_label_in_the_reader_s_language():
    """The action filter names each action in words, never by its code; a new action needs its words in
    mobility/audit_labels.py."""
    assert [action for action in audit_actions_described() if action_label(action) == action] == []
    with translation.override("ru"):
        assert action_label("diploma.revoke") == "Диплом: отзыв"
    with translation.override("zh-hans"):
        assert action_label("result.record") == "成绩：记录"
    assert action_label("nobody.knows") == "nobody.knows"


def test_the_action_filter_lists_labels_and_filters_by_code(client):
    client.force_login(make_user("popova", "office-admin"))
    audit_record(actor=None, obj=TrackFactory(code="MECH"), action="track.create", changes={})
    page = client.get("/audit/", {"action": "track.create"}, HTTP_ACCEPT_LANGUAGE="ru")
    html = page.content.decode()
    assert '<option value="track.create" selected>Направление: создание</option>' in html
    assert [row["entry"].action for row in page.context["rows"]] == ["track.create"]
