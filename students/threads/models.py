"""A partner college's threads with the office and their posts.

Loaded with the app's models (``students/models.py`` imports them), so they belong to the ``students`` app.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

BODY_MAX_LENGTH = 5000


class Thread(models.Model):
    """The conversation of one partner college with the office: the general one (no student) or the one about one
    of its students. At most one of each (the constraints: a NULL student is not unique in SQL, hence the second)."""

    institution = models.ForeignKey(
        "programs.Institution", verbose_name=_("institution"), on_delete=models.PROTECT, related_name="threads"
    )
    student = models.ForeignKey(
        "students.Student",
        verbose_name=_("student"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="threads",
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    last_post_at = models.DateTimeField(_("last post at"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("message thread")
        verbose_name_plural = _("message threads")
        ordering = ["-last_post_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "student"], name="thread_institution_student_unique"),
            models.UniqueConstraint(
                fields=["institution"], condition=Q(student__isnull=True), name="thread_institution_general_unique"
            ),
        ]

    def __str__(self):
        return f"{self.institution.code} · {self.student}" if self.student_id else self.institution.code


class ThreadPost(models.Model):
    """One post of a thread, by an office user or a coordinator of the college. Each side reads the other's posts:
    ``office_read_at`` marks a college's post read by the office, ``partner_read_at`` an office post read by the
    college (one marker per side, not per person: the side answers as one)."""

    thread = models.ForeignKey(Thread, verbose_name=_("thread"), on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.SET_NULL, null=True, related_name="+"
    )
    # Snapshot of the author's name, kept when the account goes.
    author_name = models.CharField(_("author's name"), max_length=200)
    from_office = models.BooleanField(_("from the office"))
    body = models.TextField(_("text"), max_length=BODY_MAX_LENGTH)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    office_read_at = models.DateTimeField(_("read by the office at"), null=True, blank=True)
    partner_read_at = models.DateTimeField(_("read by the college at"), null=True, blank=True)

    class Meta:
        verbose_name = _("thread post")
        verbose_name_plural = _("thread posts")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["thread", "created_at"], name="thread_post_thread_idx")]

    def __str__(self):
        return f"{self.author_name} · {self.created_at:%Y-%m-%d %H:%M}"
