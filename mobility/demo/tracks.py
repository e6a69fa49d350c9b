"""The demo's tracks and their modules, in teaching order."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from programs.models import Module

K = Module.AssessmentKind

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
