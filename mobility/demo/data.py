"""The demo's static tables: institutions, contacts, agreements, cohorts, continuations and the name tables.

The tables are written as they stand on ``DESIGN_DAY``; ``DemoCalendar`` moves them to the day the demo is seeded
(``dated_agreements``, ``dated_cohorts``, ``dated_continuations``), so that the demo has open, running and completed
cohorts on any day. Years that appear in codes and names (``{year}``) come from the moved dates.

The tracks and their modules are in ``tracks``; the demo logins and the API key are in ``seed``.
"""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any, overload

from programs.models import Institution
from students.models import Enrollment

D = datetime.date
S = Enrollment.Status

HOST = "STANKIN"

# The day the tables below describe: the 2025 intake has finished, the 2026 intake is in its third month and takes
# late applicants until the end of November, applications to the 2027 intake are open.
DESIGN_DAY = D(2026, 11, 21)
# The first day of each intake (design years). More than 365 days apart, so that whatever the shift, two intakes
# never start in the same calendar year: the intake year is part of cohort codes and keys the agreements' quotas.
INTAKE_STARTS = {2025: D(2025, 9, 1), 2026: D(2026, 9, 7), 2027: D(2027, 9, 13)}


@dataclasses.dataclass(frozen=True)
class DemoCalendar:
    """Moves the tables' dates from ``DESIGN_DAY`` to the day the demo is dated, by whole weeks so that every
    weekday stays (intakes start on a Monday, exams fall on weekdays).

    ``for_day(today)`` is at most six days behind ``today``: every date of the tables up to ``DESIGN_DAY`` (an
    application, a decision, a result) is then in the past, and every later one (a deadline, an end) is still ahead.
    """

    shift: datetime.timedelta = datetime.timedelta(0)

    @classmethod
    def for_day(cls, today: datetime.date) -> DemoCalendar:
        return cls(datetime.timedelta(weeks=(today - DESIGN_DAY).days // 7))

    @property
    def day_of_design(self) -> datetime.date:
        """The day the moved tables describe: ``DESIGN_DAY`` moved."""
        return DESIGN_DAY + self.shift

    @overload
    def day(self, day: datetime.date) -> datetime.date: ...
    @overload
    def day(self, day: None) -> None: ...
    def day(self, day: datetime.date | None) -> datetime.date | None:
        return None if day is None else day + self.shift

    def days(self, between: tuple[datetime.date, datetime.date] | None) -> tuple[datetime.date, datetime.date] | None:
        return None if between is None else (self.day(between[0]), self.day(between[1]))

    def intake_year(self, design_year: int) -> int:
        return (INTAKE_STARTS[design_year] + self.shift).year


# --- institutions, contacts, agreements --------------------------------------------------------------------------

INSTITUTIONS = [
    {
        "code": "STANKIN",
        "kind": Institution.Kind.HOST,
        "name_en": 'Moscow State University of Technology "STANKIN"',
        "name_ru": "Московский государственный технологический университет «СТАНКИН»",
        "name_zh": "莫斯科国立工艺大学“斯坦金”",
        "short_name": 'MSTU "STANKIN"',
        "country": "RU",
        "city": "Moscow",
        "address": "Vadkovsky per. 3a, Moscow 127055, Russia",
        "website": "https://stankin.ru",
    },
    {
        "code": "CQEVTC",
        "kind": Institution.Kind.SENDING,
        "name_en": "Chongqing Engineering Vocational Technical College",
        "name_ru": "Чунцинский инженерный профессионально-технический колледж",
        "name_zh": "重庆工程职业技术学院",
        "short_name": "CQEVTC",
        "country": "CN",
        "city": "Chongqing",
    },
    {
        "code": "HUATEC",
        "kind": Institution.Kind.FACILITATOR,
        "name_en": "Beijing Information Technology Corporation HUATEC",
        "name_ru": "Пекинская корпорация информационных технологий HUATEC",
        # The company's registered Chinese name is not confirmed; this keeps the Latin brand instead of guessing.
        "name_zh": "北京HUATEC信息技术公司",
        "short_name": "HUATEC",
        "country": "CN",
        "city": "Beijing",
    },
    {
        # A fictional second college, so that every partner-scoping rule has someone else's data to hide.
        "code": "XJIVC",
        "kind": Institution.Kind.SENDING,
        "name_en": "Xiangjiang Industrial Vocational College",
        "name_ru": "Сянцзянский индустриальный профессиональный колледж",
        "name_zh": "湘江工业职业学院",
        "short_name": "XJIVC",
        "country": "CN",
        "city": "Changsha",
    },
]

# (institution, full name, position, role in the program, e-mail, primary)
CONTACTS = [
    (
        "STANKIN",
        "Nadezhda Popova",
        "Director of the Center for International Cooperation",
        "program coordinator",
        "n.popova@stankin.example",
        True,
    ),
    (
        "STANKIN",
        "Andrey Kutin",
        "Acting Vice-Rector for International and Expert-analytical Activities",
        "signatory",
        "a.kutin@stankin.example",
        False,
    ),
    (
        "STANKIN",
        "Maria Bilchuk",
        "Director of the Directorate for Organizational Support of Educational Activities",
        "timetables and academic records",
        "m.bilchuk@stankin.example",
        False,
    ),
    ("CQEVTC", "Zhang Jin", "President (Dr.)", "signatory", "zhang.jin@cqevtc.example", False),
    (
        "CQEVTC",
        "He Jing",
        "Director of the International Exchange Office",
        "program coordinator",
        "he.jing@cqevtc.example",
        True,
    ),
    (
        "CQEVTC",
        "Liu Yang",
        "Head of the Information Center",
        "IT contact (student information system, API key)",
        "liu.yang@cqevtc.example",
        False,
    ),
    ("HUATEC", "Wang Lei", "Project Manager, International Education", "facilitator", "wang.lei@huatec.example", True),
    (
        "XJIVC",
        "Zhou Min",
        "Coordinator, International Cooperation Office",
        "program coordinator",
        "zhou.min@xjivc.example",
        True,
    ),
]

AGREEMENTS: list[dict[str, Any]] = [
    {
        "number": "STK-IAM-{year}-001",  # the year it was signed
        "title": "Three-party agreement on international academic mobility (STANKIN – CQEVTC – HUATEC)",
        "host": "STANKIN",
        "partner": "CQEVTC",
        "facilitator": "HUATEC",
        "signed_on": D(2025, 4, 15),
        "valid_from": D(2025, 5, 1),
        "valid_until": D(2030, 8, 31),
        # (track, intake: a year of INTAKE_STARTS) → places
        "quotas": {
            ("MECH", 2025): 20,
            ("INDW", 2025): 10,
            ("SOFT", 2025): 15,
            ("MECH", 2026): 20,
            ("INDW", 2026): 15,
            ("SOFT", 2026): 20,
            ("MECH", 2027): 20,
        },
    },
    {
        "number": "STK-IAM-{year}-002",
        "title": "Agreement on international academic mobility (STANKIN – XJIVC)",
        "host": "STANKIN",
        "partner": "XJIVC",
        "facilitator": None,
        "signed_on": D(2026, 3, 20),
        "valid_from": D(2026, 4, 1),
        "valid_until": D(2029, 8, 31),
        "quotas": {("MECH", 2026): 8},
    },
]

# --- cohorts and what happens to their students ------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class CohortSpec:
    code: str  # "{year}" is the intake year (the year it starts)
    name: str  # likewise
    track: str
    partner: str
    agreement: str  # the agreement's number as written in AGREEMENTS
    intake: int  # a year of INTAKE_STARTS: the cohort starts on that day
    end: datetime.date
    deadline: datetime.date
    capacity: int
    lms_course_id: str  # likewise with "{year}"
    accepts_applications: bool  # on DESIGN_DAY; every cohort took applications in its time
    department: int  # the home college's department code in student ids
    email_domain: str
    # The main intake's applications and the day they were decided (None: no students yet).
    applied_between: tuple[datetime.date, datetime.date] | None
    decided_on: datetime.date | None
    # The last day results are known (None: the cohort has finished, every module is graded).
    graded_until: datetime.date | None
    # How many students end in each status, in this order.
    outcomes: tuple[tuple[str, int], ...]
    rejections: tuple[str, ...] = ()  # one reason per rejected application
    withdrawal: tuple[datetime.date, str] | None = None
    failure: tuple[str, str] | None = None  # (module failed twice, reason); decided on the end date
    # Late applications, after the main intake: still to be decided, or admitted but not yet studying.
    late_applied_between: tuple[datetime.date, datetime.date] | None = None
    late_decided_on: datetime.date | None = None
    start: datetime.date | None = None  # set by ``dated``: INTAKE_STARTS[intake] moved
    # Set by ``dated``: the code as written here with the intake, the same on every day (seeds the random names).
    key: str = ""

    @property
    def entry_year(self) -> int:
        """The year its students entered the home college (part of their student ids): the year before the intake."""
        return self.start.year - 1

    def dated(self, calendar: DemoCalendar) -> CohortSpec:
        """This cohort moved to the calendar's day, with the years in its code and name filled in."""
        start = calendar.day(INTAKE_STARTS[self.intake])
        late = self.late_applied_between
        return dataclasses.replace(
            self,
            code=self.code.format(year=start.year),
            name=self.name.format(year=start.year),
            lms_course_id=self.lms_course_id.format(year=start.year),
            agreement=_agreement_number(self.agreement, calendar),
            start=start,
            key=f"{self.code}@{self.intake}",
            end=calendar.day(self.end),
            deadline=calendar.day(self.deadline),
            applied_between=calendar.days(self.applied_between),
            decided_on=calendar.day(self.decided_on),
            graded_until=calendar.day(self.graded_until),
            withdrawal=(calendar.day(self.withdrawal[0]), self.withdrawal[1]) if self.withdrawal else None,
            late_applied_between=calendar.days(late),
            late_decided_on=calendar.day(self.late_decided_on),
        )


COHORTS = [
    CohortSpec(
        code="CQ-MECH-{year}",
        name="Mechatronics, Chongqing, intake {year}",
        track="MECH",
        partner="CQEVTC",
        agreement="STK-IAM-{year}-001",
        intake=2025,
        end=D(2026, 6, 30),
        deadline=D(2025, 6, 30),
        capacity=20,
        lms_course_id="eios-mech-cq-{year}",
        accepts_applications=False,
        department=3,
        email_domain="stu.cqevtc.example",
        applied_between=(D(2025, 6, 2), D(2025, 6, 27)),
        decided_on=D(2025, 7, 15),
        graded_until=None,
        outcomes=((S.COMPLETED, 14), (S.FAILED, 1), (S.WITHDRAWN, 1), (S.REJECTED, 1)),
        rejections=("The application came without the first-year transcript, which did not follow by the deadline.",),
        withdrawal=(
            D(2025, 12, 5),
            "Left the program at the student's own request: took up a full-time internship in Chongqing.",
        ),
        failure=("MECH-07", "Required module MECH-07 (Programmable Logic Controllers) not passed in two attempts."),
    ),
    CohortSpec(
        code="CQ-SOFT-{year}",
        name="Software Technologies, Chongqing, intake {year}",
        track="SOFT",
        partner="CQEVTC",
        agreement="STK-IAM-{year}-001",
        intake=2025,
        end=D(2026, 6, 30),
        deadline=D(2025, 6, 30),
        capacity=15,
        lms_course_id="eios-soft-cq-{year}",
        accepts_applications=False,
        department=8,
        email_domain="stu.cqevtc.example",
        applied_between=(D(2025, 6, 2), D(2025, 6, 27)),
        decided_on=D(2025, 7, 15),
        graded_until=None,
        outcomes=((S.COMPLETED, 11), (S.REJECTED, 1)),
        rejections=("No prior programming course: the track requires an introductory programming course.",),
    ),
    CohortSpec(
        code="CQ-INDW-{year}",
        name="Industrial Work, Chongqing, intake {year}",
        track="INDW",
        partner="CQEVTC",
        agreement="STK-IAM-{year}-001",
        intake=2026,
        end=D(2027, 6, 30),
        deadline=D(2026, 11, 30),  # online cohorts take late applicants until the end of November
        capacity=15,
        lms_course_id="eios-indw-cq-{year}",
        accepts_applications=True,
        department=5,
        email_domain="stu.cqevtc.example",
        applied_between=(D(2026, 6, 1), D(2026, 6, 26)),
        decided_on=D(2026, 7, 14),
        graded_until=D(2026, 11, 20),
        outcomes=((S.ENROLLED, 10), (S.ADMITTED, 2)),
        late_applied_between=(D(2026, 10, 12), D(2026, 10, 23)),
        late_decided_on=D(2026, 11, 16),
    ),
    CohortSpec(
        code="CQ-SOFT-{year}",
        name="Software Technologies, Chongqing, intake {year}",
        track="SOFT",
        partner="CQEVTC",
        agreement="STK-IAM-{year}-001",
        intake=2026,
        end=D(2027, 6, 30),
        deadline=D(2026, 11, 30),
        capacity=15,
        lms_course_id="eios-soft-cq-{year}",
        accepts_applications=True,
        department=8,
        email_domain="stu.cqevtc.example",
        applied_between=(D(2026, 6, 1), D(2026, 6, 26)),
        decided_on=D(2026, 7, 14),
        graded_until=D(2026, 11, 20),
        outcomes=((S.ENROLLED, 11), (S.APPLIED, 3)),
        late_applied_between=(D(2026, 11, 9), D(2026, 11, 18)),
    ),
    CohortSpec(
        code="XJ-MECH-{year}",
        name="Mechatronics, Xiangjiang, intake {year}",
        track="MECH",
        partner="XJIVC",
        agreement="STK-IAM-{year}-002",
        intake=2026,
        end=D(2027, 6, 30),
        deadline=D(2026, 7, 1),
        capacity=8,
        lms_course_id="eios-mech-xj-{year}",
        accepts_applications=False,
        department=12,
        email_domain="stu.xjivc.example",
        applied_between=(D(2026, 6, 8), D(2026, 6, 30)),
        decided_on=D(2026, 7, 20),
        graded_until=D(2026, 11, 20),
        outcomes=((S.ENROLLED, 5),),
    ),
    # Next year's intake takes applications for months ahead, so a demo database keeps an open cohort long after
    # the day it was seeded.
    CohortSpec(
        code="CQ-MECH-{year}",
        name="Mechatronics, Chongqing, intake {year}",
        track="MECH",
        partner="CQEVTC",
        agreement="STK-IAM-{year}-001",
        intake=2027,
        end=D(2028, 6, 30),
        deadline=D(2027, 6, 30),
        capacity=20,
        lms_course_id="eios-mech-cq-{year}",
        accepts_applications=True,
        department=3,
        email_domain="stu.cqevtc.example",
        applied_between=None,
        decided_on=None,
        graded_until=None,
        outcomes=(),
    ),
]

# Completed students who applied to a bachelor's program at the host: (cohort code and intake, index among the
# cohort's completed students, program code, program name, applied on, decision, decided on).
CONTINUATIONS = [
    (("CQ-MECH-{year}", 2025), 0, "15.03.06", "Mechatronics and Robotics", D(2026, 7, 8), "accepted", D(2026, 8, 3)),
    (
        ("CQ-MECH-{year}", 2025),
        1,
        "15.03.05",
        "Design and Technological Support of Machine-Building Production",
        D(2026, 7, 10),
        "accepted",
        D(2026, 8, 3),
    ),
    (("CQ-SOFT-{year}", 2025), 0, "09.03.04", "Software Engineering", D(2026, 11, 10), "pending", None),
]


def _agreement_number(number: str, calendar: DemoCalendar) -> str:
    row = next(row for row in AGREEMENTS if row["number"] == number)
    return number.format(year=calendar.day(row["signed_on"]).year)


def dated_agreements(calendar: DemoCalendar) -> list[dict]:
    """``AGREEMENTS`` moved to the calendar's day: dates, the signing year in the number, quotas by intake year."""
    return [
        {
            **row,
            "number": _agreement_number(row["number"], calendar),
            "signed_on": calendar.day(row["signed_on"]),
            "valid_from": calendar.day(row["valid_from"]),
            "valid_until": calendar.day(row["valid_until"]),
            "quotas": {(track, calendar.intake_year(year)): places for (track, year), places in row["quotas"].items()},
        }
        for row in AGREEMENTS
    ]


def dated_cohorts(calendar: DemoCalendar) -> list[CohortSpec]:
    """``COHORTS`` moved to the calendar's day."""
    return [spec.dated(calendar) for spec in COHORTS]


def dated_continuations(calendar: DemoCalendar) -> list[tuple]:
    """``CONTINUATIONS`` moved to the calendar's day, each with its cohort's code."""
    return [
        (
            code.format(year=calendar.intake_year(intake)),
            index,
            program,
            name,
            calendar.day(applied),
            decision,
            calendar.day(decided),
        )
        for (code, intake), index, program, name, applied, decision, decided in CONTINUATIONS
    ]


# --- names -------------------------------------------------------------------------------------------------------

# Han, pinyin, Cyrillic (Palladius system).
FAMILY_NAMES = [
    ("王", "Wang", "Ван"),
    ("李", "Li", "Ли"),
    ("张", "Zhang", "Чжан"),
    ("刘", "Liu", "Лю"),
    ("陈", "Chen", "Чэнь"),
    ("杨", "Yang", "Ян"),
    ("黄", "Huang", "Хуан"),
    ("赵", "Zhao", "Чжао"),
    ("吴", "Wu", "У"),
    ("周", "Zhou", "Чжоу"),
    ("徐", "Xu", "Сюй"),
    ("孙", "Sun", "Сунь"),
    ("马", "Ma", "Ма"),
    ("朱", "Zhu", "Чжу"),
    ("胡", "Hu", "Ху"),
    ("郭", "Guo", "Го"),
    ("何", "He", "Хэ"),
    ("林", "Lin", "Линь"),
    ("罗", "Luo", "Ло"),
    ("高", "Gao", "Гао"),
]
# Han, pinyin (two syllables written as one word), Cyrillic (likewise), sex.
GIVEN_NAMES = [
    ("伟", "Wei", "Вэй", "M"),
    ("芳", "Fang", "Фан", "F"),
    ("敏", "Min", "Минь", "F"),
    ("静", "Jing", "Цзин", "F"),
    ("强", "Qiang", "Цян", "M"),
    ("磊", "Lei", "Лэй", "M"),
    ("军", "Jun", "Цзюнь", "M"),
    ("勇", "Yong", "Юн", "M"),
    ("杰", "Jie", "Цзе", "M"),
    ("涛", "Tao", "Тао", "M"),
    ("明", "Ming", "Мин", "M"),
    ("超", "Chao", "Чао", "M"),
    ("婷", "Ting", "Тин", "F"),
    ("雪", "Xue", "Сюэ", "F"),
    ("秀英", "Xiuying", "Сюин", "F"),
    ("晓东", "Xiaodong", "Сяодун", "M"),
    ("子涵", "Zihan", "Цзыхань", "F"),
    ("浩然", "Haoran", "Хаожань", "M"),
    ("欣怡", "Xinyi", "Синьи", "F"),
    ("俊杰", "Junjie", "Цзюньцзе", "M"),
    ("雨涵", "Yuhan", "Юйхань", "F"),
    ("宇轩", "Yuxuan", "Юйсюань", "M"),
    ("思远", "Siyuan", "Сыюань", "M"),
    ("佳琪", "Jiaqi", "Цзяци", "F"),
    ("丽娜", "Lina", "Лина", "F"),
]
