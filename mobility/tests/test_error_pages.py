"""The site's own error pages (mobility/foundation/errors.py): 400, 403, 404, 500 and the CSRF failure, each in the
visitor's language and in the layout of who they are (staff, student, anyone), and ``/favicon.ico``."""

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.test import Client, RequestFactory, override_settings
from django.urls import path
from django.utils import translation

from mobility.foundation.access import OFFICE
from mobility.foundation.errors import server_error
from mobility.tests.support import make_user
from mobility.urls import urlpatterns as site_urlpatterns
from students.tests.factories import StudentFactory, consents_answered

pytestmark = pytest.mark.django_db

STAFF = 'class="navbar navbar-expand-lg'  # templates/base.html
PORTAL = "portal-nav"  # templates/portal/base.html
PUBLIC = 'class="portal public-page"'  # templates/public_base.html


def _layout(html: str) -> str:
    found = [name for name, mark in (("staff", STAFF), ("portal", PORTAL), ("public", PUBLIC)) if mark in html]
    assert len(found) == 1, found
    return found[0]


def _templates(response) -> list[str]:
    return [template.name for template in response.templates]


def _client(language: str, user=None, **options) -> Client:
    client = Client(**options)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    if user is not None:
        client.force_login(user)
    return client


def test_a_russian_clerk_refused_an_office_admin_page_gets_a_russian_403_in_the_staff_layout():
    response = _client("ru", make_user("clerk", OFFICE)).get("/api-keys/")
    assert response.status_code == 403
    assert "403.html" in _templates(response) and "base.html" in _templates(response)
    html = response.content.decode()
    assert _layout(html) == "staff" and 'lang="ru"' in html
    assert "У вас нет доступа к этой странице" in html and "Forbidden" not in html


def test_an_unknown_verification_code_is_a_chinese_404_in_the_public_layout_for_a_chinese_browser():
    response = Client(HTTP_ACCEPT_LANGUAGE="zh-CN,zh;q=0.9").get("/verify/no-such-code/")
    assert response.status_code == 404
    assert "404.html" in _templates(response) and "public_base.html" in _templates(response)
    html = response.content.decode()
    assert _layout(html) == "public" and 'lang="zh-hans"' in html
    assert "没有这个页面" in html and "没有与此验证码对应的证书。" in html  # the view's own message, translated
    assert "Not Found" not in html


def test_the_verification_page_keeps_the_public_layout_for_logged_in_staff():
    response = _client("en", make_user("clerk", OFFICE)).get("/verify/no-such-code/")
    assert response.status_code == 404 and _layout(response.content.decode()) == "public"


def test_a_student_gets_the_portals_layout_and_language():
    student = StudentFactory(user=make_user("li"))
    consents_answered(student)
    client = _client("zh-hans", student.user)
    missing = client.get("/portal/enrollments/999999/")
    assert missing.status_code == 404 and "portal/base.html" in _templates(missing)
    assert _layout(missing.content.decode()) == "portal" and "没有这个页面" in missing.content.decode()
    # A student's POST to a staff page is refused (a GET is sent on to the portal).
    refused = client.post("/students/")
    assert refused.status_code == 403 and _layout(refused.content.decode()) == "portal"


def test_anonymous_visitors_get_the_public_layout_and_english_by_default():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404 and "404.html" in _templates(response)
    html = response.content.decode()
    assert _layout(html) == "public" and "There is no such page" in html and "/accounts/login/" in html


def test_a_bad_request_gets_the_sites_400_page():
    response = _client("ru").get("/", HTTP_HOST="evil.example")  # not in ALLOWED_HOSTS
    assert response.status_code == 400 and "400.html" in _templates(response)
    assert _layout(response.content.decode()) == "public" and "Не удалось понять запрос" in response.content.decode()


def test_a_csrf_failure_is_in_the_visitors_layout_and_language():
    client = _client("ru", make_user("clerk", OFFICE), enforce_csrf_checks=True)
    response = client.post("/students/new/", {})
    assert response.status_code == 403 and "403_csrf.html" in _templates(response)
    html = response.content.decode()
    assert _layout(html) == "staff" and "Форму не удалось принять" in html


def test_the_500_page_renders_without_the_database_in_the_requests_language(django_db_blocker):
    request = RequestFactory().get("/")
    with translation.override("ru"), django_db_blocker.block():
        response = server_error(request)
    html = response.content.decode()
    assert response.status_code == 500 and 'lang="ru"' in html and "Что-то пошло не так на нашей стороне" in html


def _boom(request):
    raise RuntimeError("boom")


def _refuse(request):
    raise PermissionDenied


urlpatterns = [path("boom/", _boom), path("refuse/", _refuse), *site_urlpatterns]
handler500 = "mobility.foundation.errors.server_error"
handler403 = "mobility.foundation.errors.permission_denied"


@override_settings(ROOT_URLCONF=__name__)
def test_an_unexpected_error_answers_with_the_500_page():
    client = _client("zh-hans")
    client.raise_request_exception = False
    response = client.get("/boom/")
    assert response.status_code == 500 and "500.html" in _templates(response)
    assert "我们这边出了问题" in response.content.decode()
    assert _client("en").get("/refuse/").status_code == 403


def test_favicon_ico_is_the_static_icon():
    response = Client().get("/favicon.ico")
    assert response.status_code == 301 and response["Location"].endswith("favicon.svg")
