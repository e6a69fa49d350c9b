"""The credentials as documents (pure: rows in, dictionaries and text out; nothing written).

- ``diploma_credential``: the diploma's ``OpenBadgeCredential`` (Open Badges 3.0 on the VC Data Model 2.0): the
  issuer's profile under its DID, the achievement (the track, its modules and hours, in Russian, English and Chinese),
  the holder's names in the three scripts, the validity dates, the revocation entry and the OB schema to check it by.
- ``status_list_credential``: a ``BitstringStatusListCredential`` for one list.
- ``enveloped``: the JSON form of a secured credential (VC Data Model 2.0, ``EnvelopedVerifiableCredential``), which
  the PDF embeds and the API, the portal and the verification page hand out byte for byte.

Open Badges types ``name`` and ``description`` as plain strings, so the three languages are written out in one
string, as on the paper: "Mechatronics · Мехатроника · 机电一体化", the English first for wallets that show one line.
"""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from programs.models import Module
from students.progress import progress_for

from . import jose
from .keys import issuer_did, issuer_key
from .status import encoded_list, status_place

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_SCHEMA = "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
ENVELOPED_PREFIX = "data:application/vc+jwt,"

TITLE = {
    "en": "Diploma of a participant in the international academic mobility program",
    "ru": "Диплом участника программы международной академической мобильности",
    "zh": "国际学术交流项目参与者证书",
}
SEPARATOR = " · "


def trilingual(en: str, ru: str = "", zh: str = "") -> str:
    return SEPARATOR.join(text for text in (en, ru, zh) if text)


def public_url(path: str) -> str:
    return f"{settings.MOBILITY_PUBLIC_URL.rstrip('/')}{path}"


def status_list_url(number: int) -> str:
    return public_url(reverse("credentials:status-list", args=[number]))


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _day_start(day: datetime.date) -> str:
    return f"{day.isoformat()}T00:00:00Z"


def _number(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _credential_id(diploma) -> str:
    # A name, not an address: stable for the diploma whatever the site's address becomes.
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'diploma:' + diploma.verification_code)}"


def _issuer_profile(host) -> dict:
    profile: dict[str, object] = {
        "id": issuer_did(),
        "type": ["Profile"],
        "name": trilingual(host.name_en, host.name_ru, host.name_zh),
        "url": public_url("/"),
    }
    if host.country:
        profile["address"] = {"type": ["Address"], "addressCountryCode": host.country}
    return profile


def _module_line(module: Module) -> str:
    title = trilingual(module.title_en, module.title_ru, module.title_zh)
    return f"- {module.code}: {title} — {module.hours} h · ч. · 学时"


def _achievement(track, modules: list[Module], hours: int) -> dict:
    credits = sum((module.credits for module in modules), Decimal(0))
    criteria = "\n".join(
        [
            trilingual(
                f"Completed the track's modules, {hours} academic hours:",
                f"Освоены модули трека, {hours} ак. ч.:",
                f"完成本方向课程模块，共{hours}学时：",
            ),
            "",
            *(_module_line(module) for module in modules),
        ]
    )
    achievement = {
        "id": f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'track:' + track.code)}",
        "type": ["Achievement"],
        "achievementType": "Diploma",
        "name": trilingual(track.name_en, track.name_ru, track.name_zh),
        "description": trilingual(track.description_en or track.name_en, track.description_ru, track.description_zh),
        "criteria": {"narrative": criteria},
        "humanCode": track.code,
        "fieldOfStudy": trilingual(track.name_en, track.name_ru, track.name_zh),
        "inLanguage": "en",
    }
    if credits:
        achievement["creditsAvailable"] = _number(credits)
    return achievement


def _identifiers(student) -> list[dict]:
    names = [student.full_name_latin, student.full_name_cyrillic, student.full_name_han]
    return [
        {"type": "IdentityObject", "identityType": "name", "hashed": False, "identityHash": name}
        for name in names
        if name
    ]


def diploma_credential(diploma, enrollment) -> dict:
    """The diploma's ``OpenBadgeCredential`` (unsecured), from the diploma (its ``issued_at`` assigned) and its
    enrollment with student, track and host; the modules counted are the passed ones of the track, in order."""
    if not diploma.issued_at or not diploma.pk:
        raise ValueError("A credential is made only after the diploma's issue date is assigned.")
    student, track, host = enrollment.student, enrollment.track, enrollment.cohort.host
    progress = progress_for(enrollment=enrollment)
    modules = [
        module
        for module in Module.objects.filter(track=track).order_by("order", "code")
        if module.pk in progress.passed_module_ids
    ]
    subject: dict = {
        "type": ["AchievementSubject"],
        "identifier": _identifiers(student),
        "achievement": _achievement(track, modules, progress.hours_passed or 0),
    }
    if enrollment.enrolled_on:
        subject["activityStartDate"] = _day_start(enrollment.enrolled_on)
    if enrollment.completed_on:
        subject["activityEndDate"] = _day_start(enrollment.completed_on)
    if progress.credits_passed:
        subject["creditsEarned"] = _number(progress.credits_passed)
    list_number, index = status_place(diploma.pk)
    list_url = status_list_url(list_number)
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": _credential_id(diploma),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": _issuer_profile(host),
        "validFrom": _utc(diploma.issued_at),
        "name": trilingual(TITLE["en"], TITLE["ru"], TITLE["zh"]),
        "description": trilingual(
            f"No. {diploma.number}, verifiable at {diploma.verification_url}",
            f"№ {diploma.number}, проверка: {diploma.verification_url}",
        ),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{list_url}#{index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(index),
            "statusListCredential": list_url,
        },
        "credentialSchema": [{"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}],
    }


def diploma_credential_token(diploma, enrollment) -> str:
    """The diploma's credential secured as ``application/vc+jwt`` with the issuer's key."""
    return jose.sign(diploma_credential(diploma, enrollment), key=issuer_key())


def enveloped(token: str) -> dict:
    return {"@context": [VC_CONTEXT], "id": ENVELOPED_PREFIX + token, "type": "EnvelopedVerifiableCredential"}


def enveloped_bytes(token: str) -> bytes:
    """The JSON file of a secured credential: what the PDF embeds and every download serves, the same bytes."""
    return jose.json_bytes(enveloped(token))


def status_list_credential(status_list) -> dict:
    """The ``BitstringStatusListCredential`` of one list (``diplomas.models.StatusList``), valid from its last
    change (or now, for a list nothing of which was ever revoked)."""
    url = status_list_url(status_list.number)
    changed = status_list.modified_at or timezone.now()
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": _utc(changed),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list(bytes(status_list.bits or b"")),
        },
    }


def status_list_token(status_list) -> str:
    return jose.sign(status_list_credential(status_list), key=issuer_key())
