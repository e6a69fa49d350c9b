"""Demo data: the STANKIN – Chongqing – HUATEC partnership, three tracks, five cohorts and sixty students.

``seed_demo()`` creates what is missing and never changes what exists, so a second run changes nothing: rows are
found by their natural keys (codes, agreement numbers, home student ids, usernames), and a student who already has
an enrollment is not taken through the workflow again. Enrollments and results are written only through
``students.services``, as the product writes them, so the audit log tells the same story as the data.

Everything is deterministic: the students come from small hand-checked name tables and a fixed random seed, and
the dates are fixed (the 2025 intake has finished, the 2026 intake is in its third month in November 2026) rather
than relative to today.

The passwords and the partner API key below are public. ``manage.py seed_demo`` refuses to run with ``DEBUG`` off
unless told otherwise; nothing here may reach a production database.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from rest_framework_api_key.crypto import concatenate

from mobility.access import OFFICE, OFFICE_ADMIN, roles_sync
from mobility.models import AuditEntry, PartnerAPIKey
from programs.models import Agreement, AgreementQuota, Cohort, Contact, Institution, Module, Track
from students import services
from students.models import Continuation, Enrollment, ModuleResult, Student

D = datetime.date
S = Enrollment.Status
K = Module.AssessmentKind

SEED = 20250415
HOST = "STANKIN"

# --- logins ------------------------------------------------------------------------------------------------------

# Public demo credentials, printed by the command on every run.
DEMO_PASSWORDS = {
    "admin": "admin-demo",
    "popova": "popova-demo",
    "office": "office-demo",
    "student": "student-demo",
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
# The student login belongs to the first completed student of this cohort.
STUDENT_LOGIN_COHORT = "CQ-MECH-2025"

# --- institutions, contacts, agreements --------------------------------------------------------------------------

INSTITUTIONS = [
    {
        "code": "STANKIN",
        "kind": Institution.Kind.HOST,
        "name_en": 'Moscow State University of Technology "STANKIN"',
        "name_ru": "Московский государственный технологический университет «СТАНКИН»",
        "name_zh": "莫斯科国立工业大学“斯坦金”",
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

# --- tracks and modules ------------------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class ModuleSpec:
    code: str
    title_en: str
    title_ru: str
    title_zh: str
    hours: int
    kind: str
    required: bool = True

    @property
    def credits(self) -> Decimal:
        # One credit unit (ЗЕТ) is 36 academic hours.
        return Decimal(self.hours // 36)


@dataclasses.dataclass(frozen=True)
class TrackSpec:
    code: str
    names: tuple[str, str, str]  # en, ru, zh
    descriptions: tuple[str, str, str]
    specialties: tuple[str, ...]  # home specialties of the students who choose it
    modules: tuple[ModuleSpec, ...]


M = ModuleSpec
TRACKS = [
    TrackSpec(
        "MECH",
        ("Mechatronics", "Мехатроника", "机电一体化"),
        (
            "Design, control and maintenance of mechatronic systems: electric drives, sensors, programmable logic "
            "controllers, CNC machine tools and industrial robots. Taught online in the electronic educational "
            'environment of MSTU "STANKIN" by the university\'s teaching staff; ends with a design project.',
            "Проектирование, управление и обслуживание мехатронных систем: электропривод, датчики, программируемые "
            "логические контроллеры, станки с ЧПУ и промышленные роботы. Обучение проходит онлайн в электронной "
            "информационно-образовательной среде МГТУ «СТАНКИН» с участием преподавателей университета и "
            "завершается выпускным проектом.",
            "机电系统的设计、控制与维护：电气传动、传感器、可编程逻辑控制器、数控机床和工业机器人。课程由"
            "斯坦金大学教师通过学校电子教育平台在线授课，最后完成毕业设计项目。",
        ),
        ("Electromechanical Integration Technology", "Industrial Robot Technology", "Electrical Automation Technology"),
        (
            M("MECH-01", "Engineering Graphics and CAD", "Инженерная графика и САПР", "工程制图与CAD", 72, K.EXAM),
            M(
                "MECH-02",
                "Fundamentals of Electrical Engineering and Electronics",
                "Основы электротехники и электроники",
                "电工电子技术基础",
                108,
                K.EXAM,
            ),
            M("MECH-03", "Theory of Mechanisms and Machines", "Теория механизмов и машин", "机械原理", 108, K.EXAM),
            M(
                "MECH-04",
                "Hydraulic and Pneumatic Drives",
                "Гидравлические и пневматические приводы",
                "液压与气动技术",
                72,
                K.CREDIT,
            ),
            M(
                "MECH-05",
                "Sensors and Measurement Systems",
                "Датчики и измерительные системы",
                "传感器与检测技术",
                72,
                K.CREDIT,
            ),
            M(
                "MECH-06",
                "Electric Drives and Servo Systems",
                "Электропривод и сервосистемы",
                "电气传动与伺服系统",
                108,
                K.EXAM,
            ),
            M(
                "MECH-07",
                "Programmable Logic Controllers",
                "Программируемые логические контроллеры",
                "可编程逻辑控制器",
                144,
                K.EXAM,
            ),
            M(
                "MECH-08",
                "CNC Machine Tools and Their Programming",
                "Станки с ЧПУ и их программирование",
                "数控机床与编程",
                108,
                K.EXAM,
            ),
            M("MECH-09", "Industrial Robotics", "Промышленная робототехника", "工业机器人技术", 72, K.EXAM),
            M("MECH-10", "Machine Vision", "Техническое зрение", "机器视觉", 36, K.CREDIT, required=False),
            M(
                "MECH-11",
                "Russian for Engineers",
                "Русский язык для инженеров",
                "工程俄语",
                72,
                K.CREDIT,
                required=False,
            ),
            M(
                "MECH-12",
                "Final Project: Design of a Mechatronic System",
                "Выпускной проект: проектирование мехатронной системы",
                "毕业设计：机电系统设计",
                144,
                K.PROJECT,
            ),
        ),
    ),
    TrackSpec(
        "INDW",
        # The program's own name is "Industrial Work"; the Russian and Chinese renderings await the office's check.
        ("Industrial Work", "Промышленная работа", "工业生产实践"),
        (
            "Practical work in a modern machine-building plant: reading technical drawings, materials and "
            "metalworking, machining on CNC machine tools, quality control, lean production and equipment "
            "maintenance; ends with a project built on a real production task.",
            "Практическая работа на современном машиностроительном предприятии: чтение технических чертежей, "
            "материаловедение и обработка металлов, обработка на станках с ЧПУ, контроль качества, бережливое "
            "производство и обслуживание оборудования; завершается проектом на основе реальной производственной "
            "задачи.",
            "现代机械制造企业的实践工作：机械识图、工程材料与金属加工、数控机床加工、质量控制、精益生产和设备"
            "维护，最后完成一个基于真实生产任务的项目。",
        ),
        ("Mechanical Manufacturing and Automation", "Numerical Control Technology", "Mould Design and Manufacturing"),
        (
            M(
                "INDW-01",
                "Occupational Safety in Industry",
                "Охрана труда на производстве",
                "工业安全与职业健康",
                36,
                K.CREDIT,
            ),
            M("INDW-02", "Reading Technical Drawings", "Чтение технических чертежей", "机械识图", 72, K.EXAM),
            M(
                "INDW-03",
                "Materials Science and Metalworking",
                "Материаловедение и технология обработки металлов",
                "工程材料与金属加工",
                108,
                K.EXAM,
            ),
            M(
                "INDW-04",
                "Metrology, Standardization and Quality Control",
                "Метрология, стандартизация и контроль качества",
                "计量、标准化与质量控制",
                72,
                K.EXAM,
            ),
            M(
                "INDW-05",
                "Cutting Tools and Machining",
                "Режущий инструмент и обработка резанием",
                "切削刀具与切削加工",
                108,
                K.EXAM,
            ),
            M("INDW-06", "Operating CNC Machine Tools", "Работа на станках с ЧПУ", "数控机床操作", 144, K.EXAM),
            M("INDW-07", "Lean Production", "Бережливое производство", "精益生产", 72, K.CREDIT),
            M(
                "INDW-08",
                "Maintenance of Industrial Equipment",
                "Техническое обслуживание промышленного оборудования",
                "工业设备维护与保养",
                72,
                K.EXAM,
            ),
            M(
                "INDW-09",
                "Additive Manufacturing",
                "Аддитивные технологии",
                "增材制造技术",
                36,
                K.CREDIT,
                required=False,
            ),
            M(
                "INDW-10",
                "Production Practice Project",
                "Проект по производственной практике",
                "生产实践项目",
                144,
                K.PROJECT,
            ),
        ),
    ),
    TrackSpec(
        "SOFT",
        ("Software Technologies", "Программные технологии", "软件技术"),
        (
            "Programming and software development for industry: Python, algorithms, databases, networks, Linux, "
            "web development, software engineering and testing, and software for industrial automation; ends with a "
            "team project.",
            "Программирование и разработка программного обеспечения для промышленности: Python, алгоритмы, базы "
            "данных, сети, Linux, веб-разработка, программная инженерия и тестирование, программное обеспечение "
            "систем промышленной автоматизации; завершается командным проектом.",
            "面向工业的程序设计与软件开发：Python、算法、数据库、计算机网络、Linux、Web开发、软件工程与测试"
            "以及工业自动化软件，最后完成团队项目。",
        ),
        ("Software Technology", "Computer Application Technology", "Big Data Technology"),
        (
            M("SOFT-01", "Programming in Python", "Программирование на языке Python", "Python程序设计", 108, K.EXAM),
            M(
                "SOFT-02",
                "Algorithms and Data Structures",
                "Алгоритмы и структуры данных",
                "算法与数据结构",
                108,
                K.EXAM,
            ),
            M("SOFT-03", "Databases and SQL", "Базы данных и язык SQL", "数据库技术与SQL", 72, K.EXAM),
            M("SOFT-04", "Computer Networks", "Компьютерные сети", "计算机网络", 72, K.CREDIT),
            M(
                "SOFT-05",
                "Operating Systems and Linux",
                "Операционные системы и Linux",
                "操作系统与Linux",
                72,
                K.CREDIT,
            ),
            M("SOFT-06", "Web Development", "Веб-разработка", "Web应用开发", 108, K.EXAM),
            M(
                "SOFT-07",
                "Software Engineering and Testing",
                "Программная инженерия и тестирование",
                "软件工程与测试",
                72,
                K.EXAM,
            ),
            M(
                "SOFT-08",
                "Software for Industrial Automation",
                "Программное обеспечение систем промышленной автоматизации",
                "工业自动化软件",
                72,
                K.EXAM,
            ),
            M(
                "SOFT-09",
                "Introduction to Machine Learning",
                "Введение в машинное обучение",
                "机器学习导论",
                72,
                K.CREDIT,
                required=False,
            ),
            M(
                "SOFT-10",
                "Russian for IT Specialists",
                "Русский язык для ИТ-специалистов",
                "IT专业俄语",
                36,
                K.CREDIT,
                required=False,
            ),
            M("SOFT-11", "Team Software Project", "Командный программный проект", "团队软件项目", 144, K.PROJECT),
        ),
    ),
]
del M
TRACKS_BY_CODE = {track.code: track for track in TRACKS}

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

# --- the plan: every student and what happens to them, computed without the database -----------------------------

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


def build_plan() -> list[StudentPlan]:
    """Every demo student with their scripted history. Pure and deterministic: the same list on every call."""
    rng = random.Random(SEED)
    total = sum(count for spec in COHORTS for _, count in spec.outcomes)
    names = rng.sample([(family, given) for family in FAMILY_NAMES for given in GIVEN_NAMES], total)
    passports = rng.sample(range(10_000_000, 100_000_000), total)
    plans = []
    for spec in COHORTS:
        outcomes = [outcome for outcome, count in spec.outcomes for _ in range(count)]
        cohort_rng = random.Random(f"{SEED}:{spec.code}")
        numbers = sorted(cohort_rng.sample(range(1, 400), len(outcomes)))
        rejections = iter(spec.rejections)
        for index, outcome in enumerate(outcomes):
            student_rng = random.Random(f"{SEED}:{spec.code}:{index}")
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


# --- seeding -----------------------------------------------------------------------------------------------------

# The tables whose counts the summary shows.
SUMMARY_MODELS = [
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


@dataclasses.dataclass
class SeedReport:
    counts: list[tuple[str, int, int]]  # model label, rows before, rows after
    statuses: dict[str, int]
    logins: list[Login]
    api_key: str
    api_key_note: str


@transaction.atomic
def seed_demo() -> SeedReport:
    """Create the demo data that is missing, in one transaction. Idempotent: a second run changes no row.

    Rows that exist already (found by natural key) are left exactly as they are, even when they differ from the
    demo's values; students who already have an enrollment are not taken through the workflow again.
    """
    user_model = get_user_model()
    before = _counts()
    users, created_users = _seed_users()
    institutions = _seed_institutions()
    _seed_contacts(institutions)
    modules = _seed_tracks()
    _seed_agreements(institutions)
    cohorts = _seed_cohorts(institutions)
    plans = build_plan()
    students = _seed_students(plans, cohorts, modules, clerk=users[CLERK], decider=users[DECIDER])
    _seed_continuations(plans, students, institutions[HOST])
    login_student, users["student"] = _seed_student_login(plans, students, created_users)
    api_key_note = _seed_api_key(institutions[DEMO_API_KEY_INSTITUTION], created_by=users[DECIDER])

    logins = []
    for username, password in DEMO_PASSWORDS.items():
        user = users[username]
        role = STAFF_USERS[username][0] if username in STAFF_USERS else "student"
        works = username in created_users or user.check_password(password)
        if username == "student":
            note = f"{login_student.full_name_latin} {login_student.full_name_han}, {STUDENT_LOGIN_COHORT} (portal)"
        else:
            note = "Django admin" if user.is_staff else ""
        logins.append(Login(role, username, password, works, note))
    statuses = dict.fromkeys(S.values, 0)
    for status in Enrollment.objects.values_list("status", flat=True):
        statuses[status] += 1
    after = _counts()
    counts = [(model._meta.label, before[model], after[model]) for model in SUMMARY_MODELS]
    counts.append((user_model._meta.label, before[user_model], after[user_model]))
    return SeedReport(counts, statuses, logins, DEMO_API_KEY, api_key_note)


def _counts() -> dict:
    return {model: model.objects.count() for model in [*SUMMARY_MODELS, get_user_model()]}


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


def _seed_agreements(institutions: dict[str, Institution]) -> None:
    tracks = {track.code: track for track in Track.objects.filter(code__in=TRACKS_BY_CODE)}
    for row in AGREEMENTS:
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
                "notes": "Demo data.",
            },
        )
        for (track, year), places in row["quotas"].items():
            AgreementQuota.objects.get_or_create(
                agreement=agreement, track=tracks[track], year=year, defaults={"places": places}
            )


def _seed_cohorts(institutions: dict[str, Institution]) -> dict[str, Cohort]:
    cohorts = {}
    for spec in COHORTS:
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


def _seed_continuations(plans, students, university: Institution) -> None:
    for cohort, index, code, name, applied_on, decision, decided_on in CONTINUATIONS:
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


def _seed_student_login(plans, students, created_users: set[str]) -> tuple[Student, object]:
    """The ``student`` login, linked to the first completed student of ``STUDENT_LOGIN_COHORT``."""
    user_model = get_user_model()
    plan = _completed_plans(plans, STUDENT_LOGIN_COHORT)[0]
    student = students[STUDENT_LOGIN_COHORT, plan.home_student_id]
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
    lines += [
        "",
        "Demo logins: public passwords, for a local development database only.",
        f"  URL: {base_url}/admin/",
    ]
    for login in report.logins:
        password = login.password if login.works else "(existed before the seed: password not changed)"
        note = f"  {login.note}" if login.note else ""
        lines.append(f"  {login.role:<13} {login.username:<8} {password:<13}{note}")
    lines += [
        f"  Partner API key ({report.api_key_note}):",
        f"    {report.api_key}",
        f'    curl -H "Authorization: Api-Key {report.api_key}" {base_url}/api/v1/',
    ]
    return "\n".join(lines)
