"""Staff notifications (mobility.foundation.notifications): who gets them, deduplication, the list page, the menu's
count, reading them, the settings, access, and the daily digest. The apps' triggers are tested in each app
(``*/tests/test_staff_notifications.py``)."""

import datetime

import pytest
from django.conf import settings
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.formats import date_format

from mobility.foundation.access import OFFICE, OFFICE_ADMIN, is_office_staff
from mobility.foundation.notifications import digest, services
from mobility.foundation.notifications.models import StaffDigest, StaffNotification, StaffNotificationPreference
from mobility.foundation.notifications.registry import date_param, names
from mobility.foundation.notifications.views import unread_notifications
from mobility.foundation.tasks import staff_digests_send
from mobility.tests.support import make_user
from programs.staff_notifications import AGREEMENT_EXPIRING
from programs.tests.factories import AgreementFactory, InstitutionFactory
from students.staff_notifications import APPLICATIONS, CORRECTION_REQUESTED

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead

LIST = "/notifications/"
SENTENCES = {
    "en": "Agreement AGR-7 with Chongqing Engineering College expires on {day}.",
    "ru": "Соглашение AGR-7 (партнёр: Чунцинский инженерный колледж) истекает {day}.",
    "zh-hans": "与重庆工程学院的协议 AGR-7 将于 {day} 到期。",
}


@pytest.fixture
def college():
    return InstitutionFactory(
        code="CQEVTC",
        name_en="Chongqing Engineering College",
        name_ru="Чунцинский инженерный колледж",
        name_zh="重庆工程学院",
    )


@pytest.fixture
def agreement(college):
    return AgreementFactory(number="AGR-7", partner=college, valid_until=datetime.date(2027, 1, 31))


def _expiring(agreement, **kwargs):
    return services.staff_notify(
        kind=AGREEMENT_EXPIRING,
        params={
            "number": agreement.number,
            "partner": names(agreement.partner),
            "until": date_param(agreement.valid_until),
        },
        about=agreement,
        key="60d",
        link_name="programs:agreement-detail",
        link_args=[agreement.pk],
        **kwargs,
    )


# --- raising ---------------------------------------------------------------------------------------------------


def test_office_staff_get_it_and_no_one_else(office, office_admin, agreement):
    make_user("student-like")  # a user in no staff group
    make_user("gone", OFFICE, is_active=False)
    assert _expiring(agreement) == 2
    assert sorted(StaffNotification.objects.values_list("recipient__username", flat=True)) == ["clerk", "popova"]


def test_a_muted_kind_is_not_sent_to_who_muted_it(office, office_admin, agreement):
    services.notification_preference_update(user=office, muted_kinds=[AGREEMENT_EXPIRING], digest=True, language="")
    _expiring(agreement)
    assert list(StaffNotification.objects.values_list("recipient__username", flat=True)) == ["popova"]


def test_the_same_key_is_said_once(office, agreement):
    assert _expiring(agreement) == 1
    assert _expiring(agreement) == 0  # the nightly check runs again
    assert StaffNotification.objects.count() == 1


def test_without_a_key_every_notice_is_new(office, college):
    for _ in range(2):
        services.staff_notify(kind=CORRECTION_REQUESTED, params={"student": {"en": "Li Na"}})
    assert StaffNotification.objects.count() == 2


def test_accumulated_counts_add_up_and_come_back_unread(office, college):
    def notify(count):
        services.staff_notify(
            kind=APPLICATIONS,
            params={"count": count, "college": names(college), "source": "import"},
            about=college,
            key="import:2026-12-07",
            accumulate="count",
        )

    notify(12)
    services.notifications_mark_all_read(user=office)
    notify(3)
    notification = StaffNotification.objects.get()
    assert notification.params["count"] == 15 and notification.read_at is None
    with translation.override("en"):
        assert notification.sentence() == "15 new applications from Chongqing Engineering College (import)"


def test_an_unknown_kind_is_refused(office):
    with pytest.raises(ValueError):
        services.staff_notify(kind="nobody.registered_this")


def test_the_sentence_is_written_in_the_readers_language(office, agreement):
    _expiring(agreement)
    notification = StaffNotification.objects.get()
    for language, sentence in SENTENCES.items():
        with translation.override(language):
            day = date_format(datetime.date(2027, 1, 31), "SHORT_DATE_FORMAT")  # each language's own format
            assert notification.sentence() == sentence.format(day=day)
    assert notification.link() == f"/agreements/{agreement.pk}/"


# --- the list, reading, access -------------------------------------------------------------------------------


def test_the_list_shows_unread_first_and_filters_by_kind(office_client, office, agreement):
    _expiring(agreement)
    services.notifications_mark_all_read(user=office)
    services.staff_notify(kind=CORRECTION_REQUESTED, params={"student": {"en": "Li Na", "zh": "李娜"}})
    response = office_client.get(LIST)
    assert response.status_code == 200
    sentences = [n.sentence() for n in response.context["notifications"]]
    assert sentences[0] == "Li Na asks to correct their personal data."
    assert sentences[1].startswith("Agreement AGR-7")
    assert response.context["unread_total"] == 1
    filtered = office_client.get(LIST, {"kind": AGREEMENT_EXPIRING})
    assert [n.kind for n in filtered.context["notifications"]] == [AGREEMENT_EXPIRING]
    unread = office_client.get(LIST, {"unread": "on"})
    assert [n.kind for n in unread.context["notifications"]] == [CORRECTION_REQUESTED]


def test_opening_one_marks_it_read_and_follows_its_link(office_client, office, agreement):
    _expiring(agreement)
    notification = StaffNotification.objects.get()
    response = office_client.post(f"{LIST}{notification.pk}/open/")
    assert response.status_code == 302 and response["Location"] == f"/agreements/{agreement.pk}/"
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_mark_read_and_mark_all_read(office_client, office, agreement):
    _expiring(agreement)
    services.staff_notify(kind=CORRECTION_REQUESTED, params={"student": {"en": "Li Na"}})
    services.staff_notify(kind=CORRECTION_REQUESTED, params={"student": {"en": "Wang Fang"}})
    first = StaffNotification.objects.filter(kind=AGREEMENT_EXPIRING).get()
    response = office_client.post(f"{LIST}{first.pk}/read/", {"next": "/notifications/?kind=x"})
    assert response["Location"] == "/notifications/?kind=x"
    assert StaffNotification.objects.filter(read_at__isnull=True).count() == 2
    office_client.post(f"{LIST}read-all/", {"kind": CORRECTION_REQUESTED, "next": "https://evil.example/"})
    assert StaffNotification.objects.filter(read_at__isnull=True).count() == 0


def test_no_one_reads_or_marks_another_users_notifications(client, office, office_admin, agreement):
    _expiring(agreement)
    theirs = StaffNotification.objects.get(recipient=office_admin)
    client.force_login(office)
    assert client.post(f"{LIST}{theirs.pk}/read/").status_code == 404
    assert client.post(f"{LIST}{theirs.pk}/open/").status_code == 404
    assert [n.recipient_id for n in client.get(LIST).context["notifications"]] == [office.pk]
    client.post(f"{LIST}read-all/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_the_pages_are_for_office_staff_only(client, agreement):
    student_like = make_user("partner-person")
    client.force_login(student_like)
    for url in (LIST, f"{LIST}settings/"):
        assert client.get(url).status_code == 403


# --- the menu's count -------------------------------------------------------------------------------------------


def test_the_menu_shows_the_unread_count(office_client, office, agreement):
    _expiring(agreement)
    services.staff_notify(kind=CORRECTION_REQUESTED, params={"student": {"en": "Li Na"}})
    page = office_client.get("/").content.decode()
    assert 'href="/notifications/"' in page and "nav-notifications-count" in page
    assert '<span class="badge rounded-pill text-bg-danger nav-notifications-count">2<' in page
    services.notifications_mark_all_read(user=office)
    assert "nav-notifications-count" not in office_client.get("/").content.decode()


def test_the_count_comes_with_the_access_check_in_its_one_query(rf, office):
    services.staff_notify(kind=CORRECTION_REQUESTED, params={"student": {"en": "Li Na"}}, recipients=[office])
    request = rf.get("/")
    request.user = office
    with CaptureQueriesContext(connection) as queries:
        assert is_office_staff(office)  # the access check (the view's), as on every staff page
        context = unread_notifications(request)
        assert context["staff_notifications_unread"]() == 1
        assert context["staff_notifications_unread"]() == 1
    assert len(queries) == 1


def test_a_superuser_s_count_costs_one_query_however_often_it_is_read(rf, admin_user):
    request = rf.get("/")
    request.user = admin_user
    with CaptureQueriesContext(connection) as queries:
        context = unread_notifications(request)
        assert context["staff_notifications_unread"]() == 0
        assert context["staff_notifications_unread"]() == 0
    assert len(queries) == 1


def test_no_count_for_people_who_are_not_staff(rf):
    request = rf.get("/")
    request.user = make_user("someone")
    assert unread_notifications(request) == {}


# --- settings -------------------------------------------------------------------------------------------------


def test_the_settings_page_saves_kinds_digest_and_language(office_client, office):
    assert office_client.get(f"{LIST}settings/").status_code == 200
    response = office_client.post(
        f"{LIST}settings/", {"kinds": [CORRECTION_REQUESTED], "digest": "", "language": "zh-hans"}
    )
    assert response.status_code == 302
    preference = StaffNotificationPreference.objects.get(user=office)
    assert CORRECTION_REQUESTED not in preference.muted_kinds and AGREEMENT_EXPIRING in preference.muted_kinds
    assert preference.digest is False and preference.language == "zh-hans"


def test_the_language_switcher_remembers_a_staff_users_language(office_client, office):
    office_client.post("/i18n/setlang/", {"language": "ru", "next": "/"})
    assert digest.staff_language(office) == "ru"


# --- the digest -------------------------------------------------------------------------------------------------


def _staff(username, language, **fields):
    user = make_user(username, OFFICE_ADMIN, email=f"{username}@stankin.example", **fields)
    StaffNotificationPreference.objects.create(user=user, language=language)
    return user


def test_the_digest_is_written_in_each_users_language_and_sent_once(agreement):
    ivanova = _staff("ivanova", "ru")
    chen = _staff("chen", "zh-hans")
    _expiring(agreement)
    services.staff_notify(kind=CORRECTION_REQUESTED, params={"student": {"en": "Li Na", "ru": "Ли На", "zh": "李娜"}})

    assert staff_digests_send.delay().get() == 2
    by_recipient = {message.to[0]: message for message in mail.outbox}
    russian, chinese = by_recipient[ivanova.email], by_recipient[chen.email]
    assert russian.subject == "Офис академической мобильности: 2 новых уведомления"
    with translation.override("ru"):
        assert SENTENCES["ru"].format(day=date_format(agreement.valid_until, "SHORT_DATE_FORMAT")) in russian.body
    assert "Ли На просит исправить свои персональные данные." in russian.body
    assert f"{settings.SITE_URL.rstrip('/')}/agreements/{agreement.pk}/" in russian.body
    assert chinese.subject == "学术交流办公室：2 条新通知"
    with translation.override("zh-hans"):
        assert SENTENCES["zh-hans"].format(day=date_format(agreement.valid_until, "SHORT_DATE_FORMAT")) in chinese.body
    assert "李娜请求更正其个人数据。" in chinese.alternatives[0][0]
    assert russian.extra_headers["Content-Language"] == "ru"

    # The task runs again (a second beat, a redelivered message): nothing more is sent.
    assert staff_digests_send.delay().get() == 0
    assert len(mail.outbox) == 2
    assert StaffDigest.objects.count() == 2


def test_the_digest_leaves_out_what_was_read_and_who_turned_it_off(agreement):
    reader = _staff("reader", "en")
    _staff("quiet", "en")
    StaffNotificationPreference.objects.filter(user__username="quiet").update(digest=False)
    _staff("no-address", "en")
    get = type(reader).objects.get
    noaddress = get(username="no-address")
    noaddress.email = ""
    noaddress.save()
    _expiring(agreement)
    services.notifications_mark_all_read(user=reader)
    assert digest.digests_send() == 0
    assert mail.outbox == []


def test_the_next_digest_starts_where_the_last_one_ended(agreement, time_machine):
    user = _staff("ivanova", "en")
    time_machine.move_to(datetime.datetime(2026, 12, 7, 7, 0, tzinfo=datetime.UTC), tick=False)
    _expiring(agreement)
    assert digest.digests_send() == 1
    time_machine.move_to(datetime.datetime(2026, 12, 8, 7, 0, tzinfo=datetime.UTC), tick=False)
    # Still unread, but already in yesterday's digest; today nothing new.
    assert digest.digests_send() == 0
    time_machine.move_to(datetime.datetime(2026, 12, 8, 9, 0, tzinfo=datetime.UTC), tick=False)
    services.staff_notify(kind=CORRECTION_REQUESTED, params={"student": {"en": "Li Na"}})
    time_machine.move_to(datetime.datetime(2026, 12, 9, 7, 0, tzinfo=datetime.UTC), tick=False)
    assert digest.digests_send() == 1
    assert "Li Na" in mail.outbox[-1].body and "AGR-7" not in mail.outbox[-1].body
    assert StaffDigest.objects.filter(user=user).count() == 3


def test_a_digest_killed_midway_sends_the_rest_on_the_next_run(agreement, monkeypatch):
    first = _staff("first", "en")
    second = _staff("second", "en")
    _expiring(agreement)
    sent = []
    real = digest.EmailMultiAlternatives.send

    def send_then_die(message, *args, **kwargs):
        if message.to == [second.email]:
            raise ConnectionError("the mail server went away")
        sent.append(message.to[0])
        return real(message, *args, **kwargs)

    monkeypatch.setattr(digest.EmailMultiAlternatives, "send", send_then_die)
    with pytest.raises(ConnectionError):
        digest.digests_send()
    assert sent == [first.email]
    assert not StaffDigest.objects.filter(user=second).exists()  # rolled back with the failed send
    monkeypatch.setattr(digest.EmailMultiAlternatives, "send", real)
    assert digest.digests_send() == 1
    assert [message.to[0] for message in mail.outbox] == [first.email, second.email]


def test_the_beat_schedule_names_the_tasks(settings):
    tasks = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert {
        "mobility.tasks.staff_digests_send",
        "programs.tasks.staff_checks",
        "students.tasks.passports_expiring_check",
    } <= tasks
    assert timezone.now()  # the schedule is read, not the clock
