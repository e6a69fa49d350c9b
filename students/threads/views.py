"""The office's pages of the partner colleges' threads: the list (threads with unread posts first) and a thread with
its posts and the reply form. Office staff only; writing needs the permission to write messages."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import StaffRequiredMixin

from . import selectors, services
from .forms import ThreadPostForm

PER_PAGE = 50


class ThreadListView(StaffRequiredMixin, View):
    permission_required = "students.view_student"

    def get(self, request):
        page = Paginator(selectors.thread_list(viewer=request.user, unread_first=True), PER_PAGE).get_page(
            request.GET.get("page")
        )
        return render(request, "students/threads/thread_list.html", {"page_obj": page, "threads": page.object_list})


class ThreadDetailView(StaffRequiredMixin, View):
    """GET: the posts (the college's become read by the office) and the reply form; POST: a reply."""

    permission_required = "students.view_student"

    def thread(self, request, pk):
        return get_object_or_404(
            selectors.threads_visible_to(viewer=request.user).select_related("institution", "student"), pk=pk
        )

    def page(self, request, thread, form, status=200):
        posts = list(selectors.thread_posts(thread=thread))
        return render(
            request,
            "students/threads/thread_detail.html",
            {"thread": thread, "posts": posts, "form": form},
            status=status,
        )

    def get(self, request, pk):
        thread = self.thread(request, pk)
        services.thread_mark_read(thread=thread, viewer=request.user)
        return self.page(request, thread, ThreadPostForm())

    def post(self, request, pk):
        if not request.user.has_perm("students.add_message"):
            raise PermissionDenied
        thread = self.thread(request, pk)
        form = ThreadPostForm(request.POST)
        if form.is_valid():
            try:
                services.thread_post_create(
                    institution=thread.institution,
                    student=thread.student,
                    author=request.user,
                    body=form.cleaned_data["body"],
                )
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Message sent: the college's people get an e-mail."))
                return redirect("students:thread-detail", pk=thread.pk)
        return self.page(request, thread, form, status=400)
