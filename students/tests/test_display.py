"""Small display rules of the staff pages and the portal: scores without trailing zeros, Han names kept whole,
cohort titles in the reader's language, Russian long dates, the results grid's module titles, the printable
personal-data page, the office's address in the portal."""

import datetime
import re

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone, translation
from django.utils.formats import date_format

from mobility.foundation.models import AuditEntry
from programs.tests.factories import ModuleFactory
from students.models import Enrollment

from .factories import EnrollmentFactory, ModuleResultFactory
from .portal_support import ZH

pytestmark = [pytest.mark.django_db, pytest.mark.clock]  # dates: run again at 23:30 UTC and a year ahead


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in another language leaves it active in this thread (LocaleMiddleware): later tests start in the
    default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


def test_russian_long_dates_end_without_an_abbreviation_so_a_sentence_ends_with_one_dot():
    day = datetime.date(2026, 6, 30)
    with translation.override("ru"):
        assert date_format(day, "DATE_FORMAT") == "30 июня 2026"
        text = Template("{% load i18n %}{% blocktranslate with date=day|date %}On {{ date }}.{% endblocktranslate %}")
        assert not text.render(Context({"day": day})).endswith("..")
        assert date_format(datetime.datetime(2026, 6, 30, 9, 5), "DATETIME_FORMAT") == "30 июня 2026, 9:05"


def test_scores_show_without_trailing_zeros_on_the_student_page_and_the_portal(office_client, me):
    ModuleResultFactory(enrollment=me.mech, module=ModuleFactory(track=me.mech.track, code="HALF"), score="80.50")
    page = office_client.get(f"/students/{me.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ">81<" in page and ">80.5<" in page and "81.00" not in page and "80.50" not in page
    office_client.force_login(me.user)
    portal = office_client.get(f"/portal/enrollments/{me.mech.pk}/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert "(81)" in portal and "(80,5)" in portal and "81,00" not in portal


def test_han_names_are_kept_whole_when_a_line_wraps(office_client, li):
    page = office_client.get("/students/").content.decode()
    assert re.search(r'class="[^"]*name-han[^"]*" lang="zh">李娜<', page)
    for css in ("static/css/app.css", "static/css/portal.css"):
        rule = (settings.BASE_DIR / css).read_text(encoding="utf-8")
        assert re.search(r"\.name-han \{[^}]*white-space: nowrap", rule)


def test_the_portal_shows_the_cohort_title_in_the_students_language(client, me):
    client.force_login(me.user)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = ZH
    page = client.get("/portal/").content.decode()
    assert f"机电一体化，{me.mech.cohort.partner.name('zh-hans')}，{me.mech.cohort.start_date.year}级" in page


def test_the_results_grid_shows_each_modules_title_in_the_page_language(office_client, cohort):
    ModuleFactory(track=cohort.track, code="PLC", title_en="PLC programming", title_ru="Программирование ПЛК")
    EnrollmentFactory(cohort=cohort, status=Enrollment.Status.ENROLLED)
    page = office_client.get(f"/students/cohorts/{cohort.pk}/results/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    assert re.search(r'PLC</span><div class="[^"]*module-title">Программирование ПЛК</div>', page)


def test_the_printable_personal_data_page_reads_local_times_type_names_and_the_language(client, left, office_admin):
    left.language = "zh-hans"
    left.save(update_fields=["language"])
    client.force_login(office_admin)
    page = client.get(f"/students/{left.pk}/personal-data/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Simplified Chinese" in page and ">zh-hans<" not in page
    assert not re.search(r"\d{4}-\d\d-\d\dT\d\d:\d\d", page)  # no ISO timestamps
    assert "students.enrollment" not in page and "enrollment #" in page
    assert "popova rejected the application of Li Na to MECH26" in page  # the history as sentences
    entry = AuditEntry.objects.filter(action="enrollment.rejected").get()
    assert timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M") in page  # the site's zone, ISO short format


def test_the_portal_gives_the_offices_address_and_phone(client, me, settings):
    settings.OFFICE_EMAIL = "mobility@stankin.example"
    settings.OFFICE_PHONE = "+7 499 972-94-00"
    client.force_login(me.user)
    page = client.get("/portal/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<a href="mailto:mobility@stankin.example">mobility@stankin.example</a>' in page
    assert 'href="tel:+7499972-94-00"' in page


def test_date_inputs_show_the_page_languages_date_form(office_client):
    page = office_client.get("/cohorts/new/", HTTP_ACCEPT_LANGUAGE="ru").content.decode()
    field = re.search(r'<input[^>]*name="start_date"[^>]*>', page).group(0)
    assert 'type="text"' in field and 'placeholder="ДД.ММ.ГГГГ"' in field and 'type="date"' not in page
    from mobility.foundation.forms import DateInput

    with translation.override("ru"):
        html = DateInput().render("day", datetime.date(2026, 6, 30))
    assert 'value="30.06.2026"' in html and 'placeholder="ДД.ММ.ГГГГ"' in html and 'type="text"' in html
    with translation.override("en"):
        html = DateInput().render("day", datetime.date(2026, 6, 30))
    assert 'value="2026-06-30"' in html and 'placeholder="YYYY-MM-DD"' in html
    with translation.override("zh-hans"):
        assert 'value="2026/06/30"' in DateInput().render("day", datetime.date(2026, 6, 30))


@pytest.mark.parametrize(
    ("language", "typed"), [("ru", "30.06.2026"), ("ru", "2026-06-30"), ("en", "2026-06-30"), ("zh-hans", "2026/06/30")]
)
def test_a_date_typed_in_the_languages_form_or_iso_is_read(language, typed):
    from django import forms

    class F(forms.Form):
        day = forms.DateField()

    with translation.override(language):
        form = F({"day": typed})
        assert form.is_valid() and form.cleaned_data["day"] == datetime.date(2026, 6, 30)
    with translation.override("en"):
        assert not F({"day": "06/30/2026"}).is_valid()  # never the American form
