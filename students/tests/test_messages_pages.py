"""The staff pages of messages to students (compose, preview, send, the sent messages, the student's panel, the
students list's saved filters) and the portal's Messages."""

import uuid

import pytest
from django.core import mail
from django.urls import reverse

from mobility.tests.support import make_user
from programs.tests.factories import CohortFactory
from students.messaging import services
from students.models import Enrollment, Message, MessageRecipient, SavedFilter

from .factories import EnrollmentFactory, StudentFactory, consents_answered

pytestmark = pytest.mark.django_db

NEW = reverse("students:message-create")


@pytest.fixture
def two(cohort):
    """王芳 (Chinese) and Nurlan (English) enrolled in ``cohort``; Li applied to another cohort."""
    wang = StudentFactory(
        home_institution=cohort.partner, family_name_han="王", given_name_han="芳", email="wang@example.cn"
    )
    nurlan = StudentFactory(
        home_institution=cohort.partner, family_name_latin="Nurlan", citizenship="KZ", email="n@x.kz"
    )
    for student in (wang, nurlan):
        EnrollmentFactory(student=student, cohort=cohort, status=Enrollment.Status.ENROLLED)
    li = StudentFactory(home_institution=cohort.partner, family_name_latin="Li", email="li@example.cn")
    EnrollmentFactory(student=li, cohort=CohortFactory(partner=cohort.partner))
    return {"wang": wang, "nurlan": nurlan, "li": li}


def compose(cohort_, **changes):
    data = {
        "audience": "cohort",
        "cohort": cohort_.pk,
        "token": str(uuid.uuid4()),
        "subject_ru": "",
        "body_ru": "",
        "subject_en": "Visa documents",
        "body_en": "Bring your passport on Monday.",
        "subject_zh": "签证材料",
        "body_zh": "请周一带护照。",
        "action": "preview",
    }
    return {**data, **changes}


def test_the_compose_page_states_the_language_rule(office_client, cohort):
    page = office_client.get(NEW, {"cohort": cohort.pk, "audience": "cohort"}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    html = page.content.decode()
    assert "they get the English one, else the Russian one" in html
    assert page.context["form"].initial["audience"] == "cohort"


def test_the_preview_shows_each_language_and_the_recipients_and_sends_nothing(office_client, cohort, two):
    response = office_client.post(NEW, compose(cohort), HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview["count"] == 2 and preview["with_email"] == 2
    assert {row["student"].pk for row in preview["recipients"]} == {two["wang"].pk, two["nurlan"].pk}
    columns = {column["language"]: column for column in preview["columns"]}
    assert columns["zh-hans"]["subject"] == "签证材料" and "请周一带护照。" in columns["zh-hans"]["text"]
    assert "王芳" in columns["zh-hans"]["text"]  # greeted as that student would be
    assert columns["zh-hans"]["readers"] == 1 and not columns["zh-hans"]["fallback"]
    # Not written in Russian: a Russian reader gets English, with the frame in Russian.
    assert columns["ru"]["fallback"] and columns["ru"]["version"] == "en"
    assert columns["ru"]["subject"] == "Visa documents" and "Bring your passport" in columns["ru"]["text"]
    assert "Международный отдел" in columns["ru"]["text"] or "МГТУ" in columns["ru"]["text"]
    html = response.content.decode()
    assert "Not written in this language: gets the English version." in html and "Send to 2 students" in html
    assert not Message.objects.exists() and mail.outbox == []


def test_sending_reaches_the_audience_and_the_pages_say_what_was_sent(
    office_client, cohort, two, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = office_client.post(NEW, compose(cohort, action="send"))
    message = Message.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("students:message-detail", args=[message.pk])
    assert sorted(m.to[0] for m in mail.outbox) == ["n@x.kz", "wang@example.cn"]

    listing = office_client.get(reverse("students:message-list"), HTTP_ACCEPT_LANGUAGE="en")
    (row,) = listing.context["sent"]
    assert (row.recipients_count, row.sent_count, row.failed_count, row.read_count) == (2, 2, 0, 0)
    assert cohort.code in listing.content.decode() and row.title == "Visa documents"
    # Each clerk reads the subject in their language, by the students' rule (no Russian version: English).
    assert (
        office_client.get(reverse("students:message-list"), HTTP_ACCEPT_LANGUAGE="zh-hans").context["sent"][0].title
        == "签证材料"
    )
    assert (
        office_client.get(reverse("students:message-list"), HTTP_ACCEPT_LANGUAGE="ru").context["sent"][0].title
        == "Visa documents"
    )

    detail = office_client.get(reverse("students:message-detail", args=[message.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = detail.content.decode()
    assert "签证材料" in html and "Visa documents" in html and "wang@example.cn" in html

    panel = office_client.get(reverse("students:student-messages", args=[two["wang"].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "签证材料" in panel.content.decode() and "clerk" in panel.content.decode()
    other = office_client.get(reverse("students:student-messages", args=[two["li"].pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "No message was sent to this student." in other.content.decode()
    page = office_client.get(reverse("students:student-detail", args=[two["wang"].pk]))
    assert reverse("students:student-messages", args=[two["wang"].pk]) in page.content.decode()


def test_a_second_click_on_send_sends_once(office_client, cohort, two, django_capture_on_commit_callbacks):
    data = compose(cohort, action="send")
    with django_capture_on_commit_callbacks(execute=True):
        office_client.post(NEW, data)
        office_client.post(NEW, data)
    assert Message.objects.count() == 1 and len(mail.outbox) == 2


def test_invalid_versions_are_shown_on_the_form(office_client, cohort, two):
    response = office_client.post(
        NEW, compose(cohort, subject_en="", body_en="", subject_zh="只有标题", body_zh=""), HTTP_ACCEPT_LANGUAGE="en"
    )
    form = response.context["form"]
    assert "body_zh" in form.errors and form.non_field_errors()
    assert response.context["preview"] is None


def test_the_lists_filter_is_an_audience(office_client, cohort, two):
    page = office_client.get(NEW, {"q": "Nurlan", "cohort": cohort.pk}, HTTP_ACCEPT_LANGUAGE="en")
    assert page.context["form"].initial["audience"] == "query"
    query = page.context["form"].initial["query"]
    response = office_client.post(NEW, compose(cohort, audience="query", query=query, cohort=""))
    assert [row["student"].pk for row in response.context["preview"]["recipients"]] == [two["nurlan"].pk]


def test_saved_filters_on_the_students_list(office_client, cohort, two, office):
    bar = office_client.get(reverse("students:saved-filters"), {"status": "enrolled"}, HTTP_ACCEPT_LANGUAGE="en")
    assert "Save this filter" in bar.content.decode() and "Write to these students" in bar.content.decode()
    response = office_client.post(
        reverse("students:saved-filters"), {"name": "Enrolled", "query": "status=enrolled&page=3"}
    )
    assert response["Location"] == reverse("students:student-list") + "?status=enrolled"
    saved = SavedFilter.objects.get()
    assert saved.params == {"status": "enrolled"} and saved.created_by == office
    # Shared: another clerk sees it, applies it, writes to it.
    colleague = make_user("colleague", "office")
    office_client.force_login(colleague)
    bar = office_client.get(reverse("students:saved-filters"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "?status=enrolled" in bar and f"saved_filter={saved.pk}" in bar
    page = office_client.get(NEW, {"saved_filter": saved.pk})
    assert page.context["form"].initial == {**page.context["form"].initial, "audience": "filter"}
    preview = office_client.post(NEW, compose(cohort, audience="filter", saved_filter=saved.pk, cohort="")).context[
        "preview"
    ]
    assert {row["student"].pk for row in preview["recipients"]} == {two["wang"].pk, two["nurlan"].pk}
    office_client.post(reverse("students:saved-filter-delete", args=[saved.pk]))
    assert not SavedFilter.objects.exists()


def test_the_students_list_loads_its_saved_filters_without_a_query_of_its_own(office_client):
    html = office_client.get(reverse("students:student-list"), {"status": "applied"}).content.decode()
    assert reverse("students:saved-filters") + "?status=applied" in html


def test_a_student_cannot_use_the_staff_pages(client, cohort, two):
    student = two["wang"]
    student.user = make_user("wang")
    student.save()
    client.force_login(student.user)
    assert client.post(NEW, compose(cohort, action="send")).status_code == 403
    assert client.post(reverse("students:saved-filters"), {"name": "x", "query": "status=applied"}).status_code == 403
    assert not Message.objects.exists() and not SavedFilter.objects.exists()


# --- the portal ---------------------------------------------------------------------------------------------------


@pytest.fixture
def sent(cohort, two, office, django_capture_on_commit_callbacks):
    for name in ("wang", "nurlan"):
        two[name].user = make_user(name)
        two[name].save()
        consents_answered(two[name])
    with django_capture_on_commit_callbacks(execute=True):
        services.message_send(
            by=office,
            token=uuid.uuid4(),
            audience="cohort",
            cohort=cohort,
            versions={"en": ("Visa documents", "Bring your passport."), "zh-hans": ("签证材料", "请带护照。")},
        )
    return two


def test_the_portal_shows_the_students_own_message_in_their_language_and_marks_it_read(client, sent):
    client.force_login(sent["wang"].user)
    home = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert home.context["unread"] == 1 and "您有1条来自国际处的未读消息。" in home.content.decode()
    listing = client.get(reverse("portal:messages"), HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = listing.content.decode()
    assert "签证材料" in html and "Visa documents" not in html and "message-unread" in html
    (copy,) = listing.context["received"]
    page = client.get(reverse("portal:message", args=[copy.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "请带护照。" in page.content.decode()
    copy.refresh_from_db()
    assert copy.read_at is not None
    assert client.get(reverse("portal:home")).context["unread"] == 0
    assert "message-unread" not in client.get(reverse("portal:messages")).content.decode()


def test_an_english_reader_gets_the_english_version_in_the_portal(client, sent):
    client.force_login(sent["nurlan"].user)
    html = client.get(reverse("portal:messages"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Visa documents" in html and "签证材料" not in html


def test_read_counts_reach_the_staff_list(client, sent, office):
    copy = MessageRecipient.objects.get(student=sent["wang"])
    client.force_login(sent["wang"].user)
    client.get(reverse("portal:message", args=[copy.pk]))
    client.force_login(office)
    (row,) = client.get(reverse("students:message-list")).context["sent"]
    assert row.read_count == 1


def test_audiences_are_described_in_words(office_client, cohort, two, office):
    services.message_send(
        by=office,
        token=uuid.uuid4(),
        audience="query",
        params={"cohort": str(cohort.pk), "status": "enrolled", "q": "Nurlan"},
        versions={"en": ("S", "T")},
    )
    html = office_client.get(reverse("students:message-list"), HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert f"Поток: {cohort.code}" in html and "Статус: зачислен" in html and "Поиск: Nurlan" in html


@pytest.mark.parametrize("count", [1, 6])
def test_the_messages_list_is_a_fixed_number_of_queries(
    office_client, cohort, two, office, count, django_assert_num_queries
):
    for _n in range(count):
        services.message_send(
            by=office,
            token=uuid.uuid4(),
            audience="query",
            params={"cohort": str(cohort.pk), "track": str(cohort.track_id), "partner": str(cohort.partner_id)},
            versions={"en": ("S", "T")},
        )
    office_client.get(reverse("students:message-list"))
    # session, user, the user's groups, permissions and unread notifications, count, the page with its counts, the
    # codes of the institutions, tracks and cohorts in the audiences (one query each)
    with django_assert_num_queries(8):
        assert len(office_client.get(reverse("students:message-list")).context["sent"]) == count


@pytest.mark.parametrize(
    ("language", "rule", "button"),
    [("ru", "он получает английскую, иначе русскую", "Предпросмотр"), ("zh-hans", "则收到英文版，其次俄文版", "预览")],
)
def test_the_pages_are_translated(office_client, cohort, two, language, rule, button):
    html = office_client.get(NEW, HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert rule in html and button in html and "they get the English one" not in html
    preview = office_client.post(NEW, compose(cohort), HTTP_ACCEPT_LANGUAGE=language).content.decode()
    assert {"ru": "Как это прочитают", "zh-hans": "阅读效果"}[language] in preview
