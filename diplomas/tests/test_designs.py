"""Designs and signatories on the diploma: version 1 prints exactly what the template printed before, an issued
diploma records its design and signatories and is re-rendered from them whatever the office changed since, and the
signatories are those of the site's date of issue."""

import datetime
from pathlib import Path

import pytest
import time_machine
from django.template import engines
from django.utils import timezone, translation

from diplomas import layers, rendering, services
from diplomas.designs import selectors as designs
from diplomas.designs import services as design_services
from diplomas.designs.models import DocumentDesign, Signatory
from diplomas.models import Diploma
from diplomas.tests.factories import DiplomaFactory
from diplomas.tests.test_layers import raster
from diplomas.tests.test_rendering import make_diploma, needs_poppler, pdftotext, write_pdf
from students.tests.factories import EnrollmentFactory, StudentFactory

pytestmark = pytest.mark.django_db

BEFORE = Path(__file__).parent / "data" / "default_before_designs.html"
# The former setting DIPLOMA_SIGNATORIES, as the template before designs read it.
FORMER_SIGNATORIES = [
    {
        "name_ru": "И. И. Иванов",
        "name_en": "I. I. Ivanov",
        "title_ru": "Ректор МГТУ «СТАНКИН»",
        "title_en": 'Rector of MSTU "STANKIN"',
        "title_zh": "莫斯科国立工艺大学校长",
    },
    {
        "name_ru": "Н. Попова",
        "name_en": "Nadezhda Popova",
        "title_ru": "Директор Центра международного сотрудничества",
        "title_en": "Director of the Center for International Cooperation",
        "title_zh": "国际合作中心主任",
    },
]


@pytest.fixture(autouse=True)
def _no_kept_layers():
    layers.forget_static_layers()
    yield
    layers.forget_static_layers()


def same_page(tmp_path, first: bytes, second: bytes) -> None:
    """The two files read alike (pdftotext) and look alike, pixel for pixel at 100 dpi."""
    from PIL import ImageChops

    assert pdftotext(write_pdf(tmp_path, first, "first.pdf")) == pdftotext(write_pdf(tmp_path, second, "second.pdf"))
    difference = ImageChops.difference(raster(tmp_path, first, "first"), raster(tmp_path, second, "second"))
    assert difference.getbbox() is None, f"the pages differ in {difference.getbbox()}"


def classmate_diploma(diploma: Diploma) -> Diploma:
    """A requested diploma of another student of the diploma's cohort."""
    enrollment = diploma.enrollment
    other = EnrollmentFactory(
        cohort=enrollment.cohort,
        student=StudentFactory(home_institution=enrollment.student.home_institution, family_name_latin="Li"),
        admitted_on=enrollment.admitted_on,
        enrolled_on=enrollment.enrolled_on,
        completed_on=enrollment.completed_on,
        status=enrollment.status,
    )
    return DiplomaFactory(enrollment=other, design=None)


def _issue(diploma: Diploma) -> Diploma:
    """The diploma issued by the render task's service, for real (rendered, signed, stored)."""
    Diploma.objects.filter(pk=diploma.pk).update(design=None, signatories=[])
    services.diploma_issue(diploma_id=diploma.pk)
    return Diploma.objects.select_related("design").get(pk=diploma.pk)


@needs_poppler
def test_version_1_prints_exactly_what_the_template_printed_before(tmp_path):
    diploma = make_diploma()
    v1 = designs.design_current("diploma")
    assert (diploma.design, v1.version, v1.is_published) == (v1, 1, True)
    assert [s["name_latin"] for s in diploma.signatories] == ["I. I. Ivanov", "Nadezhda Popova"]

    context = rendering.diploma_context(diploma, diploma.enrollment)
    with translation.override("en"):
        old_html = (
            engines["django"]
            .from_string(BEFORE.read_text())
            .render({**context, "signatories": FORMER_SIGNATORIES, "layer": "page", "slots": ()})
        )
    before = rendering.html_to_pdf(old_html)
    assert "Настоящий диплом выдан" in old_html and "{{" not in old_html

    same_page(tmp_path, before, rendering.render_diploma_pdf(diploma))  # in layers, as the task renders it
    same_page(tmp_path, before, rendering.html_to_pdf(rendering.render_diploma_html(diploma)))


@needs_poppler
def test_an_old_diploma_is_re_rendered_as_issued_after_the_office_changed_design_and_signatories(
    tmp_path, office_admin
):
    old = _issue(make_diploma())
    assert old.status == Diploma.Status.ISSUED and old.design.version == 1
    issued_pdf = old.pdf.read()

    # The office publishes version 2, ends the rector's term yesterday, renames the director's title, adds a dean.
    draft = design_services.design_draft(kind="diploma", by=office_admin)
    design_services.design_update(
        design=draft, by=office_admin, data={"title_en": "Certificate of the academic mobility program"}
    )
    design_services.design_publish(design=draft, by=office_admin)
    rector, director = Signatory.objects.order_by("order")
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    design_services.signatory_update(signatory=rector, by=office_admin, data={"valid_until": yesterday})
    design_services.signatory_update(
        signatory=director, by=office_admin, data={"title_en": "Head of the International Office"}
    )
    design_services.signatory_create(
        by=office_admin,
        data={
            "name_cyrillic": "Ли Мин",
            "name_latin": "Li Ming",
            "name_han": "李明",
            "title_ru": "Декан",
            "title_en": "Dean",
            "title_zh": "院长",
            "valid_from": yesterday,
            "order": 0,
            "signs_diploma": True,
        },
    )

    layers.forget_static_layers()
    again = Diploma.objects.select_related("design").get(pk=old.pk)
    same_page(tmp_path, issued_pdf, rendering.render_diploma_pdf(again))
    assert again.design.version == 1 and len(again.signatories) == 2

    # A diploma issued now prints version 2 and today's signatories.
    new = _issue(classmate_diploma(old))
    assert new.design == draft and new.design.version == 2
    assert [s["name_latin"] for s in new.signatories] == ["Li Ming", "Nadezhda Popova"]
    text = pdftotext(write_pdf(tmp_path, new.pdf.read(), "new.pdf"))
    assert "Certificate of the academic mobility program" in text
    assert "Li Ming" in text and "李明" in text and "Head of the International Office" in text
    assert "Ivanov" not in text
    old_text = pdftotext(write_pdf(tmp_path, issued_pdf, "old.pdf"))
    assert "Ivanov" in old_text and "Li Ming" not in old_text


def test_a_retry_keeps_the_design_and_signatories_recorded_with_the_number(fake_render, office_admin):
    diploma = make_diploma()
    Diploma.objects.filter(pk=diploma.pk).update(design=None, signatories=[])
    fake_render.side_effect = RuntimeError("the renderer crashed")
    with pytest.raises(RuntimeError):
        services.diploma_issue(diploma_id=diploma.pk)
    first = Diploma.objects.get(pk=diploma.pk)
    assert first.status == Diploma.Status.RENDERING and first.design.version == 1

    draft = design_services.design_draft(kind="diploma", by=office_admin)
    design_services.design_publish(design=draft, by=office_admin)
    Signatory.objects.update(name_latin="Somebody Else")
    fake_render.side_effect = None
    services.diploma_issue(diploma_id=diploma.pk)
    issued = Diploma.objects.get(pk=diploma.pk)
    assert issued.status == Diploma.Status.ISSUED
    assert (issued.number, issued.design, issued.signatories) == (first.number, first.design, first.signatories)


@pytest.mark.clock
def test_the_signatories_are_those_of_the_site_s_date_of_issue(fake_render):
    # 23:30 UTC a month from now is already the next day in Moscow: a signatory who ended on the UTC day is not
    # printed, the one who starts on Moscow's day is. Ahead of now, so the diploma is issued after its request.
    moment = (timezone.now() + datetime.timedelta(days=30)).astimezone(datetime.UTC)
    moment = moment.replace(hour=23, minute=30, second=0, microsecond=0)
    utc_day, site_day = moment.date(), moment.date() + datetime.timedelta(days=1)
    Signatory.objects.update(valid_until=None)
    rector = Signatory.objects.get(name_latin="I. I. Ivanov")
    rector.valid_until = utc_day
    rector.save()
    Signatory.objects.create(
        name_cyrillic="А. Новый",
        name_latin="A. Novy",
        title_ru="Ректор",
        title_en="Rector",
        valid_from=site_day,
        order=1,
    )
    diploma = make_diploma()
    Diploma.objects.filter(pk=diploma.pk).update(design=None, signatories=[])
    with time_machine.travel(moment, tick=False):
        assert timezone.localdate() == site_day
        services.diploma_issue(diploma_id=diploma.pk)
    issued = Diploma.objects.get(pk=diploma.pk)
    assert [s["name_latin"] for s in issued.signatories] == ["A. Novy", "Nadezhda Popova"]
    assert [s.name_latin for s in designs.signatories_for("diploma", utc_day)] == [
        "I. I. Ivanov",
        "Nadezhda Popova",
    ]


def test_the_papers_are_signed_by_today_s_signatory_of_the_office_s_papers():
    assert designs.papers_signatory()["name_latin"] == "Nadezhda Popova"
    Signatory.objects.filter(name_latin="Nadezhda Popova").update(
        valid_until=timezone.localdate() - datetime.timedelta(1)
    )
    assert designs.papers_signatory() is None
    assert [s.name_latin for s in designs.signatories_for("transcript")] == ["I. I. Ivanov"]


def test_the_migration_recorded_version_1_of_both_kinds():
    assert sorted(DocumentDesign.objects.values_list("kind", "version")) == [("diploma", 1), ("transcript", 1)]
    assert designs.design_current("transcript").title_en == "Transcript of records"
