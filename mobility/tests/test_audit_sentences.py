"""Audit entries read as sentences: every action the code writes has a describer; unknown actions still read."""

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from mobility.foundation.audit import audit_record
from mobility.foundation.audit_sentences import audit_actions_described, audit_sentence
from mobility.foundation.numbers import score_plain, score_text
from mobility.tests.support import make_user
from programs.tests.factories import TrackFactory
from students.consent.models import Consent
from students.services.enrollments import TRANSITIONS

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english_afterwards():
    """A request in another language leaves it active in this thread (LocaleMiddleware): later tests start in the
    default language again."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


ROOT = Path(settings.BASE_DIR)
_ACTION_LINE = re.compile(r"\baction\s*=")
_DOTTED = re.compile(r"""f?["']([a-z_]+\.[a-z_{}]+)["']""")


def actions_in_code() -> set[str]:
    """Every action string the code passes to ``audit_record`` / ``audit_entry_build``: the dotted strings on the
    lines that set ``action`` (``action="…"``, ``action = "…" if … else "…"``); ``enrollment.{target}`` stands for
    each transition's target status, ``consent.{decision}`` for each consent decision."""
    found: set[str] = set()
    for folder in ("mobility", "programs", "students", "diplomas"):
        for path in (ROOT / folder).rglob("*.py"):
            if "tests" in path.parts or "migrations" in path.parts:
                continue
            for line in path.read_text(encoding="utf-8").splitlines():
                if _ACTION_LINE.search(line):
                    found.update(_DOTTED.findall(line))
    if "enrollment.{target}" in found:
        found.discard("enrollment.{target}")
        found.update(f"enrollment.{target}" for target in TRANSITIONS)
    if "consent.{decision}" in found:
        found.discard("consent.{decision}")
        found.update(f"consent.{decision}" for decision in Consent.Decision.values)
    return found


def test_the_scan_finds_the_actions_of_every_app():
    actions = actions_in_code()
    for expected in ("result.record", "enrollment.admitted", "diploma.issue", "cohort.update", "api_key.revoke"):
        assert expected in actions
    assert len(actions) >= 45


def test_every_action_in_the_code_has_a_sentence():
    assert actions_in_code() - audit_actions_described() == set()


def test_an_unknown_action_reads_with_the_models_verbose_names():
    track = TrackFactory(code="MECH", name_en="Mechatronics")
    user = make_user("popova", first_name="Nadezhda", last_name="Popova")
    entry = audit_record(actor=user, obj=track, action="track.merge", changes={"pass_score": (60, 65)})
    with translation.override("en"):
        assert audit_sentence(entry) == "Nadezhda Popova changed Mechatronics: pass score: 60 → 65"
    with translation.override("ru"):
        sentence = audit_sentence(entry)
    assert sentence.startswith("Nadezhda Popova: изменено — Mechatronics: ") and "60 → 65" in sentence
    assert "pass_score" not in sentence


def test_the_system_and_a_partner_key_are_named_in_words():
    track = TrackFactory(code="MECH", name_en="Mechatronics")
    entry = audit_record(actor=None, obj=track, action="track.update", changes={"code": ("MEC", "MECH")})
    entry.actor_label = "api-key:CQEVTC:SIS"
    with translation.override("en"):
        assert audit_sentence(entry).startswith("The system of CQEVTC (API key SIS) changed the track")
        entry.actor_label = "system"
        assert audit_sentence(entry) == "The system changed the track Mechatronics: code: MEC → MECH"
    with translation.override("zh-hans"):
        assert audit_sentence(entry).startswith("系统 修改了项目 Mechatronics")


def test_scores_have_no_trailing_zeros():
    assert score_plain(Decimal("80.00")) == Decimal(80) and str(score_plain(Decimal("80.00"))) == "80"
    assert str(score_plain(Decimal("80.50"))) == "80.5"
    with translation.override("en"):
        assert [score_text(v) for v in (Decimal("80.00"), Decimal("80.50"), Decimal("100"), None)] == [
            "80",
            "80.5",
            "100",
            "",
        ]
    with translation.override("ru"):
        assert score_text(Decimal("80.50")) == "80,5"


def test_an_entry_its_describer_cannot_read_falls_back_to_the_plain_sentence():
    track = TrackFactory(code="MECH", name_en="Mechatronics")
    entry = audit_record(actor=None, obj=track, action="result.record", changes={"MECH-1#1.score": (None, 80)})
    entry.changes = {"MECH-1#1.score": {"an old": "shape"}}
    with translation.override("en"):
        assert audit_sentence(entry).startswith("The system changed Mechatronics: ")
