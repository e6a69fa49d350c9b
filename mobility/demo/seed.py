"""Seeding: the demo data written through the services, the demo logins and partner API key, and the report."""

from __future__ import annotations

import copy
import dataclasses
import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.db.models import Model
from django.utils import timezone
from rest_framework_api_key.crypto import concatenate

from mobility.demo.consents import seed_transfer_consents
from mobility.demo.data import (
    AGREEMENTS,
    CONTACTS,
    HOST,
    INSTITUTIONS,
    CohortSpec,
    DemoCalendar,
    dated_agreements,
    dated_cohorts,
    dated_continuations,
)
from mobility.demo.people import MEMBER_PASSWORDS, MEMBER_USERS, member_note, seed_members
from mobility.demo.plan import StudentPlan, build_plan
from mobility.demo.tracks import TRACKS, TRACKS_BY_CODE
from mobility.foundation.access import OFFICE, OFFICE_ADMIN, roles_sync
from mobility.foundation.models import AuditEntry, PartnerAPIKey
from programs.models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, Track
from students import services
from students.models import Continuation, Enrollment, ModuleResult, Student
from students.notifications import notifications_suppressed

S = Enrollment.Status

# --- logins ------------------------------------------------------------------------------------------------------

# Public demo credentials, printed by the command on every run.
DEMO_PASSWORDS = {
    "admin": "admin-demo",
    "popova": "popova-demo",
    "office": "office-demo",
    "student": "student-demo",
    **MEMBER_PASSWORDS,  # the partnership's people (mobility.demo.people)
}
# The partner key is "<prefix>.<secret>" as djangorestframework-api-key builds it; only its hash is stored.
DEMO_API_KEY_PREFIX = "CQdemo00"
DEMO_API_KEY = f"{DEMO_API_KEY_PREFIX}.public-demo-key-never-use-in-production"
DEMO_API_KEY_NAME = "Chongqing SIS (demo)"
DEMO_API_KEY_INSTITUTION = "CQEVTC"

# username → (role shown in the logins block, first name, last name, e-mail, staff group or None)
STAFF_USERS = {
    "admin": ("superuser", "", "", "admin@stankin.example", None),
    "popova": ("office-admin", "Nadezhda", "Popova", "n.popova@stankin.example", OFFICE_ADMIN),
    "office": ("office", "Office", "Clerk", "office@stankin.example", OFFICE),
}
# Applications are imported and results recorded by ``office``; admissions and other decisions are ``popova``'s.
CLERK, DECIDER = "office", "popova"
# The student login belongs to the first completed student of this cohort (its ``CohortSpec.key``: the code of the
# dated cohort has the intake's year in it).
STUDENT_LOGIN_COHORT = "CQ-MECH-{year}@2025"
# Marks the demo's agreements; the first one's signing day tells a later run how the demo was dated.
DEMO_NOTES = "Demo data."


# The tables whose counts the summary shows.
SUMMARY_MODELS: list[type[Model]] = [
    Institution,
    Contact,
    Agreement,
    AgreementQuota,
    Track,
    Module,
    Cohort,
    Student,
    Enrollment,
    ModuleResult,
    Continuation,
    PartnerAPIKey,
    AuditEntry,
]


@dataclasses.dataclass
class Login:
    role: str
    username: str
    password: str
    works: bool  # False when the user existed before with another password
    note: str = ""
    email: str = ""  # logs in as well as the user name (mobility.foundation.logins)


@dataclasses.dataclass
class SeedReport:
    counts: list[tuple[str, int, int]]  # model label, rows before, rows after
    statuses: dict[str, int]
    day: datetime.date  # the day of this run: the cohorts' phases are as on it
    cohorts: list[tuple[str, str]]  # code, phase on that day
    logins: list[Login]
    api_key: str
    api_key_note: str


@transaction.atomic
def seed_demo(*, today: datetime.date | None = None) -> SeedReport:
    """Create the demo data that is missing, in one transaction. Idempotent: a second run changes no row.

    A new database gets the demo dated ``today`` (by default the site's local date): cohorts that take applications,
    running ones with part of their results, completed ones whose students can get diplomas (``DemoCalendar``).
    A database seeded before keeps the dates of its first seed (read from the demo's first agreement), even on a
    later day, so a later run changes nothing either; the demo then ages like real data. Rows that exist already
    (found by natural key) are left exactly as they are, even when they differ from the demo's values; students
    who already have an enrollment are not taken through the workflow again.
    """
    user_model = get_user_model()
    before = _counts()
    today = today or timezone.localdate()
    calendar = _calendar(today)
    cohort_specs = dated_cohorts(calendar)
    users, created_users = _seed_users()
    institutions = _seed_institutions()
    _seed_contacts(institutions)
    modules = _seed_tracks()
    _seed_agreements(institutions, dated_agreements(calendar))
    cohorts = _seed_cohorts(institutions, cohort_specs)
    plans = build_plan(calendar)
    # A year of the program replayed through the services is history, not news: no e-mails to the demo students.
    with notifications_suppressed():
        students = _seed_students(plans, cohorts, modules, clerk=users[CLERK], decider=users[DECIDER])
    _seed_continuations(plans, students, institutions[HOST], dated_continuations(calendar))
    login_cohort = next(spec.code for spec in cohort_specs if spec.key == STUDENT_LOGIN_COHORT)
    login_student, users["student"] = _seed_student_login(plans, students, created_users, cohort=login_cohort)
    api_key_note = _seed_api_key(institutions[DEMO_API_KEY_INSTITUTION], created_by=users[DECIDER])
    members, created_members = seed_members(
        institutions, {spec.key: spec.code for spec in cohort_specs}, by=users[DECIDER]
    )
    users.update(members)
    created_users |= created_members

    logins = []
    for username, password in DEMO_PASSWORDS.items():
        user = users[username]
        role = STAFF_USERS[username][0] if username in STAFF_USERS else str(MEMBER_USERS.get(username, ("student",))[0])
        works = username in created_users or user.check_password(password)
        if username in MEMBER_USERS:
            note = member_note(username, user)
        elif username == "student":
            name = f"{login_student.full_name_latin} {login_student.full_name_han}"
            note = f"{name}, {login_cohort} (the student portal)"
        else:
            note = "staff application and Django admin" if user.is_staff else ""
        logins.append(Login(role, username, password, works, note, user.email))
    statuses = dict.fromkeys(S.values, 0)
    for status in Enrollment.objects.values_list("status", flat=True):
        statuses[status] += 1
    after = _counts()
    counts = [(model._meta.label, before[model], after[model]) for model in SUMMARY_MODELS]
    counts.append((user_model._meta.label, before[user_model], after[user_model]))
    phases = [(spec.code, _phase(spec, today)) for spec in cohort_specs]
    return SeedReport(counts, statuses, today, phases, logins, DEMO_API_KEY, api_key_note)


def _calendar(today: datetime.date) -> DemoCalendar:
    """The calendar of the demo already in the database, if any (its first agreement's signing day moved by the
    same shift as every other date), otherwise the one that dates the demo ``today``."""
    first = AGREEMENTS[0]
    signed_on = (
        Agreement.objects.filter(partner__code=first["partner"], host__code=first["host"], notes=DEMO_NOTES)
        .order_by("pk")
        .values_list("signed_on", flat=True)
        .first()
    )
    if signed_on is None:
        return DemoCalendar.for_day(today)
    return DemoCalendar(signed_on - first["signed_on"])


def _phase(spec: CohortSpec, day: datetime.date) -> str:
    """What the cohort is doing on ``day`` (today: a demo seeded earlier has aged since)."""
    if spec.end < day:
        return "completed"
    phase = "running" if spec.start <= day else "starts " + spec.start.isoformat()
    if spec.accepts_applications and spec.deadline >= day:
        phase += f", takes applications until {spec.deadline.isoformat()}"
    return phase


def _counts() -> dict:
    return {model: model._default_manager.count() for model in [*SUMMARY_MODELS, get_user_model()]}


def _seed_users() -> tuple[dict, set[str]]:
    user_model = get_user_model()
    users, created = {}, set()
    for username, (_, first_name, last_name, email, group_name) in STAFF_USERS.items():
        user = user_model.objects.filter(username=username).first()
        if user is None:
            fields = {"email": email, "first_name": first_name, "last_name": last_name}
            if group_name is None:
                user = user_model.objects.create_superuser(username, password=DEMO_PASSWORDS[username], **fields)
            else:
                user = user_model.objects.create_user(
                    username, password=DEMO_PASSWORDS[username], is_staff=True, **fields
                )
                user.groups.add(_group(group_name))
            created.add(username)
        users[username] = user
    return users, created


def _group(name: str) -> Group:
    # The groups are made on migrate; a database migrated before they existed gets them here.
    if not Group.objects.filter(name=name).exists():
        roles_sync()
    return Group.objects.get(name=name)


def _seed_institutions() -> dict[str, Institution]:
    institutions = {}
    for row in INSTITUTIONS:
        defaults = {key: value for key, value in row.items() if key != "code"}
        institutions[row["code"]], _ = Institution.objects.get_or_create(code=row["code"], defaults=defaults)
    return institutions


def _seed_contacts(institutions: dict[str, Institution]) -> None:
    for code, full_name, position, role, email, primary in CONTACTS:
        institution = institutions[code]
        if institution.contacts.filter(full_name=full_name).exists():
            continue
        # An institution keeps the primary contact it has (one per institution, by a constraint).
        primary = primary and not institution.contacts.filter(is_primary=True).exists()
        Contact.objects.create(
            institution=institution,
            full_name=full_name,
            position=position,
            role=role,
            email=email,
            is_primary=primary,
        )


def _seed_tracks() -> dict[tuple[str, str], Module]:
    modules = {}
    for spec in TRACKS:
        track, _ = Track.objects.get_or_create(
            code=spec.code,
            defaults={
                **dict(zip(("name_en", "name_ru", "name_zh"), spec.names, strict=True)),
                **dict(zip(("description_en", "description_ru", "description_zh"), spec.descriptions, strict=True)),
            },
        )
        for order, module in enumerate(spec.modules, start=1):
            modules[spec.code, module.code], _ = Module.objects.get_or_create(
                track=track,
                code=module.code,
                defaults={
                    "title_en": module.title_en,
                    "title_ru": module.title_ru,
                    "title_zh": module.title_zh,
                    "hours": module.hours,
                    "credits": module.credits,
                    "assessment_kind": module.kind,
                    "is_required": module.required,
                    "order": order,
                },
            )
    return modules


def _seed_agreements(institutions: dict[str, Institution], agreements: list[dict]) -> None:
    tracks = {track.code: track for track in Track.objects.filter(code__in=TRACKS_BY_CODE)}
    for row in agreements:
        agreement, _ = Agreement.objects.get_or_create(
            number=row["number"],
            defaults={
                "title": row["title"],
                "host": institutions[row["host"]],
                "partner": institutions[row["partner"]],
                "facilitator": institutions[row["facilitator"]] if row["facilitator"] else None,
                "status": Agreement.Status.ACTIVE,
                "signed_on": row["signed_on"],
                "valid_from": row["valid_from"],
                "valid_until": row["valid_until"],
                "notes": DEMO_NOTES,
            },
        )
        for (track, year), places in row["quotas"].items():
            AgreementQuota.objects.get_or_create(
                agreement=agreement, track=tracks[track], year=year, defaults={"places": places}
            )


def _seed_cohorts(institutions: dict[str, Institution], specs: list[CohortSpec]) -> dict[str, Cohort]:
    cohorts = {}
    for spec in specs:
        cohorts[spec.code], _ = Cohort.objects.get_or_create(
            code=spec.code,
            defaults={
                "name": spec.name,
                "track": Track.objects.get(code=spec.track),
                "host": institutions[HOST],
                "partner": institutions[spec.partner],
                "agreement": Agreement.objects.get(number=spec.agreement),
                "start_date": spec.start,
                "end_date": spec.end,
                "application_deadline": spec.deadline,
                "capacity": spec.capacity,
                "delivery_mode": Cohort.DeliveryMode.ONLINE,
                "lms_course_id": spec.lms_course_id,
                "accepts_applications": spec.accepts_applications,
            },
        )
    return cohorts


def _seed_students(plans, cohorts, modules, *, clerk, decider) -> dict[tuple[str, str], Student]:
    students = {}
    for plan in plans:
        cohort = cohorts[plan.cohort]
        fields = {key: value for key, value in plan.fields.items() if key != "home_student_id"}
        students[plan.cohort, plan.home_student_id], _ = Student.objects.get_or_create(
            home_institution_id=cohort.partner_id, home_student_id=plan.home_student_id, defaults=fields
        )
    seed_transfer_consents(plans, students, by=clerk)  # the college's attestation, as the services require
    with_enrollment = set(Enrollment.objects.filter(student__in=students.values()).values_list("student_id", flat=True))
    for plan in plans:
        student = students[plan.cohort, plan.home_student_id]
        if student.pk not in with_enrollment:
            _replay(plan, student, cohorts[plan.cohort], modules, clerk=clerk, decider=decider)
    return students


def _replay(plan: StudentPlan, student: Student, cohort: Cohort, modules, *, clerk, decider) -> None:
    """Take one student through the enrollment workflow, dated as the plan says, through the services only."""
    # The application was made while the cohort took applications, even if it does not any more.
    then = copy.copy(cohort)
    then.accepts_applications = True
    enrollment = services.enrollment_apply(
        student=student, cohort=then, by=clerk, source=Enrollment.Source.IMPORT, applied_on=plan.applied_on
    )
    if plan.outcome == S.APPLIED:
        return
    if plan.outcome == S.REJECTED:
        services.enrollment_reject(enrollment=enrollment, by=decider, reason=plan.reason, on=plan.decided_on)
        return
    services.enrollment_admit(enrollment=enrollment, by=decider, on=plan.decided_on)
    if plan.outcome == S.ADMITTED:
        return
    services.enrollment_enroll(enrollment=enrollment, by=decider, on=plan.enrolled_on)
    for result in plan.results:
        services.result_record(
            enrollment=enrollment,
            module=modules[cohort.track.code, result.module],
            by=clerk,
            assessed_on=result.assessed_on,
            score=Decimal(result.score),
            attempt=result.attempt,
            source=result.source,
        )
    if plan.outcome == S.WITHDRAWN:
        services.enrollment_withdraw(enrollment=enrollment, by=decider, reason=plan.reason, on=plan.closed_on)
    elif plan.outcome == S.FAILED:
        services.enrollment_fail(enrollment=enrollment, by=decider, reason=plan.reason, on=plan.closed_on)
    elif plan.outcome == S.COMPLETED:
        services.enrollment_complete(enrollment=enrollment, by=decider, on=plan.closed_on)


def _completed_plans(plans: list[StudentPlan], cohort: str) -> list[StudentPlan]:
    return [plan for plan in plans if plan.cohort == cohort and plan.outcome == S.COMPLETED]


def _seed_continuations(plans, students, university: Institution, continuations: list[tuple]) -> None:
    for cohort, index, code, name, applied_on, decision, decided_on in continuations:
        plan = _completed_plans(plans, cohort)[index]
        enrollment = Enrollment.objects.filter(
            student=students[cohort, plan.home_student_id], cohort__code=cohort, status=S.COMPLETED
        ).first()
        if enrollment is None:
            continue  # the student existed before the seed with another history
        Continuation.objects.get_or_create(
            enrollment=enrollment,
            university=university,
            program_code=code,
            defaults={"program_name": name, "applied_on": applied_on, "decision": decision, "decided_on": decided_on},
        )


def _seed_student_login(plans, students, created_users: set[str], *, cohort: str) -> tuple[Student, object]:
    """The ``student`` login, linked to the first completed student of ``cohort`` (``STUDENT_LOGIN_COHORT``)."""
    user_model = get_user_model()
    plan = _completed_plans(plans, cohort)[0]
    student = students[cohort, plan.home_student_id]
    user = user_model.objects.filter(username="student").first()
    if user is None:
        user = user_model.objects.create_user(
            "student",
            password=DEMO_PASSWORDS["student"],
            email=student.email,
            first_name=student.given_name_latin,
            last_name=student.family_name_latin,
        )
        created_users.add("student")
    if student.user_id is None and not Student.objects.filter(user=user).exists():
        student.user = user
        student.save(update_fields=["user", "modified_at"])
    return student, user


def _seed_api_key(institution: Institution, *, created_by) -> str:
    """Store the public demo key's hash once, the way the library's key generator would. Returns a note on it."""
    if not PartnerAPIKey.objects.filter(prefix=DEMO_API_KEY_PREFIX).exists():
        hashed_key = PartnerAPIKey.objects.key_generator.hash(DEMO_API_KEY)
        PartnerAPIKey.objects.create(
            id=concatenate(DEMO_API_KEY_PREFIX, hashed_key),
            prefix=DEMO_API_KEY_PREFIX,
            hashed_key=hashed_key,
            name=DEMO_API_KEY_NAME,
            institution=institution,
            scopes=[PartnerAPIKey.Scope.READ.value, PartnerAPIKey.Scope.WRITE.value],
            created_by=created_by,
        )
    if PartnerAPIKey.objects.is_valid(DEMO_API_KEY):
        return f"{institution.code}, scopes read and write"
    return "NOT VALID: a key with this prefix exists but is revoked, expired or has another secret"


# --- the printed summary -----------------------------------------------------------------------------------------


def format_report(report: SeedReport, *, base_url: str) -> str:
    base_url = base_url.rstrip("/")
    width = max(len(label) for label, _, _ in report.counts)
    lines = ["Demo data (rows now, and created by this run):"]
    for label, before, after in report.counts:
        lines.append(f"  {label:<{width}}  {after:>5}  (+{after - before})")
    lines.append("Enrollments by status: " + ", ".join(f"{status} {n}" for status, n in report.statuses.items()))
    lines.append(f"Cohorts on {report.day.isoformat()} (the demo's dates follow the day it was first seeded):")
    lines += [f"  {code:<14} {phase}" for code, phase in report.cohorts]
    lines += [
        "",
        "Demo logins: public passwords, for a local development database only. The user name or the e-mail logs in.",
        f"  Staff application: {base_url}/   Raw data (Django admin): {base_url}/admin/",
        f"  Student portal (on a phone too): {base_url}/portal/",
        f"  Partner portal: {base_url}/partner/  Facilitator: {base_url}/facilitator/  Teachers: {base_url}/teaching/",
    ]
    for login in report.logins:
        password = login.password if login.works else "(existed before the seed: password not changed)"
        note = f"  {login.note}" if login.note else ""
        lines.append(f"  {login.role:<13} {login.username:<8} {password:<13}{note}")
        if login.email:
            lines.append(f"  {'':<13} or e-mail {login.email}")
    lines += [
        f"  Partner API key ({report.api_key_note}):",
        f"    {report.api_key}",
        '    sent by partner systems as the header "Authorization: Api-Key <key>"',
    ]
    return "\n".join(lines)
