"""Writes of consents: the office's texts (drafts, publication), the student's decisions, the college's attestation,
and what a withdrawal changes at once (docs/privacy.md)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Field
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.audit import Actor, actor_label, actor_user, audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.languages import name_language
from mobility.foundation.webhooks.services import webhooks_emit_many
from students.events import consent_withdrawn_event
from students.staff_notifications import consent_refused_notify

from ..models import Student
from .models import SENSITIVE_PURPOSE, Consent, ConsentText, Purpose
from .selectors import latest_versions, published_version

# The field of the API, the roster's columns and the forms that carry an attestation, named in their errors.
ATTESTATION_FIELD = "transfer_consent"
# Withdrawing (or declining) one of these erases the sensitive fields at once: without either, the university may
# neither hold nor have received the identity document and the birth date.
ERASES_SENSITIVE = (Purpose.PROCESSING, SENSITIVE_PURPOSE)


@dataclass(frozen=True)
class Attestation:
    """A college's (or the office's) statement that it collected the student's consent to ``purpose`` on the text
    numbered ``version``, on ``collected_on``."""

    version: int
    collected_on: datetime.date
    channel: str = Consent.Channel.API
    purpose: str = SENSITIVE_PURPOSE
    given_by: str = Consent.GivenBy.COLLEGE


def attestation_text(attestation: Attestation) -> ConsentText:
    """The published text the attestation names, or a ``DomainError`` on ``transfer_consent`` saying what is wrong:
    no such published version, or a collection date in the future."""
    text = published_version(attestation.purpose, attestation.version)
    refusal = attestation_refusal(attestation, text)
    if refusal is not None:
        raise refusal
    return cast(ConsentText, text)


def attestation_refusal(attestation: Attestation, text: ConsentText | None) -> DomainError | None:
    """Why an attestation is refused, given the published text it names (``None``: no such published version):
    that, or a collection date in the future; ``None`` when it stands. Services that attest many at once load the
    texts together and ask this."""
    if text is None:
        return DomainError(
            _("Version %(version)s of the consent to %(purpose)s is not a published text.")
            % {"version": attestation.version, "purpose": Purpose(attestation.purpose).label},
            code="consent_version",
            field=ATTESTATION_FIELD,
        )
    if attestation.collected_on > timezone.localdate():
        return DomainError(
            _("The consent's collection date %(date)s is in the future.")
            % {"date": attestation.collected_on.isoformat()},
            code="consent_date",
            field=ATTESTATION_FIELD,
        )
    return None


def consent_missing_error(fields) -> DomainError:
    """The refusal of sensitive fields sent without a consent to the transfer (``details`` names them as fields)."""
    labels = sorted(str(cast(Field, Student._meta.get_field(name)).verbose_name) for name in fields)
    return DomainError(
        _(
            "The student's consent to the transfer of personal data from China to Russia is missing, so these "
            "fields are refused: %(fields)s. Attest it (the consent text's version and the date the college "
            "collected it), or let the student give it in the portal first."
        )
        % {"fields": ", ".join(labels)},
        code="consent_required",
        field=ATTESTATION_FIELD,
        details={"missing_consent": SENSITIVE_PURPOSE, "fields": sorted(fields)},
    )


def _record(
    *,
    student,
    text: ConsentText,
    decision: str,
    given_by: str,
    channel: str,
    by: Actor,
    language: str = "",
    ip: str | None = None,
    collected_on: datetime.date | None = None,
) -> Consent:
    """Append a decision and make it the current one. Call inside a transaction holding the student's row."""
    previous = Consent.objects.filter(student=student, purpose=text.purpose, current=True).first()
    if previous is not None:
        Consent.objects.filter(pk=previous.pk).update(current=False)
    consent = consent_build(
        student=student,
        text=text,
        decision=decision,
        given_by=given_by,
        channel=channel,
        by=by,
        language=language,
        ip=ip,
        collected_on=collected_on,
    )
    consent.save()
    audit_record(
        actor=by,
        obj=student,
        action=f"consent.{decision}",
        changes=consent_audit_changes(consent, previous=previous),
    )
    if decision != Consent.Decision.GIVEN and previous is not None and previous.holds:
        _stop_what_it_covered(student=student, purpose=text.purpose, by=by)
    return consent


def _stop_what_it_covered(*, student, purpose: str, by: Actor) -> None:
    """What a consent's end changes in the database at once: the sensitive fields go when the processing or the
    transfer to Russia ends. The name on the public page and the personal data of webhooks are read from the current
    decision each time (diplomas' verification page, ``students.events``)."""
    if purpose in ERASES_SENSITIVE:
        empty = {field: ("" if field == "passport_number" else None) for field in Student.SENSITIVE_FIELDS}
        held = {f: getattr(student, f) for f in Student.SENSITIVE_FIELDS if getattr(student, f) not in (None, "")}
        if held:
            Student.objects.filter(pk=student.pk).update(**empty, modified_at=timezone.now())
            for field, value in empty.items():
                setattr(student, field, value)
            audit_record(
                actor=by,
                obj=student,
                action="student.sensitive_erase",
                changes=dict.fromkeys(held, ("***", None)),
            )


def _tell_of_refusal(*, student, consent: Consent, ended: bool) -> None:
    """The office is told of every decline or withdrawal; the student's college, by the webhook event
    ``student.consent_withdrawn``, of the end of a consent that held (a first "no" ends nothing it relied on)."""
    consent_refused_notify(student=student, consent=consent)
    if ended:
        webhooks_emit_many(events=[consent_withdrawn_event(student=student, consent=consent)])


def consent_decide(
    *, student, text: ConsentText, decision: str, by: Actor, language: str, ip: str | None = None
) -> Consent:
    """The student's own decision in the portal about the text shown to them (``language``): given, declined or
    withdrawn. Only a published text may be answered, and only a consent held may be withdrawn. Atomic, the student's
    row locked; declining or withdrawing a consent that held stops what it covered (``_stop_what_it_covered``) and
    tells the college (a webhook event); every decline or withdrawal is a staff notification."""
    if not text.is_published:
        raise DomainError(_("This consent text is a draft."), code="consent_draft")
    with transaction.atomic():
        locked = Student.objects.select_for_update().get(pk=student.pk)
        current = Consent.objects.filter(student=locked, purpose=text.purpose, current=True).first()
        if decision == Consent.Decision.WITHDRAWN and (current is None or not current.holds):
            raise DomainError(_("There is no consent to withdraw."), code="consent_not_given")
        consent = _record(
            student=locked,
            text=text,
            decision=decision,
            given_by=Consent.GivenBy.STUDENT,
            channel=Consent.Channel.PORTAL,
            by=by,
            language=language,
            ip=ip,
        )
        if decision != Consent.Decision.GIVEN:
            _tell_of_refusal(student=locked, consent=consent, ended=current is not None and current.holds)
    for field in Student.SENSITIVE_FIELDS:
        setattr(student, field, getattr(locked, field))
    return consent


def consent_attest(*, student, attestation: Attestation, by: Actor) -> Consent | None:
    """Record the college's (or the office's) attestation as the student's current consent to its purpose. Call it
    in the transaction that writes the student. A student's own decision about the same or a later version is
    theirs, and the attestation does not replace it (nothing is written, ``None``)."""
    text = attestation_text(attestation)
    current = Consent.objects.filter(student=student, purpose=attestation.purpose, current=True).first()
    action = attestation_action(attestation, text=text, current=current)
    if action == "keep":
        return None
    if action == "same":
        return current
    return _record(
        student=student,
        text=text,
        decision=Consent.Decision.GIVEN,
        given_by=attestation.given_by,
        channel=attestation.channel,
        by=by,
        collected_on=attestation.collected_on,
    )


def attestation_action(attestation: Attestation, *, text: ConsentText, current: Consent | None) -> str:
    """What ``consent_attest`` does beside the student's ``current`` decision about the purpose: ``"keep"`` (a
    decision of the student's own about the same or a later version stands; nothing written), ``"same"`` (the same
    attestation holds already; nothing written) or ``"record"`` (a new current consent)."""
    if current is not None and current.given_by == Consent.GivenBy.STUDENT and current.text.version >= text.version:
        return "keep"
    if (
        current is not None
        and current.holds
        and current.text_id == text.pk
        and current.given_by == attestation.given_by
    ):
        return "same"
    return "record"


def consent_build(
    *,
    student,
    text: ConsentText,
    decision: str,
    given_by: str,
    channel: str,
    by: Actor,
    language: str = "",
    ip: str | None = None,
    collected_on: datetime.date | None = None,
    digest: str | None = None,
    label: str | None = None,
) -> Consent:
    """A decision, not saved (``_record`` saves it; a bulk writer passes many to ``bulk_create``). ``digest`` and
    ``label``: the text's digest and the actor's label, when the caller computed them once for many."""
    lang = name_language(language) if language else ""
    return Consent(
        student=student,
        purpose=text.purpose,
        text=text,
        decision=decision,
        given_by=given_by,
        channel=channel,
        language=lang,
        text_sha256=digest if digest is not None else text.digest(lang or "ru"),
        collected_on=collected_on,
        ip=ip,
        actor=actor_user(by),
        actor_label=(label if label is not None else actor_label(by))[:200],
    )


def consent_audit_changes(consent: Consent, *, previous: Consent | None) -> dict:
    """The changes of a decision's audit entry (``consent.<decision>`` about the student)."""
    return {
        "purpose": (None, consent.purpose),
        "version": (None, consent.text.version),
        "decision": (previous.decision if previous else None, consent.decision),
        "given_by": (None, consent.given_by),
        "channel": (None, consent.channel),
    }


# --- the office's texts -------------------------------------------------------------------------------------------

TEXT_FIELDS = (
    "title_ru",
    "title_en",
    "title_zh",
    "body_ru",
    "body_en",
    "body_zh",
    "recipient",
    "recipient_contact",
    "categories",
)


def consent_text_draft(*, purpose: str, by: Actor) -> ConsentText:
    """A new draft of ``purpose``, numbered after its latest version and filled with the current text to edit (or
    the one draft there is already: one draft per purpose at a time)."""
    with transaction.atomic():
        draft = ConsentText.objects.select_for_update().filter(purpose=purpose, published_at__isnull=True).first()
        if draft is not None:
            return draft
        source = ConsentText.objects.filter(purpose=purpose).order_by("-version").first()
        draft = ConsentText(purpose=purpose, version=latest_versions().get(purpose, 0) + 1, created_by=actor_user(by))
        if source is not None:
            for field in TEXT_FIELDS:
                setattr(draft, field, getattr(source, field))
        draft.save()
        audit_record(actor=by, obj=draft, action="consent_text.draft", changes={"version": (None, draft.version)})
    return draft


def consent_text_update(*, text: ConsentText, by: Actor, data: dict) -> ConsentText:
    """Change a draft's texts (``TEXT_FIELDS``); a published version is refused."""
    with transaction.atomic():
        locked = ConsentText.objects.select_for_update().get(pk=text.pk)
        if locked.is_published:
            raise DomainError(
                _("A published consent text never changes: publish a new version instead."), code="consent_published"
            )
        changes = {}
        for field, value in data.items():
            if field not in TEXT_FIELDS:
                continue
            if getattr(locked, field) != value:
                changes[field] = (getattr(locked, field), value)
                setattr(locked, field, value)
        if changes:
            locked.save()
            audit_record(actor=by, obj=locked, action="consent_text.change", changes=changes)
    return locked


def consent_text_publish(*, text: ConsentText, by: Actor) -> ConsentText:
    """Publish a draft: from now on it is its purpose's current text, every student is asked about it at their
    next visit of the portal, and it never changes again. Refused while a language's title or text is empty, or a
    transfer text names no recipient, contact or categories."""
    with transaction.atomic():
        locked = ConsentText.objects.select_for_update().get(pk=text.pk)
        if locked.is_published:
            return locked
        try:
            locked.full_clean()
        except ValidationError as exc:
            field, messages = next(iter(exc.message_dict.items()))
            raise DomainError(messages[0], code="consent_text_incomplete", field=field) from exc
        locked.published_at = timezone.now()
        locked.save(update_fields=["published_at"])
        audit_record(actor=by, obj=locked, action="consent_text.publish", changes={"version": (None, locked.version)})
    return locked
