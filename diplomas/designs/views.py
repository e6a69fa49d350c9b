"""The office-admin's pages of designs and signatories (``/administration/designs/``): the designs per kind with
their versions, a draft's editor with a live preview (htmx posts the form as the admin types; the sample diploma is
drawn by the real renderer and shown as a picture of its page, or downloaded as the PDF), publication after a
confirmation, and the signatories (list, new, edit: end-date one who no longer signs). Thin: ``selectors`` read,
``services`` write."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import StaffRequiredMixin

from . import selectors, services
from .forms import DesignForm, SignatoryForm
from .models import DocumentDesign, Kind, Signatory, Signs
from .preview import design_sample_pdf, page_png, png_data_uri

VIEW = ("diplomas.view_documentdesign", "diplomas.change_documentdesign")
WRITE = (*VIEW, "diplomas.add_documentdesign")
SIGNATORIES = ("diplomas.view_signatory", "diplomas.change_signatory", "diplomas.add_signatory")


def _design_or_404(pk) -> DocumentDesign:
    return get_object_or_404(DocumentDesign, pk=pk)


class DesignListView(StaffRequiredMixin, View):
    permission_required = VIEW
    template_name = "diplomas/designs/design_list.html"

    def get(self, request):
        return render(
            request,
            self.template_name,
            {"kinds": selectors.designs_by_kind(), "signatories": selectors.signatories_for(Signs.DIPLOMA)},
        )


class DraftCreateView(StaffRequiredMixin, View):
    """The "New version" button: the kind's draft, made from its current version (or the one draft there is)."""

    permission_required = WRITE
    http_method_names = ["post"]

    def post(self, request):
        kind = request.POST.get("kind", "")
        if kind not in Kind.values:
            raise Http404(_("No such document."))
        draft = services.design_draft(kind=kind, by=request.user)
        return redirect("designs:design-detail", pk=draft.pk)


class DesignDetailView(StaffRequiredMixin, View):
    """A draft's editor with the live preview beside it, or a published version read-only with its sample."""

    permission_required = VIEW
    template_name = "diplomas/designs/design_detail.html"

    def get(self, request, pk):
        design = _design_or_404(pk)
        form = None if design.is_published else DesignForm(instance=design)
        return self.render(request, design, form)

    def post(self, request, pk):
        design = _design_or_404(pk)
        if design.is_published:
            messages.error(request, _("A published design never changes: make a new version instead."))
            return redirect("designs:design-detail", pk=design.pk)
        form = DesignForm(request.POST, instance=DocumentDesign.objects.get(pk=design.pk))
        if form.is_valid():
            try:
                services.design_update(design=design, by=request.user, data=form.service_data())
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The draft is saved."))
                return redirect("designs:design-detail", pk=design.pk)
        return self.render(request, design, form)

    def render(self, request, design, form):
        texts = [(DocumentDesign._meta.get_field(name).verbose_name, value) for name, value in design.texts().items()]
        return render(request, self.template_name, {"design": design, "form": form, "texts": texts})


def _previewed(request, design: DocumentDesign) -> DocumentDesign:
    """The design with the texts the form posts (a draft's, unsaved), or as it is stored (a GET, a published one)."""
    if request.method != "POST" or design.is_published:
        return design
    form = DesignForm(request.POST, instance=copy.copy(design))
    form.is_valid()  # every text is optional in a draft: the form only fills the copy's fields
    return form.instance


class DesignPreviewView(StaffRequiredMixin, View):
    """The live preview (an htmx fragment): the sample of the posted texts (``preview.design_sample_pdf``), as a
    picture of its page. Writes nothing."""

    permission_required = VIEW
    template_name = "diplomas/designs/_preview.html"

    def get(self, request, pk):
        return self.preview(request, pk)

    def post(self, request, pk):
        return self.preview(request, pk)

    def preview(self, request, pk):
        design = _previewed(request, _design_or_404(pk))
        png = png_data_uri(page_png(design_sample_pdf(design)))
        return render(request, self.template_name, {"design": design, "png": png})


class DesignSamplePdfView(StaffRequiredMixin, View):
    """The sample of the posted (or stored) texts as the PDF the renderer makes. Writes nothing."""

    permission_required = VIEW

    def get(self, request, pk):
        return self.pdf(request, pk)

    def post(self, request, pk):
        return self.pdf(request, pk)

    def pdf(self, request, pk):
        design = _previewed(request, _design_or_404(pk))
        response = HttpResponse(design_sample_pdf(design), content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="sample-{design.kind}-v{design.version}.pdf"'
        return response


class DesignPublishView(StaffRequiredMixin, View):
    """The confirmation (documents issued from then on print it; it never changes after), then publication."""

    permission_required = WRITE
    template_name = "diplomas/designs/design_publish.html"

    def get(self, request, pk):
        design = _design_or_404(pk)
        if design.is_published:
            return redirect("designs:design-detail", pk=design.pk)
        return render(request, self.template_name, {"design": design})

    def post(self, request, pk):
        design = _design_or_404(pk)
        if design.is_published:
            messages.info(request, _("This version is already published."))
            return redirect("designs:design-detail", pk=design.pk)
        try:
            services.design_publish(design=design, by=request.user)
        except DomainError as error:
            field = DocumentDesign._meta.get_field(error.field).verbose_name if error.field else ""
            return render(request, self.template_name, {"design": design, "error": error, "error_field": field})
        messages.success(
            request,
            _("Version %(version)s is published: documents issued from now on print it.") % {"version": design.version},
        )
        return redirect("designs:design-detail", pk=design.pk)


class SignatoryListView(StaffRequiredMixin, View):
    permission_required = SIGNATORIES
    template_name = "diplomas/designs/signatory_list.html"

    def get(self, request):
        return render(request, self.template_name, {"signatories": selectors.signatories_list()})


class SignatoryFormView(StaffRequiredMixin, View):
    """A new signatory (no ``pk``) or a signatory's changes; never a deletion (an end date instead)."""

    permission_required = SIGNATORIES
    template_name = "diplomas/designs/signatory_form.html"

    def get(self, request, pk=None):
        signatory = get_object_or_404(Signatory, pk=pk) if pk else None
        return self.render(request, signatory, SignatoryForm(instance=signatory))

    def post(self, request, pk=None):
        signatory = get_object_or_404(Signatory, pk=pk) if pk else None
        form = SignatoryForm(request.POST, instance=copy.copy(signatory))
        if form.is_valid():
            try:
                if signatory is None:
                    services.signatory_create(by=request.user, data=form.service_data())
                else:
                    services.signatory_update(signatory=signatory, by=request.user, data=form.service_data())
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The signatory is saved."))
                return redirect("designs:signatory-list")
        return self.render(request, signatory, form)

    def render(self, request, signatory, form):
        return render(request, self.template_name, {"signatory": signatory, "form": form})
