"""The e-mail to a college's coordinators and observers when the office writes in one of its threads: each in their
own language (``Membership.language``, Chinese when unset), with a link to the thread in the partner portal.
Sent by ``students.tasks.thread_post_email_send`` after the post's transaction commits."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from mobility.foundation.access import COORDINATOR, OBSERVER
from mobility.foundation.people.models import Membership

from ..accounts import absolute_url
from .models import ThreadPost

KIND = "thread_post"
# The partners' language when they have not chosen one (issue 17: Chinese first).
PARTNER_DEFAULT_LANGUAGE = "zh-hans"


def partner_language(membership: Membership) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return membership.language if membership.language in known else PARTNER_DEFAULT_LANGUAGE


def thread_path(*, student_id: int | None) -> str:
    """The thread's page in the partner portal."""
    if student_id is None:
        return reverse("partner:thread-general")
    return reverse("partner:thread-student", args=[student_id])


def thread_post_messages(*, post: ThreadPost) -> list[EmailMultiAlternatives]:
    """One e-mail per active coordinator or observer of the thread's college with an address."""
    thread = post.thread
    members = (
        Membership.objects.filter(
            institution_id=thread.institution_id, role__in=(COORDINATOR, OBSERVER), user__is_active=True
        )
        .exclude(user__email="")
        .select_related("user")
        .order_by("pk")
    )
    url = absolute_url(thread_path(student_id=thread.student_id))
    messages = []
    for membership in members:
        language = partner_language(membership)
        with translation.override(language):
            context = {
                "name": membership.full_name,
                "language": language,
                "post": post,
                "college": thread.institution.name(),
                "student": thread.student.name_in(language) if thread.student is not None else "",
                "thread_url": url,
                "site_url": settings.SITE_URL.rstrip("/"),
            }
            subject = " ".join(render_to_string(f"emails/{KIND}_subject.txt", context).split())
            text = render_to_string(f"emails/{KIND}.txt", context)
            html = render_to_string(f"emails/{KIND}.html", context)
        message = EmailMultiAlternatives(
            subject=subject,
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[membership.user.email],
            headers={"Content-Language": language},
        )
        message.attach_alternative(html, "text/html")
        messages.append(message)
    return messages


def thread_post_email_send(*, post_id: int) -> int:
    """E-mail the college's people about an office post; returns how many e-mails were sent. Nothing for a post
    that is gone or not the office's. Run twice (a lost worker), it sends again: at least once, never a wrong one."""
    post = (
        ThreadPost.objects.select_related("thread__institution", "thread__student")
        .filter(pk=post_id, from_office=True)
        .first()
    )
    if post is None:
        return 0
    messages = thread_post_messages(post=post)
    if not messages:
        return 0
    return get_connection().send_messages(messages) or 0
