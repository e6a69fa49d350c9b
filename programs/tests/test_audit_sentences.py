"""The programs app's audit entries as sentences, in English and Russian; a cohort's title in the reader's
language."""

import datetime

import pytest
from django.conf import settings
from django.utils import translation

from mobility.foundation.audit_sentences import audit_sentence
from mobility.foundation.models import AuditEntry
from mobility.tests.support import make_user
from programs import services
from programs.tests.factories import CohortFactory, InstitutionFactory, TrackFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in another language leaves it active in this thread (LocaleMiddleware): later tests start in the
    default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def popova(db):
    return make_user("n.popova", first_name="Nadezhda", last_name="Popova")


def test_a_cohort_change_reads_with_verbose_names_and_choice_labels(popova):
    cohort = CohortFactory(code="MECH26", name="Mechatronics 2026", capacity=20, delivery_mode="online")
    services.cohort_update(cohort=cohort, by=popova, data={"capacity": 25, "delivery_mode": "on_campus"})
    entry = AuditEntry.objects.get(action="cohort.update")
    with translation.override("en"):
        assert audit_sentence(entry) == (
            "Nadezhda Popova changed the cohort MECH26 Mechatronics 2026: capacity: 20 → 25; "
            "delivery mode: online → on campus"
        )
    with translation.override("ru"):
        russian = audit_sentence(entry)
    assert russian.startswith("Nadezhda Popova: изменён поток MECH26 Mechatronics 2026: ")
    assert "20 → 25" in russian and "on_campus" not in russian and "онлайн" in russian


def test_a_new_track_reads_as_added(popova):
    data = {"code": "ROB", "name_en": "Robotics", "name_ru": "Робототехника", "name_zh": "机器人"}
    services.track_create(by=popova, data=data)
    entry = AuditEntry.objects.get(action="track.create")
    with translation.override("en"):
        assert audit_sentence(entry).startswith("Nadezhda Popova added the track ")
    with translation.override("zh-hans"):
        assert audit_sentence(entry).startswith("Nadezhda Popova 添加了项目 ")


def test_the_cohorts_title_is_in_the_readers_language():
    track = TrackFactory(name_en="Mechatronics", name_ru="Мехатроника", name_zh="机电一体化")
    college = InstitutionFactory(name_en="Chongqing College", name_ru="Чунцинский колледж", name_zh="重庆学院")
    cohort = CohortFactory(track=track, partner=college, start_date=datetime.date(2025, 9, 1))
    assert cohort.title("en") == "Mechatronics, Chongqing College, intake 2025"
    assert cohort.title("ru") == "Мехатроника, Чунцинский колледж, набор 2025 года"
    assert cohort.title("zh-hans") == "机电一体化，重庆学院，2025级"
    with translation.override("zh-hans"):
        assert cohort.title() == "机电一体化，重庆学院，2025级"
