"""The partner portal's message threads with the office: the list (the general thread and those about students),
and a thread's page with its posts and, for coordinators, the reply form. ``thread-student`` is the target of "write
to the office about this student": the student must be one the viewer may see (``students.selectors.student_list``),
else 404; the thread is made by its first post."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from mobility.foundation.exceptions import DomainError
from students import selectors as student_selectors
from students.models import Student
from students.threads import selectors, services
from students.threads.forms import ThreadPostForm

from .base import PartnerView


class ThreadListView(PartnerView):
    template_name = "partner/threads.html"
    section = "threads"

    def get(self, request):
        threads = list(selectors.thread_list(viewer=request.user))
        general = next((thread for thread in threads if thread.student_id is None), None)
        context = {
            "general": general,
            "student_threads": [thread for thread in threads if thread.student_id is not None],
        }
        return self.render(request, context)


class ThreadView(PartnerView):
    """GET: the posts (the office's become read by the college) and the reply form; POST (coordinators): a reply."""

    template_name = "partner/thread.html"
    section = "threads"

    def student(self, student_pk: int | None) -> Student | None:
        if student_pk is None:
            return None
        students = student_selectors.student_list(viewer=self.request.user).prefetch_related(None)
        student = students.filter(pk=student_pk).first()
        if student is None:
            raise Http404
        return student

    def page(self, request, student, form, status=200):
        thread = selectors.thread_find(
            viewer=request.user, institution_id=self.institution.pk, student_id=student.pk if student else None
        )
        posts = []
        if thread is not None:
            posts = list(selectors.thread_posts(thread=thread))
            if request.method == "GET":
                services.thread_mark_read(thread=thread, viewer=request.user)
        context = {"student": student, "thread": thread, "posts": posts, "form": form}
        return self.render(request, context, status=status)

    def get(self, request, student_pk=None):
        return self.page(request, self.student(student_pk), ThreadPostForm())

    def post(self, request, student_pk=None):
        student = self.student(student_pk)
        form = ThreadPostForm(request.POST)
        if form.is_valid():
            try:
                services.thread_post_create(
                    institution=self.institution, student=student, author=request.user, body=form.cleaned_data["body"]
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Message sent to the office."))
                if student is None:
                    return redirect("partner:thread-general")
                return redirect("partner:thread-student", student_pk=student.pk)
        return self.page(request, student, form, status=400)
