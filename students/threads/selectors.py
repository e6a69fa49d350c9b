"""Reads of the threads, scoped by the viewer: the office sees every college's, a coordinator or an observer their
own college's (``access.partner_institution_id``), anyone else none."""

from __future__ import annotations

from django.db.models import Case, Count, Q, QuerySet, Value, When

from mobility.foundation.access import is_office_staff, partner_institution_id

from .models import Thread, ThreadPost


def threads_visible_to(*, viewer) -> QuerySet[Thread]:
    threads = Thread.objects.all()
    if is_office_staff(viewer):
        return threads
    institution_id = partner_institution_id(viewer)
    return threads.filter(institution_id=institution_id) if institution_id is not None else threads.none()


def thread_list(*, viewer, unread_first: bool = False) -> QuerySet[Thread]:
    """The viewer's threads with their college and student, ``post_count`` and ``unread`` (the other side's posts
    the viewer's side has not read), newest post first (``unread_first``: threads with unread posts before the
    others); one query."""
    if is_office_staff(viewer):
        unread = Q(posts__from_office=False, posts__office_read_at__isnull=True)
    else:
        unread = Q(posts__from_office=True, posts__partner_read_at__isnull=True)
    threads = (
        threads_visible_to(viewer=viewer)
        .select_related("institution", "student")
        .annotate(post_count=Count("posts"), unread=Count("posts", filter=unread))
    )
    order = ["-last_post_at", "-id"]
    if unread_first:
        threads = threads.annotate(has_unread=Case(When(unread__gt=0, then=Value(1)), default=Value(0)))
        order = ["-has_unread", *order]
    return threads.order_by(*order)


def thread_find(*, viewer, institution_id: int, student_id: int | None) -> Thread | None:
    """The college's general thread (``student_id`` None) or its thread about a student, if the viewer may see it
    and it has been started."""
    threads = threads_visible_to(viewer=viewer).select_related("institution", "student")
    threads = threads.filter(institution_id=institution_id)
    if student_id is None:
        return threads.filter(student__isnull=True).first()
    return threads.filter(student_id=student_id).first()


def thread_posts(*, thread: Thread) -> QuerySet[ThreadPost]:
    """The thread's posts, oldest first."""
    return thread.posts.order_by("created_at", "id")
