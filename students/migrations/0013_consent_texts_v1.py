"""The first version of each consent text, published, so that the product asks for consent from its first day. The
university's lawyers replace them with versions of their own (Administration → Consent texts); these never change."""

from django.conf import settings
from django.db import migrations
from django.utils import timezone

# The recipient and its contact are one field each, read by students in any of the three languages: written in all three.
RECIPIENT = (
    "МГТУ «СТАНКИН», Вадковский пер., 3а, Москва, 127055, Россия / "
    'MSTU "STANKIN", Vadkovsky per. 3a, Moscow 127055, Russia / '
    "莫斯科国立工艺大学“STANKIN”，俄罗斯莫斯科"
)
HOME_COLLEGE = (
    "Колледж студента в Китае, партнёр программы / "
    "The student's home college in China, a partner of the program / "
    "学生所在的中国学院（项目合作方）"
)

TEXTS = {
    "processing": {
        "categories": ["names", "identity_document", "birth_date", "contact", "education", "diploma"],
        "title_ru": "Согласие на обработку персональных данных университетом",
        "title_en": "Consent to the processing of personal data by the university",
        "title_zh": "同意大学处理个人信息",
        "body_ru": (
            "Я даю МГТУ «СТАНКИН» согласие на обработку моих персональных данных (фамилия и имя иероглифами, "
            "латиницей и кириллицей, дата рождения, данные паспорта, адрес электронной почты и телефон, сведения об "
            "обучении, результаты и документы об окончании) в целях моего обучения по программе международной "
            "академической мобильности, выдачи и проверки диплома участника программы. Обработка включает сбор, "
            "запись, хранение, уточнение, использование и удаление. Согласие действует до окончания сроков хранения, "
            "указанных университетом, и может быть отозвано в личном кабинете."
        ),
        "body_en": (
            'I consent to the processing of my personal data by MSTU "STANKIN" (my names in Han characters, Latin '
            "and Cyrillic, birth date, passport data, e-mail and phone, my study records, results and the documents "
            "of completion) for my training in the international academic mobility program and for issuing and "
            "verifying the program's diploma. Processing includes collecting, recording, storing, correcting, using "
            "and erasing. This consent lasts until the retention periods the university states have passed, and I "
            "may withdraw it in my portal."
        ),
        "body_zh": (
            "本人同意莫斯科国立工艺大学“STANKIN”处理本人的个人信息（汉字、拉丁字母和西里尔字母的姓名、出生日期、护照信息、电子邮箱和电话、"
            "学习记录、成绩及结业文件），用于本人参加国际学术交流项目的学习以及项目证书的颁发和验证。处理包括收集、记录、存储、更正、使用和删除。"
            "本同意在大学规定的保存期限届满前有效，本人可在个人主页中撤回。"
        ),
    },
    "transfer_to_russia": {
        "categories": ["names", "identity_document", "birth_date", "contact", "education"],
        "title_ru": "Отдельное согласие на передачу персональных данных из Китая в Россию",
        "title_en": "Separate consent to the transfer of personal data from China to Russia",
        "title_zh": "个人信息出境（中国至俄罗斯）单独同意",
        "body_ru": (
            "Я даю отдельное согласие на передачу моим колледжем в Китае моих персональных данных получателю за "
            "рубежом, МГТУ «СТАНКИН» (Россия), в целях зачисления и обучения по программе международной академической "
            "мобильности. Передаются: фамилия и имя, данные паспорта и дата рождения (чувствительные сведения), "
            "контактные данные и сведения об обучении. Я знаю, что могу обратиться к получателю по указанному "
            "контакту и отозвать согласие в личном кабинете."
        ),
        "body_en": (
            "I give my separate consent to my college in China transferring my personal data to a recipient abroad, "
            'MSTU "STANKIN" (Russia), for my admission to and training in the international academic mobility '
            "program. Transferred: my names, my passport data and birth date (sensitive personal information), my "
            "contact details and my study records. I know I may contact the recipient at the contact given and "
            "withdraw this consent in my portal."
        ),
        "body_zh": (
            "本人单独同意本人所在的中国学院将本人的个人信息提供给境外接收方莫斯科国立工艺大学“STANKIN”（俄罗斯），用于本人被国际学术交流项目录取和学习。"
            "提供的信息包括：姓名、护照信息和出生日期（敏感个人信息）、联系方式及学习记录。本人知悉可通过所列联系方式联系接收方，并可在个人主页中撤回本同意。"
        ),
    },
    "transfer_to_partner": {
        "categories": ["names", "education", "diploma"],
        "title_ru": "Согласие на передачу сведений об обучении в мой колледж",
        "title_en": "Consent to the transfer of my study records to my college",
        "title_zh": "同意将学习记录提供给本人所在学院",
        "body_ru": (
            "Я даю согласие на передачу МГТУ «СТАНКИН» моему колледжу в Китае (через его информационную систему, "
            "уведомления и портал партнёра) моих фамилии и имени, сведений о зачислении, результатов по модулям и "
            "сведений о дипломе участника программы, в целях учёта моего обучения колледжем. Я могу отозвать "
            "согласие в личном кабинете; после этого уведомления колледжу не содержат моих персональных данных."
        ),
        "body_en": (
            'I consent to MSTU "STANKIN" transferring to my college in China (through its IT system, notifications '
            "and the partner portal) my names, my enrollment, my module results and my program diploma, so that my "
            "college records my training. I may withdraw this consent in my portal; from then on the notifications "
            "to my college carry no personal data of mine."
        ),
        "body_zh": (
            "本人同意莫斯科国立工艺大学“STANKIN”将本人的姓名、录取情况、各模块成绩及项目证书信息（通过学院的信息系统、通知和合作方门户）"
            "提供给本人所在的中国学院，用于学院记录本人的学习。本人可在个人主页中撤回本同意；撤回后发给学院的通知将不再包含本人的个人信息。"
        ),
    },
    "public_name": {
        "categories": ["names", "diploma"],
        "title_ru": "Согласие на показ имени на странице проверки диплома",
        "title_en": "Consent to showing my name on the diploma's verification page",
        "title_zh": "同意在证书验证页面显示本人姓名",
        "body_ru": (
            "Я даю согласие на то, чтобы открытая страница проверки моего диплома (по QR-коду) показывала мои фамилию "
            "и имя во всех трёх записях. Без этого согласия страница подтверждает подлинность диплома и показывает "
            "только инициалы, а имя проверяется, когда проверяющий вводит его сам."
        ),
        "body_en": (
            "I consent to the public verification page of my diploma (reached from its QR code) showing my names in "
            "all three scripts. Without this consent the page confirms the diploma and shows my initials only; a "
            "verifier may still check a name they type in."
        ),
        "body_zh": (
            "本人同意本人证书的公开验证页面（通过二维码访问）显示本人三种文字的姓名。若不同意，该页面仅确认证书真实有效并只显示姓名首字母，"
            "验证者可输入姓名进行核对。"
        ),
    },
}


def publish_first_versions(apps, schema_editor):
    ConsentText = apps.get_model("students", "ConsentText")
    now = timezone.now()
    contact = f"Международный офис · International Office · 国际处, {settings.OFFICE_EMAIL}"
    for purpose, text in TEXTS.items():
        if ConsentText.objects.filter(purpose=purpose).exists():
            continue
        recipient = {"transfer_to_russia": RECIPIENT, "transfer_to_partner": HOME_COLLEGE}.get(purpose, "")
        ConsentText.objects.create(
            purpose=purpose,
            version=1,
            recipient=recipient,
            recipient_contact=contact if recipient else "",
            published_at=now,
            created_at=now,
            **text,
        )


class Migration(migrations.Migration):
    dependencies = [("students", "0012_consent")]

    operations = [migrations.RunPython(publish_first_versions, migrations.RunPython.noop)]
