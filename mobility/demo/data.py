"""The demo's static tables: institutions, contacts, agreements, cohorts, continuations and the name tables.

The tracks and their modules are in ``tracks``; the demo logins and the API key are in ``seed``.
"""

from __future__ import annotations

import dataclasses
import datetime

from programs.models import Institution
from students.models import Enrollment

D = datetime.date
S = Enrollment.Status

HOST = "STANKIN"

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

AGREEMENTS = [
    {
        "number": "STK-IAM-2025-001",
        "title": "Three-party agreement on international academic mobility (STANKIN – CQEVTC – HUATEC)",
        "host": "STANKIN",
        "partner": "CQEVTC",
        "facilitator": "HUATEC",
        "signed_on": D(2025, 4, 15),
        "valid_from": D(2025, 5, 1),
        "valid_until": D(2030, 8, 31),
        # (track, intake year) → places
        "quotas": {
            ("MECH", 2025): 20,
            ("INDW", 2025): 10,
            ("SOFT", 2025): 15,
            ("MECH", 2026): 20,
            ("INDW", 2026): 15,
            ("SOFT", 2026): 20,
        },
    },
    {
        "number": "STK-IAM-2026-002",
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
    code: str
    name: str
    track: str
    partner: str
    agreement: str
    start: datetime.date
    end: datetime.date
    deadline: datetime.date
    capacity: int
    lms_course_id: str
    accepts_applications: bool  # today; every cohort took applications in its time
    entry_year: int  # the year its students entered the home college (part of their student ids)
    department: int  # the home college's department code in student ids
    email_domain: str
    applied_between: tuple[datetime.date, datetime.date]  # the main intake's applications...
    decided_on: datetime.date  # ...and the day they were decided
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


COHORTS = [
    CohortSpec(
        code="CQ-MECH-2025",
        name="Mechatronics, Chongqing, intake 2025",
        track="MECH",
        partner="CQEVTC",
        agreement="STK-IAM-2025-001",
        start=D(2025, 9, 15),
        end=D(2026, 6, 30),
        deadline=D(2025, 6, 30),
        capacity=20,
        lms_course_id="eios-mech-cq-2025",
        accepts_applications=False,
        entry_year=2024,
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
        code="CQ-SOFT-2025",
        name="Software Technologies, Chongqing, intake 2025",
        track="SOFT",
        partner="CQEVTC",
        agreement="STK-IAM-2025-001",
        start=D(2025, 9, 15),
        end=D(2026, 6, 30),
        deadline=D(2025, 6, 30),
        capacity=15,
        lms_course_id="eios-soft-cq-2025",
        accepts_applications=False,
        entry_year=2024,
        department=8,
        email_domain="stu.cqevtc.example",
        applied_between=(D(2025, 6, 2), D(2025, 6, 27)),
        decided_on=D(2025, 7, 15),
        graded_until=None,
        outcomes=((S.COMPLETED, 11), (S.REJECTED, 1)),
        rejections=("No prior programming course: the track requires an introductory programming course.",),
    ),
    CohortSpec(
        code="CQ-INDW-2026",
        name="Industrial Work, Chongqing, intake 2026",
        track="INDW",
        partner="CQEVTC",
        agreement="STK-IAM-2025-001",
        start=D(2026, 9, 7),
        end=D(2027, 6, 30),
        deadline=D(2026, 11, 30),  # online cohorts take late applicants until the end of November
        capacity=15,
        lms_course_id="eios-indw-cq-2026",
        accepts_applications=True,
        entry_year=2025,
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
        code="CQ-SOFT-2026",
        name="Software Technologies, Chongqing, intake 2026",
        track="SOFT",
        partner="CQEVTC",
        agreement="STK-IAM-2025-001",
        start=D(2026, 9, 7),
        end=D(2027, 6, 30),
        deadline=D(2026, 11, 30),
        capacity=15,
        lms_course_id="eios-soft-cq-2026",
        accepts_applications=True,
        entry_year=2025,
        department=8,
        email_domain="stu.cqevtc.example",
        applied_between=(D(2026, 6, 1), D(2026, 6, 26)),
        decided_on=D(2026, 7, 14),
        graded_until=D(2026, 11, 20),
        outcomes=((S.ENROLLED, 11), (S.APPLIED, 3)),
        late_applied_between=(D(2026, 11, 9), D(2026, 11, 18)),
    ),
    CohortSpec(
        code="XJ-MECH-2026",
        name="Mechatronics, Xiangjiang, intake 2026",
        track="MECH",
        partner="XJIVC",
        agreement="STK-IAM-2026-002",
        start=D(2026, 9, 14),
        end=D(2027, 6, 30),
        deadline=D(2026, 7, 1),
        capacity=8,
        lms_course_id="eios-mech-xj-2026",
        accepts_applications=False,
        entry_year=2025,
        department=12,
        email_domain="stu.xjivc.example",
        applied_between=(D(2026, 6, 8), D(2026, 6, 30)),
        decided_on=D(2026, 7, 20),
        graded_until=D(2026, 11, 20),
        outcomes=((S.ENROLLED, 5),),
    ),
]

# Completed students who applied to a bachelor's program at the host: (cohort, index among the cohort's completed
# students, program code, program name, applied on, decision, decided on).
CONTINUATIONS = [
    ("CQ-MECH-2025", 0, "15.03.06", "Mechatronics and Robotics", D(2026, 7, 8), "accepted", D(2026, 8, 3)),
    (
        "CQ-MECH-2025",
        1,
        "15.03.05",
        "Design and Technological Support of Machine-Building Production",
        D(2026, 7, 10),
        "accepted",
        D(2026, 8, 3),
    ),
    ("CQ-SOFT-2025", 0, "09.03.04", "Software Engineering", D(2026, 11, 10), "pending", None),
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
