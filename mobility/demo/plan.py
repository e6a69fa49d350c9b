"""The plan: every demo student and what happens to them, computed from the tables without the database."""

from __future__ import annotations

import dataclasses
import datetime
import random

from mobility.demo.data import FAMILY_NAMES, GIVEN_NAMES, CohortSpec, DemoCalendar, dated_cohorts
from mobility.demo.tracks import TRACKS_BY_CODE
from programs.models import Module
from students.models import Enrollment, ModuleResult

D = datetime.date
S = Enrollment.Status
K = Module.AssessmentKind

SEED = 20250415

RETAKE_RATE = 0.06  # share of module results that fail the first attempt
RETAKE_AFTER = datetime.timedelta(days=21)
LATE_STATUSES = (S.APPLIED, S.ADMITTED)


@dataclasses.dataclass(frozen=True)
class PlannedResult:
    module: str
    attempt: int
    score: int
    assessed_on: datetime.date
    source: str


@dataclasses.dataclass(frozen=True)
class StudentPlan:
    cohort: str
    outcome: str
    fields: dict  # Student model fields, home_institution excluded
    applied_on: datetime.date
    decided_on: datetime.date | None = None  # admitted or rejected on
    enrolled_on: datetime.date | None = None
    closed_on: datetime.date | None = None  # completed, withdrawn or failed on
    reason: str = ""
    results: tuple[PlannedResult, ...] = ()

    @property
    def home_student_id(self) -> str:
        return self.fields["home_student_id"]


def build_plan(calendar: DemoCalendar | None = None) -> list[StudentPlan]:
    """Every demo student with their scripted history, dated by ``calendar`` (by default as on ``DESIGN_DAY``).
    Pure and deterministic: the same list on every call with the same calendar; another calendar gives the same
    students and histories moved in time (with the years in their student ids moved too)."""
    cohorts = dated_cohorts(calendar or DemoCalendar())
    rng = random.Random(SEED)
    total = sum(count for spec in cohorts for _, count in spec.outcomes)
    names = rng.sample([(family, given) for family in FAMILY_NAMES for given in GIVEN_NAMES], total)
    passports = rng.sample(range(10_000_000, 100_000_000), total)
    plans: list[StudentPlan] = []
    for spec in cohorts:
        outcomes = [outcome for outcome, count in spec.outcomes for _ in range(count)]
        cohort_rng = random.Random(f"{SEED}:{spec.key}")
        numbers = sorted(cohort_rng.sample(range(1, 400), len(outcomes)))
        rejections = iter(spec.rejections)
        for index, outcome in enumerate(outcomes):
            student_rng = random.Random(f"{SEED}:{spec.key}:{index}")
            (family, given), passport = names[len(plans)], passports[len(plans)]
            fields = _student_fields(
                spec, student_rng, family, given, f"{spec.entry_year}{spec.department:02d}{numbers[index]:04d}"
            )
            fields["passport_number"] = f"E{passport:08d}"
            rejection = next(rejections) if outcome == S.REJECTED else ""
            plans.append(_history(spec, outcome, student_rng, fields, rejection))
    return plans


def _student_fields(spec: CohortSpec, rng: random.Random, family, given, home_id: str) -> dict:
    family_han, family_latin, family_cyrillic = family
    given_han, given_latin, given_cyrillic, sex = given
    # Issued for the program, after the student turned 16 (a minor's passport is valid for five years only).
    issued = _some_day_between(rng, D(spec.entry_year, 1, 10), spec.applied_between[0] - datetime.timedelta(days=60))
    return {
        "home_student_id": home_id,
        "home_specialty": rng.choice(TRACKS_BY_CODE[spec.track].specialties),
        "family_name_han": family_han,
        "given_name_han": given_han,
        "family_name_latin": family_latin,
        "given_name_latin": given_latin,
        "family_name_cyrillic": family_cyrillic,
        "given_name_cyrillic": given_cyrillic,
        "sex": sex,
        "citizenship": "CN",
        # Chinese vocational students enter at 18–19; the program takes them in their second year.
        "birth_date": D(
            rng.randint(spec.entry_year - 20, spec.entry_year - 18), rng.randint(1, 12), rng.randint(1, 28)
        ),
        "passport_issued_on": issued,
        # An adult's Chinese passport is valid for ten years.
        "passport_expires_on": _years_later(issued, 10) - datetime.timedelta(days=1),
        "email": f"{given_latin.lower()}.{family_latin.lower()}@{spec.email_domain}",
    }


def _history(spec: CohortSpec, outcome: str, rng: random.Random, fields: dict, rejection: str) -> StudentPlan:
    if outcome in LATE_STATUSES:
        applied_on = _some_day_between(rng, *spec.late_applied_between)
        decided_on = spec.late_decided_on if outcome == S.ADMITTED else None
        return StudentPlan(spec.code, outcome, fields, applied_on, decided_on=decided_on)
    applied_on = _some_day_between(rng, *spec.applied_between)
    if outcome == S.REJECTED:
        return StudentPlan(spec.code, outcome, fields, applied_on, decided_on=spec.decided_on, reason=rejection)
    closed_on, reason = None, ""
    if outcome == S.WITHDRAWN:
        closed_on, reason = spec.withdrawal
    elif outcome == S.FAILED:
        closed_on, reason = spec.end, spec.failure[1]
    elif outcome == S.COMPLETED:
        closed_on = spec.end
    return StudentPlan(
        spec.code,
        outcome,
        fields,
        applied_on,
        decided_on=spec.decided_on,
        enrolled_on=spec.start,
        closed_on=closed_on,
        reason=reason,
        results=_results(spec, outcome, rng, closed_on),
    )


def _results(spec: CohortSpec, outcome: str, rng: random.Random, closed_on) -> tuple[PlannedResult, ...]:
    """Results in date order. Completed students pass every required module (some at the second attempt) and
    take some electives; the failed student fails one required module twice; a withdrawn student has results up to
    the withdrawal; students still studying have the first modules graded, a few not yet or not yet retaken."""
    last_day = spec.end - datetime.timedelta(days=1)  # results come before the decision on the end date
    until = {S.WITHDRAWN: closed_on, S.ENROLLED: spec.graded_until}.get(outcome, last_day)
    failed_module = spec.failure[0] if outcome == S.FAILED else None
    ability = rng.uniform(66, 93)
    results: list[PlannedResult] = []
    modules = TRACKS_BY_CODE[spec.track].modules
    for module, day in zip(modules, _exam_days(spec, len(modules)), strict=True):
        if day > until:
            break
        if not module.required and (outcome != S.COMPLETED or rng.random() < 0.5):
            continue
        if outcome == S.ENROLLED and rng.random() < 0.08:
            continue  # graded in the LMS but not imported yet
        source = ModuleResult.Source.MANUAL if module.kind == K.PROJECT else ModuleResult.Source.LMS
        retake_on = _weekday(min(day + RETAKE_AFTER, last_day))
        if module.code == failed_module:
            results.append(PlannedResult(module.code, 1, rng.randint(38, 55), day, source))
            results.append(PlannedResult(module.code, 2, rng.randint(45, 58), retake_on, source))
        elif rng.random() < RETAKE_RATE:
            results.append(PlannedResult(module.code, 1, rng.randint(35, 57), day, source))
            if retake_on <= until:
                results.append(PlannedResult(module.code, 2, rng.randint(61, 78), retake_on, source))
        else:
            results.append(PlannedResult(module.code, 1, max(61, min(100, round(rng.gauss(ability, 7)))), day, source))
    return tuple(sorted(results, key=lambda result: (result.assessed_on, result.module, result.attempt)))


def _exam_days(spec: CohortSpec, count: int) -> list[datetime.date]:
    """Assessment days of a track's modules, in order, spread over the cohort with the last ten days left free."""
    span = (spec.end - spec.start).days - 10
    return [_weekday(spec.start + datetime.timedelta(days=round(span * k / count))) for k in range(1, count + 1)]


def _weekday(day: datetime.date) -> datetime.date:
    """The day itself, or the Friday before when it falls on a weekend."""
    return day - datetime.timedelta(days=max(0, day.weekday() - 4))


def _years_later(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _some_day_between(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return _weekday(first + datetime.timedelta(days=rng.randint(0, (last - first).days)))
