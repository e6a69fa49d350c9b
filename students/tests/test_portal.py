"""The student portal (students/portal/): who reaches which page, what a student sees of their own records, the
correction requests (the student's side and the office's), the query counts, and the first-load budget."""

import datetime
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone

from diplomas import services as diploma_services
from diplomas.models import Diploma
from diplomas.tests.factories import FAKE_PDF
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from programs.tests.factories import CohortFactory, ModuleFactory, TrackFactory
from students import selectors, services
from students.models import CorrectionRequest, Enrollment, ModuleResult, Student
from students.progress import enrollment_progress
from students.services.corrections import MAX_OPEN_REQUESTS, correction_request_close, correction_request_create

from .factories import EnrollmentFactory, ModuleResultFactory, StudentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

BUDGET = 250 * 1024  # bytes of a first load: the page and every file it references
ZH = "zh-hans"


# --- fixtures ------------------------------------------------------------------------------------------------------


def _enrolled(student, track, *, cohort=None):
    cohort = cohort or CohortFactory(track=track, partner=student.home_institution)
    return EnrollmentFactory(student=student, cohort=cohort, status=Enrollment.Status.ENROLLED)


@pytest.fixture
def me(issued):
    """A student with an account: a completed enrollment with an issued diploma (the ``issued`` fixture), and an
    enrollment in Mechatronics with three modules: PLC passed (second attempt), CAD failed, SAFE (optional) pending."""
    student = issued.enrollment.student
    student.user = make_user("wei")
    student.phone = "+86 138 0000 1111"
    student.home_specialty = "Automation"
    student.save()
    track = TrackFactory(code="MECH", name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    enrollment = _enrolled(student, track)
    plc = ModuleFactory(track=track, code="PLC", title_en="PLC programming", title_zh="PLC编程", hours=72, credits=2)
    cad = ModuleFactory(track=track, code="CAD", title_en="CAD design", title_zh="CAD设计", hours=36, credits=1)
    ModuleFactory(track=track, code="SAFE", title_en="Safety", hours=18, credits=0.5, is_required=False)
    ModuleResultFactory(enrollment=enrollment, module=plc, grade=ModuleResult.Grade.UNSATISFACTORY, score=40)
    ModuleResultFactory(enrollment=enrollment, module=plc, attempt=2, grade=ModuleResult.Grade.GOOD, score=81)
    ModuleResultFactory(enrollment=enrollment, module=cad, grade=ModuleResult.Grade.UNSATISFACTORY, score=52)
    student.mech = enrollment
    student.diploma = issued
    return student


@pytest.fixture
def other():
    """Another student with an account, an enrollment and a correction request."""
    student = StudentFactory(user=make_user("li"), family_name_latin="Li", given_name_latin="Na")
    student.enrollment = _enrolled(student, TrackFactory(code="SOFT"))
    student.request = CorrectionRequest.objects.create(student=student, message="My name is Li Na.")
    return student


@pytest.fixture
def me_client(client, me):
    client.force_login(me.user)
    return client


def _portal_urls(student) -> dict[str, str]:
    return {
        "home": reverse("portal:home"),
        "enrollment": reverse("portal:enrollment", args=[student.mech.pk]),
        "my-data": reverse("portal:my-data"),
    }


PAGES = ["home", "enrollment", "my-data"]


# --- who reaches what ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_are_sent_to_log_in(client, me, page):
    url = _portal_urls(me)[page]
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next={url}"


@pytest.mark.parametrize("page", PAGES)
def test_the_student_sees_their_own_page_privately(me_client, me, page):
    response = me_client.get(_portal_urls(me)[page], HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    own = {"home": me.full_name_latin, "enrollment": "PLC programming", "my-data": me.passport_number}[page]
    assert own in response.content.decode()


@pytest.mark.parametrize("page", PAGES)
def test_office_staff_are_sent_to_their_dashboard(client, me, office, page):
    """Staff have no student record: the portal is not theirs, and it never shows them a student's page."""
    client.force_login(office)
    response = client.get(_portal_urls(me)[page])
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard")


@pytest.mark.parametrize("page", PAGES)
def test_a_user_who_is_neither_staff_nor_student_is_refused(client, me, page):
    client.force_login(make_user("nobody"))
    assert client.get(_portal_urls(me)[page]).status_code == 403


def test_a_student_whose_data_were_erased_has_no_portal(client, me):
    Student.objects.filter(pk=me.pk).update(erased_at=timezone.now())
    client.force_login(me.user)
    assert client.get(reverse("portal:home")).status_code == 403
    fresh = type(me.user).objects.get(pk=me.user_id)
    assert list(selectors.portal_enrollments(viewer=fresh)) == []


def test_another_students_enrollment_is_404(me_client, other):
    assert me_client.get(reverse("portal:enrollment", args=[other.enrollment.pk])).status_code == 404
    assert me_client.get(reverse("portal:enrollment", args=[999999])).status_code == 404


def test_another_students_diploma_is_404_and_their_requests_are_not_shown(
    me_client,
    other,
    fake_render,
    django_capture_on_commit_callbacks,
):
    enrollment = EnrollmentFactory(completed=True, student=other)
    with django_capture_on_commit_callbacks(execute=True):
        diploma = diploma_services.diploma_request(enrollment=enrollment, requested_by=None)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    assert me_client.get(reverse("diplomas:diploma-pdf", args=[diploma.pk])).status_code == 404
    page = me_client.get(reverse("portal:my-data")).content.decode()
    assert "My name is Li Na." not in page
    assert other.passport_number not in page


def test_the_selectors_give_a_student_only_their_own_rows(me, other, office):
    assert list(selectors.portal_enrollments(viewer=me.user)) == list(Enrollment.objects.filter(student=me))
    assert list(selectors.portal_enrollments(viewer=office)) == []
    assert list(selectors.portal_correction_requests(viewer=me.user)) == []
    assert list(selectors.portal_correction_requests(viewer=other.user)) == [other.request]


@pytest.mark.parametrize("url", ["/", "/students/", f"/students/{1}/", "/cohorts/"])
def test_a_student_opening_a_staff_page_is_sent_to_the_portal(me_client, url):
    response = me_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:home")


def test_a_student_posting_to_a_staff_page_is_refused(me_client, me):
    response = me_client.post(reverse("students:enrollment-transition", args=[me.mech.pk, "withdraw"]))
    assert response.status_code == 403
    me.mech.refresh_from_db()
    assert me.mech.status == Enrollment.Status.ENROLLED


def test_logging_in_as_a_student_lands_on_the_portal(client, me):
    response = client.post(reverse("login"), {"username": "wei", "password": "pw"}, follow=True)
    assert response.redirect_chain[-1] == (reverse("portal:home"), 302)
    assert response.status_code == 200


# --- what the student sees -----------------------------------------------------------------------------------------


def test_home_lists_the_enrollments_with_track_status_and_dates_in_the_pages_language(client, me):
    client.force_login(me.user)
    english = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Mechatronics" in english
    assert me.mech.cohort.code in english
    assert "enrolled" in english and "completed" in english
    assert "March 1, 2026" in english or "Mar. 1, 2026" in english  # enrolled on, Django's English date format
    assert reverse("portal:enrollment", args=[me.mech.pk]) in english
    assert me.diploma.number in english  # the completed enrollment's issued diploma

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    chinese = client.get("/portal/").content.decode()
    assert '<html lang="zh-hans">' in chinese
    assert "机电一体化" in chinese and "Mechatronics" not in chinese
    assert me.home_institution.name_zh in chinese
    assert "2026年3月1日" in chinese  # Django's Chinese date format, not a hard-coded one
    assert me.full_name_han in chinese  # the greeting uses the name in the page's script


def test_progress_page_per_module_and_what_is_left(me_client, me):
    response = me_client.get(reverse("portal:enrollment", args=[me.mech.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = response.content.decode()
    progress = response.context["progress"]
    states = {row.module.code: row.state for row in progress.modules}
    assert states == {"PLC": "passed", "CAD": "failed", "SAFE": "pending"}
    assert progress.totals == enrollment_progress(enrollment=me.mech)
    # What is left is the completion rule's own answer.
    assert progress.missing == list(selectors.completion_missing_modules(enrollment=me.mech))
    assert [module.code for module in progress.missing] == ["CAD"]
    assert re.search(r'module-passed" id="module-\d+">\s*<div[^>]*>\s*<span[^>]*>PLC programming', html)
    assert "1 of 2 required modules passed" in html
    assert "72 of 126 hours" in html
    assert "2 of 3.5 credits" in html
    assert "Left for completion: 1 required module" in html
    assert "2 attempts" in html  # PLC passed at the second attempt


def test_what_is_left_is_said_only_of_an_enrollment_under_way(me_client, me):
    url = reverse("portal:enrollment", args=[me.mech.pk])
    ModuleResultFactory(enrollment=me.mech, module=me.mech.track.modules.get(code="CAD"), attempt=2)
    html = me_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Every required module is passed: the office will complete your enrollment." in html

    services.enrollment_withdraw(enrollment=me.mech, by=None, reason="Moved", on=datetime.date(2026, 5, 4))
    html = me_client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "withdrawn" in html and "This enrollment was closed on May 4, 2026." in html
    assert "Left for completion" not in html and "the office will complete" not in html

    applied = EnrollmentFactory(student=me, cohort=CohortFactory(track=TrackFactory(code="SOFT")))
    html = me_client.get(reverse("portal:enrollment", args=[applied.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Your studies have not started yet." in html


def test_progress_page_in_chinese_shows_the_track_and_module_titles_in_chinese(me_client, me):
    me_client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    html = me_client.get(reverse("portal:enrollment", args=[me.mech.pk])).content.decode()
    assert "机电一体化" in html and "PLC编程" in html and "CAD设计" in html
    assert "Safety" in html  # no Chinese title: the English one


def test_the_issued_diploma_with_download_and_verification_link(me_client, me):
    diploma = me.diploma
    html = me_client.get(reverse("portal:enrollment", args=[diploma.enrollment.pk]))
    html = html.content.decode()
    assert diploma.number in html
    download = reverse("diplomas:diploma-pdf", args=[diploma.pk])
    assert f'href="{download}"' in html
    # The verification address printed on the diploma (its QR code), on the site's public address.
    assert f'href="{diploma.verification_url}"' in html
    assert diploma.verification_url.endswith(f"/verify/{diploma.verification_code}/")
    # The link leads to the file, for the student themself.
    response = me_client.get(download)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == FAKE_PDF


def test_a_revoked_diploma_is_shown_revoked_without_download(me_client, me):
    diploma_services.diploma_revoke(diploma=me.diploma, by=None, reason="Name misspelt")
    html = me_client.get(reverse("portal:enrollment", args=[me.diploma.enrollment.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = html.content.decode()
    assert "diploma-revoked" in html and "Name misspelt" in html
    assert reverse("diplomas:diploma-pdf", args=[me.diploma.pk]) not in html
    assert f"/verify/{me.diploma.verification_code}/" in html
    home = me_client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "revoked" in home


def test_a_diploma_in_preparation_is_announced_without_number(me_client, me):
    enrollment = me.mech
    Enrollment.objects.filter(pk=enrollment.pk).update(status=Enrollment.Status.COMPLETED, completed_on="2026-12-01")
    Diploma.objects.create(enrollment=enrollment, status=Diploma.Status.RENDERING)
    html = me_client.get(reverse("portal:enrollment", args=[enrollment.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "in preparation" in html.content.decode()


def test_my_data_shows_the_students_own_personal_data(me_client, me):
    html = me_client.get(reverse("portal:my-data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    for value in (
        me.full_name_han,
        me.full_name_latin,
        me.full_name_cyrillic,
        me.home_institution.name_en,
        me.home_student_id,
        me.email,
        me.phone,
        me.passport_number,
        "May 17, 2004",  # the birth date in Django's English format
    ):
        assert value in html


# --- correction requests -------------------------------------------------------------------------------------------


def test_a_student_requests_a_correction_and_reads_the_offices_answer(client, me, office):
    client.force_login(me.user)
    response = client.post(reverse("portal:my-data"), {"message": "Given name in Cyrillic: Вэйвэй, not Вэй."})
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:my-data") + "#requests"
    request = CorrectionRequest.objects.get(student=me)
    assert request.status == CorrectionRequest.Status.OPEN
    entry = AuditEntry.objects.get(action="correction.create")
    assert entry.actor == me.user and entry.object_id == str(request.pk)
    assert "Вэйвэй" not in str(entry.changes)  # the message may hold personal data: not in the audit log
    html = client.get(reverse("portal:my-data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Вэйвэй, not Вэй." in html and "Waiting for the office" in html

    client.force_login(office)
    response = client.post(
        reverse("students:student-corrections", args=[me.pk]),
        {"request": request.pk, "status": "done", "answer": "Corrected, thank you."},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("students:student-detail", args=[me.pk]) + "#corrections"
    request.refresh_from_db()
    assert (request.status, request.answer, request.closed_by) == ("done", "Corrected, thank you.", office)
    assert request.closed_at is not None
    assert AuditEntry.objects.get(action="correction.close").changes == {"status": ["open", "done"]}

    client.force_login(me.user)
    html = client.get(reverse("portal:my-data"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Corrected, thank you." in html and "The office answered on" in html


def test_an_empty_request_is_refused_and_nothing_is_filed(me_client, me):
    response = me_client.post(reverse("portal:my-data"), {"message": "   "})
    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    assert not CorrectionRequest.objects.exists()


def test_open_requests_are_limited(me_client, me):
    for n in range(MAX_OPEN_REQUESTS):
        correction_request_create(student=me, message=f"request {n}")
    response = me_client.post(reverse("portal:my-data"), {"message": "one more"})
    assert response.status_code == 200
    assert response.context["form"].errors["message"]
    assert CorrectionRequest.objects.count() == MAX_OPEN_REQUESTS


def test_closing_rules(me, office):
    request = correction_request_create(student=me, message="Phone is wrong")
    with pytest.raises(DomainError) as refused:
        correction_request_close(request=request, by=office, status="declined", answer="")
    assert refused.value.code == "answer_required"
    with pytest.raises(DomainError):
        correction_request_close(request=request, by=office, status="open", answer="x")
    correction_request_close(request=request, by=office, status="declined", answer="The phone is as you gave it.")
    with pytest.raises(DomainError) as again:
        correction_request_close(request=request, by=office, status="done", answer="")
    assert again.value.code == "already_closed"
    request.refresh_from_db()
    assert request.status == "declined"


def test_a_refused_close_is_shown_to_staff_and_changes_nothing(client, me, office):
    request = correction_request_create(student=me, message="Phone is wrong")
    client.force_login(office)
    response = client.post(
        reverse("students:student-corrections", args=[me.pk]),
        {"request": request.pk, "status": "declined", "answer": ""},
        follow=True,
    )
    assert "why the request is declined" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "open"


def test_the_staff_panel_lists_open_requests_first_with_the_close_form(client, me, office):
    old = correction_request_create(student=me, message="Old request")
    correction_request_close(request=old, by=office, status="done", answer="Done")
    correction_request_create(student=me, message="New request")
    client.force_login(office)
    detail = client.get(reverse("students:student-detail", args=[me.pk])).content.decode()
    assert reverse("students:student-corrections", args=[me.pk]) in detail  # the card loads the panel
    html = client.get(reverse("students:student-corrections", args=[me.pk])).content.decode()
    assert html.index("New request") < html.index("Old request")
    assert html.count('class="correction-close"') == 1
    assert "by clerk" in html


def test_students_cannot_reach_the_staff_side_of_corrections(me_client, me, other):
    url = reverse("students:student-corrections", args=[other.pk])
    assert me_client.get(url)["Location"] == reverse("portal:home")  # a staff page: the student goes to the portal
    response = me_client.post(url, {"request": other.request.pk, "status": "done"})
    assert response.status_code == 403
    other.request.refresh_from_db()
    assert other.request.status == "open"


def test_closing_an_unknown_request_or_another_students_is_404(client, me, other, office):
    client.force_login(office)
    url = reverse("students:student-corrections", args=[me.pk])
    assert client.post(url, {"request": 424242, "status": "done"}).status_code == 404
    # The request must be the student's of the URL.
    assert client.post(url, {"request": other.request.pk, "status": "done"}).status_code == 404
    other.request.refresh_from_db()
    assert other.request.status == "open"
    assert client.get(reverse("students:student-corrections", args=[424242])).status_code == 404


# --- query counts --------------------------------------------------------------------------------------------------


def test_home_is_a_fixed_number_of_queries(me_client, me, django_assert_num_queries):
    # session, user, the student, the scoping rule's staff check, enrollments (with cohort, host, track), their
    # diplomas, the home institution of the greeting
    with django_assert_num_queries(7):
        me_client.get("/portal/")
    _enrolled(me, TrackFactory(code="IND"))
    with django_assert_num_queries(7):
        assert len(me_client.get("/portal/").context["enrollments"]) == 3


def test_progress_is_a_fixed_number_of_queries(me_client, me, django_assert_num_queries):
    url = reverse("portal:enrollment", args=[me.mech.pk])
    # session, user, the student, the scoping rule's staff check, the enrollment, its diplomas, results, modules,
    # totals, what is left
    with django_assert_num_queries(10):
        me_client.get(url)
    for n in range(5):
        module = ModuleFactory(track=me.mech.track, code=f"X{n}")
        ModuleResultFactory(enrollment=me.mech, module=module)
    with django_assert_num_queries(10):
        assert len(me_client.get(url).context["progress"].modules) == 8


def test_my_data_is_a_fixed_number_of_queries(me_client, me, office, django_assert_num_queries):
    # session, user, the student, the scoping rule's staff check, the requests, the home institution
    with django_assert_num_queries(6):
        me_client.get(reverse("portal:my-data"))
    for n in range(3):
        correction_request_close(
            request=correction_request_create(student=me, message=f"n{n}"), by=office, status="done", answer="ok"
        )
    with django_assert_num_queries(6):
        assert len(me_client.get(reverse("portal:my-data")).context["requests"]) == 3


def test_a_student_without_enrollments_is_told_so(client):
    student = StudentFactory(user=make_user("new"))
    client.force_login(student.user)
    response = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["enrollments"] == []
    assert "You have no enrollment yet." in response.content.decode()


# --- first-load budget, no outside host ----------------------------------------------------------------------------


class _References(HTMLParser):
    """Every URL an HTML page references (href, src, action, srcset…)."""

    def __init__(self):
        super().__init__()
        self.loaded: list[str] = []  # fetched on load: stylesheets, scripts, images, icons
        self.all: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        for name in ("href", "src", "action", "srcset", "poster", "data"):
            if attrs.get(name):
                self.all.append(attrs[name])
        if tag == "link" and attrs.get("href") and attrs.get("rel") in ("stylesheet", "icon", "preload", "manifest"):
            self.loaded.append(attrs["href"])
        if tag in ("script", "img", "iframe", "source", "video", "audio") and attrs.get("src"):
            self.loaded.append(attrs["src"])


def _static_file(url: str) -> Path:
    path = urlsplit(url).path
    assert path.startswith("/" + settings.STATIC_URL.lstrip("/")), f"{url} is not a static file"
    found = finders.find(path.removeprefix("/" + settings.STATIC_URL.lstrip("/")))
    assert found, f"{url} is referenced but does not exist"
    return Path(found)


def _first_load_bytes(html: bytes) -> tuple[int, dict[str, int]]:
    parser = _References()
    parser.feed(html.decode())
    sizes = {"(page)": len(html)}
    for url in parser.loaded:
        file = _static_file(url)
        sizes[url] = file.stat().st_size
        if file.suffix == ".css":  # what a stylesheet itself fetches (fonts, images; data: URIs are inline)
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)", file.read_text(encoding="utf-8-sig")):
                assert ref.startswith("data:"), f"{url} fetches {ref}"
    return sum(sizes.values()), sizes


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("language", ["en", "ru", ZH])
def test_first_load_is_within_the_budget(me_client, me, page, language):
    me_client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    html = me_client.get(_portal_urls(me)[page]).content
    total, sizes = _first_load_bytes(html)
    assert total <= BUDGET, sizes
    assert not any("bootstrap.min.css" in url or url.endswith(".js") for url in sizes), sizes


@pytest.mark.parametrize("language", ["en", "ru", ZH])
def test_the_way_into_the_portal_is_within_the_budget_too(client, me, language):
    """A student's first page is the invitation link or the login page (public_base.html), not the portal itself."""
    from students.accounts import invitation_path
    from students.services.accounts import student_invite

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    user = me.user
    user.set_unusable_password()
    user.save()
    student_invite(student=me, by=None)
    invitation = client.get(invitation_path(me), follow=True)
    assert invitation.status_code == 200 and b'name="new_password1"' in invitation.content
    for html in (invitation.content, client.get("/accounts/login/").content):
        total, sizes = _first_load_bytes(html)
        assert total <= BUDGET, sizes
        assert not any("bootstrap.min.css" in url or url.endswith(".js") for url in sizes), sizes


@pytest.mark.parametrize("page", PAGES)
def test_no_outside_host_in_the_html(me_client, me, page):
    parser = _References()
    parser.feed(me_client.get(_portal_urls(me)[page]).content.decode())
    assert parser.all
    for url in parser.all:
        parts = urlsplit(url)
        # The site itself: the test server, or its public address (the diplomas' verification links).
        assert parts.netloc in ("", "testserver", urlsplit(settings.MOBILITY_PUBLIC_URL).netloc), url
        assert parts.scheme in ("", "http", "https"), url


def test_the_portal_stylesheet_is_the_cut_not_the_staff_bundle():
    cut = Path(finders.find("vendor/bootstrap/bootstrap-portal.min.css"))
    staff = Path(finders.find("vendor/bootstrap/bootstrap.min.css"))
    assert cut.stat().st_size < staff.stat().st_size / 2
    css = cut.read_text(encoding="utf-8-sig")
    for used in (".card{", ".btn-primary{", ".list-group-item{", ".progress-bar{", ".form-control{", ".w-100{"):
        assert used in css, used
    assert ".modal{" not in css and ".navbar{" not in css and ".carousel{" not in css


# Classes that only name things for tests and people (no style of their own).
HOOK_CLASSES = {
    "completion-left",
    "correction",
    "correction-answer",
    "correction-form",
    "correction-message",
    "credits-passed",
    "diploma",
    "diploma-download",
    "diploma-number",
    "diploma-verify",
    "enrollment",
    "enrollment-link",
    "hours-passed",
    "module",
    "module-title",
    "modules",
    "personal-data",
    "progress-summary",
    "required-passed",
    "track-name",
}


def test_every_class_of_the_portals_templates_is_styled():
    """The cut holds only the parts the portal imports: a class a template starts to use must be in it (import
    its part in static/vendor/bootstrap-portal.scss and run update.sh) or in portal.css."""
    css = "".join(
        Path(finders.find(name)).read_text(encoding="utf-8-sig")
        for name in ("vendor/bootstrap/bootstrap-portal.min.css", "css/portal.css")
    )
    templates = Path(settings.BASE_DIR) / "templates"
    files = [*(templates / "portal").glob("*.html"), templates / "includes" / "language_switcher.html"]
    files += [templates / "includes" / "field.html"]
    used = set()
    for file in files:
        if file.name == "staff_corrections.html":  # a part of the staff page, on the staff bundle
            continue
        for value in re.findall(r'class="([^"]*)"', file.read_text()):
            # Names built in the template (status-{{ … }}, alert-{% if … %}) are checked by their rules elsewhere.
            names = re.sub(r"\{[{%].*?[%}]\}", "\0", value).split()
            used |= {name for name in names if "\0" not in name}
    missing = {name for name in used - HOOK_CLASSES if not re.search(rf"\.{re.escape(name)}(?![\w-])", css)}
    assert missing == set()
