"""The setting both diploma benchmarks render: one cohort of N completed enrollments, made with bulk_create.

The page is the real one: host, sending college and facilitating company (the partnership's three parties), a track
with the demo Mechatronics track's twelve modules (trilingual titles; its transcript runs over two pages), every one
passed with scores and examination days that differ from student to student as a cohort's do (``result_score``,
``sitting``), trilingual names of different lengths. Both benches use it, so the bare render
of ``diplomas_render.py`` and that of ``diplomas.py`` are the same page.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

# (Han family, Han given, Latin family, Latin given, Cyrillic family, Cyrillic given)
PEOPLE = [
    ("张", "伟", "Zhang", "Wei", "Чжан", "Вэй"),
    ("欧阳", "明轩", "Ouyang", "Mingxuan", "Оуян", "Минсюань"),
    ("王", "小明", "Wang", "Xiaoming", "Ван", "Сяомин"),
    ("司马", "光", "Sima", "Guang", "Сыма", "Гуан"),
    ("陈", "静怡", "Chen", "Jingyi", "Чэнь", "Цзинъи"),
]


def seed_cohort(count: int):
    """Returns ``(cohort, enrollments)``: ``count`` completed enrollments of one cohort, every module passed."""
    from mobility.demo.tracks import TRACKS as DEMO_TRACKS
    from programs.models import Agreement, Cohort, Institution, Module, Track
    from students.models import Enrollment, ModuleResult, Student
    from students.services.results import grade_for_score

    host = Institution.objects.create(
        code="STANKIN",
        kind="host",
        country="RU",
        name_en='Moscow State University of Technology "STANKIN"',
        name_ru="МГТУ «СТАНКИН»",
        name_zh="莫斯科国立工艺大学",
    )
    college = Institution.objects.create(
        code="CQVIE",
        kind="sending",
        country="CN",
        name_en="Chongqing Vocational Institute of Engineering",
        name_ru="Чунцинский профессиональный инженерный институт",
        name_zh="重庆工程职业技术学院",
    )
    facilitator = Institution.objects.create(
        code="BRIDGE", kind="facilitator", country="CN", name_en="EduBridge Consulting Ltd.", name_zh="教桥咨询有限公司"
    )
    agreement = Agreement.objects.create(
        number="AGR-BENCH",
        title="Academic mobility",
        host=host,
        partner=college,
        facilitator=facilitator,
        status="active",
        valid_from=datetime.date(2025, 1, 1),
    )
    track = Track.objects.create(
        code="MECH", name_en="Mechatronics and Robotics", name_ru="Мехатроника и робототехника", name_zh="机电一体化"
    )
    modules = Module.objects.bulk_create(
        Module(
            track=track,
            code=spec.code,
            title_en=spec.title_en,
            title_ru=spec.title_ru,
            title_zh=spec.title_zh,
            hours=spec.hours,
            credits=spec.credits,
            assessment_kind=spec.kind,
            order=order,
        )
        for order, spec in enumerate(DEMO_TRACKS[0].modules)
    )
    cohort = Cohort.objects.create(
        code="MECH-2026",
        name="Mechatronics 2026",
        track=track,
        host=host,
        partner=college,
        agreement=agreement,
        start_date=datetime.date(2026, 3, 1),
        end_date=datetime.date(2026, 12, 20),
        capacity=count,
    )
    students = Student.objects.bulk_create(
        Student(
            home_institution=college,
            home_student_id=f"B{n:06d}",
            family_name_han=person[0],
            given_name_han=person[1],
            family_name_latin=person[2],
            given_name_latin=f"{person[3]} {n}",
            family_name_cyrillic=person[4],
            given_name_cyrillic=person[5],
        )
        for n, person in ((n, PEOPLE[n % len(PEOPLE)]) for n in range(count))
    )
    enrollments = Enrollment.objects.bulk_create(
        Enrollment(
            student=student,
            cohort=cohort,
            track=track,
            status="completed",
            applied_on=datetime.date(2026, 2, 1),
            admitted_on=datetime.date(2026, 2, 10),
            enrolled_on=datetime.date(2026, 3, 1),
            completed_on=datetime.date(2026, 12, 20),
        )
        for student in students
    )
    ModuleResult.objects.bulk_create(
        ModuleResult(
            enrollment=e,
            module=m,
            attempt=1,
            score=score,
            grade=grade_for_score(track=track, module=m, score=score),
            assessed_on=sitting(order, n),
        )
        for n, e in enumerate(enrollments)
        for order, m in enumerate(modules)
        for score in [result_score(order, n)]
    )
    return cohort, enrollments


def result_score(order: int, n: int) -> Decimal:
    """Student ``n``'s score in the ``order``-th module: spread over 60–100 as a real cohort's are (every one passed,
    so that every student's transcript has the same rows), so the transcripts' grade cells differ as a cohort's do."""
    return Decimal(60 + (n * 7 + order * 11) % 41)


def sitting(order: int, n: int) -> datetime.date:
    """The day of the ``order``-th module's examination; every tenth student sat it a week later."""
    return datetime.date(2026, 3 + order // 2, 10 + order) + datetime.timedelta(days=7 if n % 10 == 9 else 0)
