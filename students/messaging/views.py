"""Staff pages of messages to students: saving the list's filter, writing (preview, send), the sent messages, and
the panel of a student's messages on their page. Office staff only (``StaffRequiredMixin`` and the permissions)."""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import StaffRequiredMixin

from .. import selectors as student_selectors
from ..models import Message, SavedFilter, Student
from . import selectors, services
from .forms import MessageForm, SavedFilterForm
from .preview import message_preview


def _list_url(params: dict[str, str]) -> str:
    url = reverse("students:student-list")
    return f"{url}?{urlencode(params)}" if params else url


def _describe(sent) -> None:
    """Each message's subject in the viewer's language by the students' rule (``title``) and its audience filters as
    people read them (``described``), for all of them at once."""
    sent = list(sent)
    language = get_language()
    for message, described in zip(sent, selectors.filters_described([m.audience_params for m in sent]), strict=True):
        message.described = described
        written = message.languages()
        shown = services.message_version_language(written=written, language=language) if written else ""
        message.title = message.version(shown)[0] if shown else f"#{message.pk}"


class SavedFiltersView(StaffRequiredMixin, View):
    """GET: the students list's bar of saved filters (loaded by htmx with the list's query string, so the list
    itself pays no query for it): each filter to apply, to write to, to delete, and the form that saves the current
    filters. POST: save the current filters (the ``query`` field) under a name; back to the list."""

    permission_required = "students.view_savedfilter"

    def get(self, request):
        params = selectors.filter_params(request.GET)
        saved_filters = list(selectors.saved_filter_list())
        for saved, described in zip(
            saved_filters, selectors.filters_described([f.params for f in saved_filters]), strict=True
        ):
            saved.described = described
        context = {
            "saved_filters": saved_filters,
            "current": params,
            "query": urlencode(params),
            "form": SavedFilterForm(initial={"query": urlencode(params)}),
            "can_add": request.user.has_perm("students.add_savedfilter"),
            "can_delete": request.user.has_perm("students.delete_savedfilter"),
            "can_write": request.user.has_perm("students.add_message"),
        }
        return render(request, "students/messages/_saved_filters.html", context)

    def post(self, request):
        if not request.user.has_perm("students.add_savedfilter"):
            raise PermissionDenied
        form = SavedFilterForm(request.POST)
        params = form.params() if form.is_valid() else {}
        if form.is_valid():
            try:
                saved = services.saved_filter_create(name=form.cleaned_data["name"], params=params, by=request.user)
            except DomainError as error:
                messages.error(request, error.message)
            else:
                messages.success(request, _("Filter “%(name)s” saved.") % {"name": saved.name})
        else:
            messages.error(request, _("Give the filter a name."))
        return redirect(_list_url(params))


class SavedFilterDeleteView(StaffRequiredMixin, View):
    permission_required = "students.delete_savedfilter"
    http_method_names = ["post"]

    def post(self, request, pk):
        saved = SavedFilter.objects.filter(pk=pk).first()
        if saved is None:
            raise Http404(_("No such saved filter."))
        services.saved_filter_delete(saved_filter=saved, by=request.user)
        messages.success(request, _("Filter “%(name)s” deleted.") % {"name": saved.name})
        return redirect("students:student-list")


class MessageListView(StaffRequiredMixin, View):
    permission_required = "students.view_message"

    def get(self, request):
        page = Paginator(selectors.message_list(viewer=request.user), 50).get_page(request.GET.get("page"))
        _describe(page.object_list)
        return render(request, "students/messages/message_list.html", {"page_obj": page, "sent": page.object_list})


class MessageDetailView(StaffRequiredMixin, View):
    """One sent message: its versions, its audience and every recipient with the version, channel and state."""

    permission_required = "students.view_message"

    def get(self, request, pk):
        message = selectors.message_list(viewer=request.user).filter(pk=pk).first()
        if message is None:
            raise Http404(_("No such message."))
        _describe([message])
        recipients = Paginator(selectors.message_recipients(message=message), 100).get_page(request.GET.get("page"))
        versions = [(code, *message.version(code)) for code in message.languages()]
        context = {"message": message, "versions": versions, "page_obj": recipients, "recipients": recipients}
        return render(request, "students/messages/message_detail.html", context)


class MessageCreateView(StaffRequiredMixin, View):
    """Write → preview (each language as its readers get it, the recipients now) → send. The audience comes from
    the query string: ``?saved_filter=<id>``, ``?cohort=<id>`` or the students list's filters (``?q=…&status=…``)."""

    permission_required = "students.add_message"
    template_name = "students/messages/message_form.html"

    def get(self, request):
        params = selectors.filter_params(request.GET)
        initial = {"token": uuid.uuid4(), "query": urlencode(params)}
        if request.GET.get("saved_filter"):
            initial.update(audience=Message.Audience.SAVED_FILTER, saved_filter=request.GET["saved_filter"])
        elif request.GET.get("audience") == Message.Audience.COHORT or (request.GET.get("cohort") and not params):
            initial.update(audience=Message.Audience.COHORT, cohort=request.GET.get("cohort"))
        elif params:
            initial.update(audience=Message.Audience.QUERY)
        else:
            initial.update(audience=Message.Audience.SAVED_FILTER)
        return self.show(request, MessageForm(initial=initial), params=params)

    def post(self, request):
        form = MessageForm(request.POST)
        params = selectors.filter_params(QueryDict(request.POST.get("query", "")))
        if request.POST.get("action") == "edit" or not form.is_valid():
            return self.show(request, form, params=params)
        audience = form.cleaned_data["audience"]
        if request.POST.get("action") != "send":
            students = list(
                selectors.message_audience(
                    viewer=request.user,
                    audience=audience,
                    params=self._params(form),
                    cohort=form.cleaned_data["cohort"],
                ).order_by("family_name_latin", "given_name_latin", "id")
            )
            preview = message_preview(versions=form.versions(), students=students)
            return self.show(request, form, params=params, preview=preview)
        try:
            message = services.message_send(
                by=request.user,
                token=form.cleaned_data["token"],
                audience=audience,
                versions=form.versions(),
                params=form.params(),
                saved_filter=form.cleaned_data["saved_filter"],
                cohort=form.cleaned_data["cohort"],
            )
        except DomainError as error:
            form.add_domain_error(error)
            return self.show(request, form, params=params)
        count = message.recipients.count()
        text = ngettext(
            "The message is sent to %(count)d student.", "The message is sent to %(count)d students.", count
        )
        messages.success(request, text % {"count": count})
        return redirect("students:message-detail", pk=message.pk)

    @staticmethod
    def _params(form: MessageForm) -> dict[str, str]:
        saved = form.cleaned_data.get("saved_filter")
        if form.cleaned_data["audience"] == Message.Audience.SAVED_FILTER and saved is not None:
            return saved.params
        return form.params()

    def show(self, request, form: MessageForm, *, params: dict[str, str], preview: dict | None = None):
        context = {
            "form": form,
            "params": params,
            "params_described": selectors.filters_described([params])[0],
            "list_url": _list_url(params),
            "preview": preview,
            "has_saved_filters": form.fields["saved_filter"].queryset.exists(),  # type: ignore[attr-defined]
        }
        return render(request, self.template_name, context)


class StudentMessagesView(StaffRequiredMixin, View):
    """The messages sent to one student, for their page (loaded by htmx: ``students/_messages_panel.html``)."""

    permission_required = "students.view_message"

    def get(self, request, pk):
        student = student_selectors.visible_students_only(Student.objects.filter(pk=pk), viewer=request.user).first()
        if student is None:
            raise Http404(_("No such student."))
        received = selectors.student_messages(viewer=request.user, student=student)
        return render(request, "students/messages/_student_messages.html", {"student": student, "received": received})
