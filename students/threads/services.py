"""Writes of the threads: a post (the thread made on its first one) and the read markers."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mobility.foundation.access import is_office_staff, partner_can_write, partner_institution_id
from mobility.foundation.audit import audit_record
from mobility.foundation.exceptions import DomainError
from mobility.foundation.tasks import enqueue_on_commit
from programs.models import Institution

from ..models import Student
from ..staff_notifications import thread_post_notify
from .models import BODY_MAX_LENGTH, Thread, ThreadPost


def author_name(user) -> str:
    """How a post names its author: a member's full name, else the user's name, else their user name."""
    membership = getattr(user, "membership", None)
    if membership is not None and membership.full_name:
        return membership.full_name
    return user.get_full_name() or user.get_username()


def _thread_locked(institution: Institution, student: Student | None) -> Thread:
    """The thread, made if missing, locked for the post; inside a transaction."""
    for _attempt in range(2):
        thread = Thread.objects.select_for_update().filter(institution=institution, student=student).first()
        if thread is not None:
            return thread
        try:
            with transaction.atomic():
                return Thread.objects.create(institution=institution, student=student)
        except IntegrityError:
            continue  # made by a concurrent first post: take that one
    raise RuntimeError("thread neither found nor created")


def thread_post_create(*, institution: Institution, student: Student | None, author, body: str) -> ThreadPost:
    """Post ``body`` in the college's general thread (``student`` None) or in the thread about one of its students,
    as ``author``: office staff, or a coordinator of that college (an observer only reads). Atomic and audited
    (``thread.post``; the text stays in the thread, not in the log). The writer's side has then read the other
    side's posts. When the office writes, the college's coordinators and observers get an e-mail after the commit;
    when the college writes, the office gets a staff notification."""
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write a message first."), code="empty", field="body")
    if len(body) > BODY_MAX_LENGTH:
        raise DomainError(
            _("The message is longer than %(max)d characters.") % {"max": BODY_MAX_LENGTH},
            code="too_long",
            field="body",
        )
    if student is not None and student.home_institution_id != institution.pk:
        raise DomainError(_("The student is not of this college."), code="other_college", field="student")
    from_office = is_office_staff(author)
    if not from_office and not (partner_can_write(author) and partner_institution_id(author) == institution.pk):
        raise DomainError(_("Only the office and the college's coordinators write here."), code="not_allowed")
    with transaction.atomic():
        thread = _thread_locked(institution, student)
        now = timezone.now()
        post = ThreadPost.objects.create(
            thread=thread,
            author=author,
            author_name=author_name(author),
            from_office=from_office,
            body=body,
            created_at=now,
            office_read_at=now if from_office else None,
            partner_read_at=None if from_office else now,
        )
        thread.last_post_at = now
        thread.save(update_fields=["last_post_at"])
        _read(thread, office=from_office, now=now)
        # The thread reads "<college code> · <student>", the code alone when general: in no language.
        audit_record(actor=author, obj=thread, action="thread.post", changes={"post": (None, post.pk)})
        if from_office:
            from ..tasks import thread_post_email_send  # the task calls this package's notifications

            enqueue_on_commit(thread_post_email_send, post.pk, robust=True)
        else:
            thread_post_notify(thread=thread)
    return post


def _read(thread: Thread, *, office: bool, now) -> int:
    if office:
        return thread.posts.filter(from_office=False, office_read_at__isnull=True).update(office_read_at=now)
    return thread.posts.filter(from_office=True, partner_read_at__isnull=True).update(partner_read_at=now)


def thread_mark_read(*, thread: Thread, viewer) -> int:
    """The other side's posts in ``thread`` read by the viewer's side (the office, or the college: any of its
    coordinators or observers); returns how many were unread. Idempotent."""
    return _read(thread, office=is_office_staff(viewer), now=timezone.now())
