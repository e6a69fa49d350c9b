"""The access matrix's world and machinery (``test_access_matrix*.py``): every route from the URL resolver, the world
of ``partnership.py`` with one object of every kind a URL names for each college (A's "own", B's "other"), concrete
URLs built from it, and a module-scoped world built once (``module_world``).

Objects: ``OBJECTS[kind] = (own, other)``; a URL's id takes the object of the kind its path segment names
(``SEGMENTS``), A's by default and B's for the "other tenant" checks. A new kind of object in a URL is one line in
``SEGMENTS`` and one pair in ``_objects``.
"""

from __future__ import annotations

import datetime
import re
import uuid
from contextlib import contextmanager

from django.core.files.base import ContentFile
from django.db import transaction
from django.test import override_settings
from django.urls import URLResolver, get_resolver

from mobility.tests.partnership import ROLES, partnership

# Parameters that are not object ids (as in test_access.py).
VALUES = {
    "action": "admit",
    "fmt": "csv",
    "uidb64": "MQ",
    "token": "set-password",
    "upload": "00000000-0000-4000-8000-000000000000",
    "purpose": "processing",  # a consent's purpose (the portal's /portal/my-consents/<purpose>/)
    "number": 0,  # a revocation status list (/credentials/status/<number>)
}

# The path segment before an id → the kind of object it names (a key of the world's ``objects``).
SEGMENTS = {
    "students": "student",
    "enrollments": "enrollment",
    "results": "result",
    "institutions": "institution",
    "contacts": "contact",
    "agreements": "agreement",
    "tracks": "track",
    "modules": "module",
    "cohorts": "cohort",
    "diplomas": "diploma",
    "archives": "archive",
    "api-keys": "api-key",
    "webhooks": "webhook",
    "webhook-deliveries": "webhook-delivery",
    "webhook-endpoints": "webhook",  # the API's name for them
    "notifications": "notification",
    "continuations": "continuation",
    "messages": "message",
    "saved-filters": "saved-filter",
    # The teaching area's pages (students/teaching/): teacher M's assignment is "own", teacher N's the other.
    "assignments": "assignment",
    "people": "person",  # a member of the partnership (the office's /people/<id>/): teacher M's, teacher N's
    "threads": "thread",  # a college's thread with the office about a student (staff: /students/threads/<id>/)
    "verify": "verification-code",
    "transcripts": "transcript",
    "transcript": "transcript-code",  # /verify/transcript/<code>/
    "consents": "consent-text",  # the office-admin's consent texts (/privacy/consents/<id>/): two drafts
    "designs": "design",  # the office-admin's designs (/administration/designs/<id>/): two drafts
    "signatories": "signatory",  # /administration/designs/signatories/<id>/: the two of the migration
    # The partner portal's students (mobility/partner_portal/) use "students" etc. like the staff pages.
}

# Names of the two students, written over the factories' so a page can be searched for the other one.
STUDENT_NAMES = {
    "a": {
        "family_name_latin": "Alder",
        "given_name_latin": "Ansel",
        "family_name_cyrillic": "Олдер",
        "given_name_cyrillic": "Ансель",
        "passport_number": "EA7700001",
    },
    "b": {
        "family_name_latin": "Bexley",
        "given_name_latin": "Quinton",
        "family_name_cyrillic": "Бексли",
        "given_name_cyrillic": "Квинтон",
        "passport_number": "EB7700002",
    },
}


def resolver_routes(skip: tuple[str, ...] = ("admin/", "api/")) -> list[tuple[str, str, str]]:
    """``(route, qualified name, name)`` of every URL pattern the resolver answers, in its order, skipping the
    includes whose prefix is in ``skip``; a route shadowed by an earlier one with the same text (Django's own
    password pages behind students/accounts_urls.py, i18n's set_language behind ours) is left out."""

    def walk(patterns, prefix="", namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern) in skip:
                    continue
                inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
            else:
                yield prefix + str(pattern.pattern), f"{namespace}{pattern.name}", pattern.name

    seen, routes = set(), []
    for route, qualified, name in walk(get_resolver().url_patterns):
        if route not in seen:
            seen.add(route)
            routes.append((route, qualified, name))
    return routes


def build_url(route: str, objects: dict, *, other: bool = False, ids: dict | None = None) -> str:
    """A concrete URL for a route like ``tracks/<int:track_pk>/modules/<int:pk>/edit/``: each id parameter gets the
    id of the object of the kind its path segment names (``SEGMENTS``; ``ids`` maps a parameter name to a kind
    instead), A's or, with ``other``, B's. ``objects[kind] = (own, other)`` holds ids."""
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    route = re.sub(r"\(\?P<(\w+)>[^)]*\)", r"<\1>", route)
    parts = []
    for segment in route.split("/"):
        match = re.fullmatch(r"(.*)<(?:\w+:)?(\w+)>(.*)", segment)
        if match is None:
            parts.append(segment)
            continue
        before, name, after = match.groups()
        if name in VALUES and not (ids and name in ids):
            value = VALUES[name]
        else:
            kind = (ids or {}).get(name) or SEGMENTS.get(parts[-1])
            assert kind in objects, (
                f"{route}: the id after {parts[-1]!r} names no kind of object: add the segment to matrix.SEGMENTS "
                "(and the kind's pair to build_world), or give the rule ids={...}"
            )
            value = objects[kind][1 if other else 0]
        parts.append(f"{before}{value}{after}")
    return "/" + "/".join(parts)


def build_world():
    """``partnership()`` with named students, an issued diploma each (with its transcript), and an object of every
    kind ``SEGMENTS`` names for A and for B: ``(world, objects)``."""
    from diplomas.designs.models import Signatory
    from diplomas.designs.services import design_draft
    from diplomas.models import Diploma, DiplomaArchive, Transcript
    from diplomas.tests.factories import FAKE_PDF, DiplomaFactory
    from mobility.foundation.models import PartnerAPIKey, WebhookDelivery, WebhookEndpoint
    from mobility.foundation.notifications.models import StaffNotification
    from programs.models import TeachingAssignment
    from programs.tests.factories import ContactFactory
    from students.consent.models import Purpose
    from students.consent.services import consent_text_draft
    from students.models import Continuation, Message, MessageRecipient, SavedFilter, Student, Thread

    world = partnership()
    for key, student in (("a", world.student_a), ("b", world.student_b)):
        Student.objects.filter(pk=student.pk).update(**STUDENT_NAMES[key])
        student.refresh_from_db()

    def pair(make):
        return make(world.enrollment_a, world.college_a), make(world.enrollment_b, world.college_b)

    def hook(_enrollment, college):
        return WebhookEndpoint.objects.create(institution=college, url=f"https://{college.code.lower()}.example.cn/")

    hooks = pair(hook)
    for agreement in (world.agreement_a, world.cohort_b.agreement):
        agreement.signed_document.save("agreement.pdf", ContentFile(b"%PDF-1.7 agreement"), save=True)
    message = Message.objects.create(
        audience="cohort",
        sent_at=datetime.datetime(2026, 7, 1, tzinfo=datetime.UTC),
        token=uuid.uuid4(),
        subject_en="Visa",
        body_en="Bring your passport.",
    )
    copies = pair(lambda e, _c: MessageRecipient.objects.create(message=message, student=e.student, language="en"))
    assignments = TeachingAssignment.objects.filter(cohort=world.cohort_a).order_by("module_id")
    filters = SavedFilter.objects.create(name="Applied", params={"status": "applied"})
    objects = {
        "student": pair(lambda e, _c: e.student),
        "enrollment": pair(lambda e, _c: e),
        "result": pair(lambda e, _c: e.results.order_by("pk").first()),
        "institution": (world.college_a, world.college_b),
        "contact": pair(lambda _e, c: ContactFactory(institution=c)),
        "agreement": (world.agreement_a, world.cohort_b.agreement),
        "track": (world.track, world.track),
        "module": (world.module_m, world.module_n),
        "cohort": (world.cohort_a, world.cohort_b),
        "diploma": pair(lambda e, _c: DiplomaFactory(enrollment=e, status=Diploma.Status.ISSUED)),
        "archive": pair(
            lambda e, _c: DiplomaArchive.objects.create(
                cohort=e.cohort, status=DiplomaArchive.Status.READY, file=ContentFile(b"PK", name="diplomas.zip")
            )
        ),
        "api-key": pair(lambda _e, c: PartnerAPIKey.objects.create_key(name="SIS", institution=c, scopes=["read"])[0]),
        "webhook": hooks,
        "webhook-delivery": tuple(
            WebhookDelivery.objects.create(endpoint=h, event="diploma.issued", event_id=uuid.uuid4(), payload={})
            for h in hooks
        ),
        # The office's notification; the other is office-admin's.
        "notification": tuple(
            StaffNotification.objects.create(recipient=world.user(role), kind="students.correction_requested")
            for role in ("office", "office-admin")
        ),
        "continuation": pair(
            lambda e, _c: Continuation.objects.create(
                enrollment=e,
                university=e.cohort.host,
                program_code="15.03.06",
                program_name="Mechatronics and robotics",
                applied_on=datetime.date(2026, 7, 1),
            )
        ),
        "message": (message, message),
        # The student's copy of a message (the portal's /portal/messages/<id>/); the other student's.
        "message-copy": copies,
        "saved-filter": (filters, filters),
        "verification-code": (None, None),
        "assignment": (assignments[0], assignments[1]),  # teacher M's (module M), teacher N's
        "thread": pair(lambda e, c: Thread.objects.create(institution=c, student=e.student)),
        "person": (world.user("teacher-m").membership, world.user("teacher-n").membership),
        "user": (world.user("teacher-m"), world.user("teacher-n")),  # two-factor/users/<id>/reset/
        "consent-text": tuple(
            consent_text_draft(purpose=purpose, by=None) for purpose in (Purpose.PROCESSING, Purpose.PUBLIC_NAME)
        ),
        "design": tuple(design_draft(kind=kind, by=None) for kind in ("diploma", "transcript")),
        "signatory": tuple(Signatory.objects.order_by("pk")[:2]),
    }
    objects["verification-code"] = tuple(diploma.verification_code for diploma in objects["diploma"])
    objects["transcript"] = tuple(
        Transcript.objects.create(
            enrollment=diploma.enrollment,
            diploma=diploma,
            number=f"T-{diploma.number}",
            issued_at=diploma.issued_at,
            pdf=ContentFile(FAKE_PDF, name=f"T-{diploma.number}.pdf"),
            sha256=diploma.sha256,
        )
        for diploma in objects["diploma"]
    )
    objects["transcript-code"] = tuple(transcript.verification_code for transcript in objects["transcript"])
    ids = {
        kind: tuple(o if isinstance(o, str) else getattr(o, "prefix", o.pk) for o in two)
        for kind, two in objects.items()
    }
    return world, objects, ids


@contextmanager
def module_world(django_db_blocker, media_root):
    """The world, built once for a test module inside a transaction rolled back when the module is done. Each test's
    own transaction (pytest-django's ``django_db``) is a savepoint inside it: what a test writes is undone after it,
    the world stays."""
    with django_db_blocker.unblock(), override_settings(MEDIA_ROOT=media_root), transaction.atomic():
        world, objects, ids = build_world()
        yield world, objects, ids
        transaction.set_rollback(True)


__all__ = ["ROLES", "SEGMENTS", "VALUES", "build_url", "build_world", "module_world", "resolver_routes"]
