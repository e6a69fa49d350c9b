"""Staff pages of institutions, agreements, tracks and cohorts. Thin: a selector reads, a service writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import ListView, RedirectView, TemplateView

from mobility.foundation.access import is_office_staff
from mobility.foundation.exceptions import DomainError
from mobility.foundation.people.selectors import institution_members
from mobility.foundation.views import StaffRequiredMixin

from . import selectors, services
from .forms import (
    AgreementFilterForm,
    AgreementForm,
    CohortFilterForm,
    CohortForm,
    ContactForm,
    InstitutionFilterForm,
    InstitutionForm,
    ModuleForm,
    QuotaFormSet,
    TrackForm,
)
from .models import Agreement, Cohort, Contact, Institution, Module, Track

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

PAGE_SIZE = 50
# An institution's page lists its first members (the people's list has the rest, filtered by the institution).
MEMBERS_SHOWN = 20


# --- shared ------------------------------------------------------------------------------------------------------


class FilteredListView(StaffRequiredMixin, ListView):
    """A list filtered by a GET form and paginated; the selector does the reading."""

    paginate_by = PAGE_SIZE
    filter_form_class: type[forms.Form]  # set by each list

    def get_filters(self) -> dict:
        self.filter_form = self.filter_form_class(self.request.GET or None)
        return self.filter_form.cleaned_data if self.filter_form.is_valid() else {}

    def select(self, filters: dict):
        raise NotImplementedError

    def get_queryset(self):
        return self.select(self.get_filters())

    def get_context_data(self, **kwargs):
        return super().get_context_data(filter_form=self.filter_form, **kwargs)


class ServiceFormView(StaffRequiredMixin, TemplateView):
    """GET shows the form; POST validates it and calls one service. A ``DomainError`` is shown on its field."""

    template_name = "programs/form.html"
    form_class: type[forms.BaseForm]  # set by each page
    title: StrOrPromise = ""

    def get_object(self):
        return None

    def get_form_kwargs(self) -> dict:
        kwargs = {"instance": self.object}
        if self.request.method == "POST":
            kwargs.update(data=self.request.POST, files=self.request.FILES)
        return kwargs

    def get_form(self):
        return self.form_class(**self.get_form_kwargs())

    def save(self, form):
        raise NotImplementedError

    def success_url(self, obj) -> str:
        raise NotImplementedError

    def cancel_url(self) -> str:
        return self.success_url(self.object) if self.object else self.request.path

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        return self.render(self.get_form())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        form = self.get_form()
        if self.is_valid(form):
            try:
                obj = self.save(form)
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Saved: %(obj)s.") % {"obj": obj})
                return redirect(self.success_url(obj))
        return self.render(form)

    def is_valid(self, form) -> bool:
        return form.is_valid()

    def render(self, form, **extra):
        return self.render_to_response(
            self.get_context_data(
                form=form, object=self.object, title=self.title, cancel_url=self.cancel_url(), **extra
            )
        )


# --- institutions and contacts -----------------------------------------------------------------------------------


class InstitutionListView(FilteredListView):
    permission_required = "programs.view_institution"
    template_name = "programs/institution_list.html"
    filter_form_class = InstitutionFilterForm

    def select(self, filters):
        return selectors.institution_list(filters=filters)


class InstitutionDetailView(StaffRequiredMixin, TemplateView):
    permission_required = "programs.view_institution"
    template_name = "programs/institution_detail.html"

    def get_context_data(self, **kwargs):
        institution = get_object_or_404(Institution, pk=self.kwargs["pk"])
        return super().get_context_data(
            institution=institution,
            contacts=list(institution.contacts.order_by("-is_primary", "full_name")),
            agreements=list(selectors.institution_agreements(institution=institution)),
            cohorts=list(selectors.institution_cohorts(institution=institution)),
            students_count=selectors.institution_students_count(institution=institution),
            members=self._members(institution),
            **kwargs,
        )

    def _members(self, institution) -> list:
        """The first members of a partner or facilitator (the host has none: its teachers name no institution)."""
        if institution.kind == Institution.Kind.HOST or not self.request.user.has_perm("mobility.view_membership"):
            return []
        return list(institution_members(viewer=self.request.user, institution=institution)[:MEMBERS_SHOWN])


class InstitutionCreateView(ServiceFormView):
    permission_required = "programs.add_institution"
    form_class = InstitutionForm
    title = gettext_lazy("New institution")

    def save(self, form):
        return services.institution_create(by=self.request.user, data=form.cleaned_data)

    def success_url(self, obj):
        return reverse("programs:institution-detail", args=[obj.pk])

    def cancel_url(self):
        return reverse("programs:institution-list")


class InstitutionUpdateView(InstitutionCreateView):
    permission_required = "programs.change_institution"
    title = gettext_lazy("Edit institution")

    def get_object(self):
        return get_object_or_404(Institution, pk=self.kwargs["pk"])

    def save(self, form):
        return services.institution_update(institution=self.object, by=self.request.user, data=form.cleaned_data)

    def cancel_url(self):
        return self.success_url(self.object)


class ContactCreateView(ServiceFormView):
    permission_required = "programs.add_contact"
    form_class = ContactForm
    title = gettext_lazy("New contact")

    def institution(self) -> Institution:
        return get_object_or_404(Institution, pk=self.kwargs["institution_pk"])

    def save(self, form):
        return services.contact_create(institution=self.institution(), by=self.request.user, data=form.cleaned_data)

    def success_url(self, obj):
        return reverse("programs:institution-detail", args=[self.kwargs["institution_pk"]])

    def cancel_url(self):
        return self.success_url(None)


class ContactUpdateView(ServiceFormView):
    permission_required = "programs.change_contact"
    form_class = ContactForm
    title = gettext_lazy("Edit contact")

    def get_object(self):
        return get_object_or_404(Contact.objects.select_related("institution"), pk=self.kwargs["pk"])

    def save(self, form):
        return services.contact_update(contact=self.object, by=self.request.user, data=form.cleaned_data)

    def success_url(self, obj):
        return reverse("programs:institution-detail", args=[self.object.institution_id])


class ContactDeleteView(StaffRequiredMixin, TemplateView):
    """GET asks for confirmation (no script needed); POST deletes."""

    permission_required = "programs.delete_contact"
    template_name = "programs/contact_confirm_delete.html"

    def contact(self) -> Contact:
        return get_object_or_404(Contact.objects.select_related("institution"), pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        return super().get_context_data(contact=self.contact(), **kwargs)

    def post(self, request, *args, **kwargs):
        contact = self.contact()
        institution_id = contact.institution_id
        services.contact_delete(contact=contact, by=request.user)
        messages.success(request, _("Contact deleted: %(name)s.") % {"name": contact.full_name})
        return redirect("programs:institution-detail", pk=institution_id)


# --- agreements --------------------------------------------------------------------------------------------------


class AgreementListView(FilteredListView):
    permission_required = "programs.view_agreement"
    template_name = "programs/agreement_list.html"
    filter_form_class = AgreementFilterForm

    def select(self, filters):
        return selectors.agreement_list(filters=filters)


class AgreementDetailView(StaffRequiredMixin, TemplateView):
    permission_required = "programs.view_agreement"
    template_name = "programs/agreement_detail.html"

    def get_context_data(self, **kwargs):
        try:
            agreement = selectors.agreement_detail(pk=self.kwargs["pk"])
        except Agreement.DoesNotExist:
            raise Http404 from None
        quotas = list(selectors.quotas_with_usage(agreement.quotas.all()))
        return super().get_context_data(
            agreement=agreement,
            quotas=quotas,
            quota_totals={
                "places": sum(q.places for q in quotas),
                "used": sum(q.used for q in quotas),
                "left": sum(max(q.left, 0) for q in quotas),
            },
            cohorts=list(selectors.cohort_list().filter(agreement=agreement)),
            **kwargs,
        )


class AgreementCreateView(ServiceFormView):
    permission_required: tuple[str, ...] = ("programs.add_agreement", "programs.add_agreementquota")
    form_class = AgreementForm
    template_name = "programs/agreement_form.html"
    title = gettext_lazy("New agreement")

    def get_formset(self):
        kwargs = {"instance": self.object or Agreement(), "prefix": "quotas"}
        if self.request.method == "POST":
            kwargs["data"] = self.request.POST
        return QuotaFormSet(**kwargs)

    def is_valid(self, form) -> bool:
        self.formset = self.get_formset()
        return all([form.is_valid(), self.formset.is_valid()])

    def render(self, form, **extra):
        formset = getattr(self, "formset", None) or self.get_formset()
        return super().render(form, formset=formset, **extra)

    def save(self, form):
        data = dict(form.cleaned_data)
        return services.agreement_create(
            by=self.request.user,
            data=data,
            quotas=self.formset.changes(),
            signed_document=data.pop("signed_document", None),
        )

    def success_url(self, obj):
        return reverse("programs:agreement-detail", args=[obj.pk])

    def cancel_url(self):
        return reverse("programs:agreement-list")


class AgreementUpdateView(AgreementCreateView):
    permission_required = ("programs.change_agreement", "programs.add_agreementquota", "programs.change_agreementquota")
    title = gettext_lazy("Edit agreement")

    def get_object(self):
        return get_object_or_404(Agreement, pk=self.kwargs["pk"])

    def save(self, form):
        data = dict(form.cleaned_data)
        return services.agreement_update(
            agreement=self.object,
            by=self.request.user,
            data=data,
            quotas=self.formset.changes(),
            signed_document=data.pop("signed_document", None),
        )

    def cancel_url(self):
        return self.success_url(self.object)


class AgreementDocumentView(View):
    """The signed agreement, as a download, for office staff only. Anyone else learns nothing: 404, the same as
    for an agreement without a file (anonymous visitors are sent to log in first)."""

    def get(self, request, pk):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (is_office_staff(request.user) and request.user.has_perm("programs.view_agreement")):
            raise Http404
        agreement = get_object_or_404(Agreement, pk=pk)
        if not agreement.signed_document:
            raise Http404
        try:
            file = agreement.signed_document.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            file, as_attachment=True, filename=f"{agreement.number}.pdf", content_type="application/pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response


# --- tracks and modules ------------------------------------------------------------------------------------------


class TrackListView(StaffRequiredMixin, ListView):
    permission_required = "programs.view_track"
    template_name = "programs/track_list.html"

    def get_queryset(self):
        return selectors.track_list()


class TrackDetailView(StaffRequiredMixin, TemplateView):
    permission_required = "programs.view_track"
    template_name = "programs/track_detail.html"

    def get_context_data(self, **kwargs):
        track = get_object_or_404(Track, pk=self.kwargs["pk"])
        modules = selectors.track_modules(track=track)
        return super().get_context_data(
            track=track,
            modules=modules,
            totals=selectors.curriculum_totals(modules),
            cohorts=list(selectors.cohort_list(filters={"track": track})),
            **kwargs,
        )


class TrackCreateView(ServiceFormView):
    permission_required = "programs.add_track"
    form_class = TrackForm
    title = gettext_lazy("New track")

    def save(self, form):
        return services.track_create(by=self.request.user, data=form.cleaned_data)

    def success_url(self, obj):
        return reverse("programs:track-detail", args=[obj.pk])

    def cancel_url(self):
        return reverse("programs:track-list")


class TrackUpdateView(TrackCreateView):
    permission_required = "programs.change_track"
    title = gettext_lazy("Edit track")

    def get_object(self):
        return get_object_or_404(Track, pk=self.kwargs["pk"])

    def save(self, form):
        return services.track_update(track=self.object, by=self.request.user, data=form.cleaned_data)

    def cancel_url(self):
        return self.success_url(self.object)


class ModuleCreateView(ServiceFormView):
    permission_required = "programs.add_module"
    form_class = ModuleForm
    title = gettext_lazy("New module")

    def track(self) -> Track:
        if not hasattr(self, "_track"):
            self._track = get_object_or_404(Track, pk=self.kwargs["track_pk"])
        return self._track

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "track": self.track()}

    def save(self, form):
        return services.module_create(track=self.track(), by=self.request.user, data=form.cleaned_data)

    def success_url(self, obj):
        return reverse("programs:track-detail", args=[self.track().pk])

    def cancel_url(self):
        return self.success_url(None)


class ModuleUpdateView(ModuleCreateView):
    permission_required = "programs.change_module"
    title = gettext_lazy("Edit module")

    def get_object(self):
        return get_object_or_404(Module, pk=self.kwargs["pk"], track_id=self.kwargs["track_pk"])

    def save(self, form):
        return services.module_update(module=self.object, by=self.request.user, data=form.cleaned_data)


# --- cohorts -----------------------------------------------------------------------------------------------------


class CohortListView(FilteredListView):
    permission_required = "programs.view_cohort"
    template_name = "programs/cohort_list.html"
    filter_form_class = CohortFilterForm

    def select(self, filters):
        return selectors.cohort_list(filters=filters)


class CohortPageMovedView(StaffRequiredMixin, RedirectView):
    """The cohort's page moved under students/ (``students.cohort_views``): old links and bookmarks lead to it, for
    those who may see it."""

    permission_required = "programs.view_cohort"
    pattern_name = "students:cohort-detail"
    permanent = True


class CohortCreateView(ServiceFormView):
    permission_required = "programs.add_cohort"
    form_class = CohortForm
    title = gettext_lazy("New cohort")

    def get_form_kwargs(self):
        has_enrollments = bool(self.object) and self.object.enrollments.exists()
        return {**super().get_form_kwargs(), "has_enrollments": has_enrollments}

    def save(self, form):
        return services.cohort_create(by=self.request.user, data=form.cleaned_data)

    def success_url(self, obj):
        return reverse("students:cohort-detail", args=[obj.pk])

    def cancel_url(self):
        return reverse("programs:cohort-list")


class CohortUpdateView(CohortCreateView):
    permission_required = "programs.change_cohort"
    title = gettext_lazy("Edit cohort")

    def get_object(self):
        return get_object_or_404(Cohort, pk=self.kwargs["pk"])

    def save(self, form):
        return services.cohort_update(cohort=self.object, by=self.request.user, data=form.cleaned_data)

    def cancel_url(self):
        return self.success_url(self.object)
