"""The office-admin's pages of the consent texts (``/privacy/consents/``): the list per purpose, a new version's
draft, the draft's editor, its preview as the student is shown it, publication; a published version read-only with
its SHA-256 per language. Thin: ``selectors`` read, ``services`` write (docs/privacy.md)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import StaffRequiredMixin

from . import selectors, services
from .forms import ConsentTextForm
from .models import ConsentText, Purpose

VIEW = ("students.view_consenttext", "students.change_consenttext")
WRITE = (*VIEW, "students.add_consenttext")
# The three languages of a text: its field suffix, the language code of the page, the language's own name.
LANGUAGES = (("ru", "ru", "Русский"), ("en", "en", "English"), ("zh", "zh-hans", "中文"))


def text_as_shown(text: ConsentText) -> list[dict]:
    """The text in each of its languages as the student's consent screen shows it: title, body, recipient, contact,
    the categories named in that language, and the SHA-256 recorded with a decision taken on it."""
    shown = []
    for lang, code, name in LANGUAGES:
        with translation.override(code):
            shown.append(
                {
                    "lang": lang,
                    "code": code,
                    "name": name,
                    "title": text.title(lang),
                    "body": text.body(lang),
                    "categories": text.category_labels(),
                    "digest": text.digest(lang),
                }
            )
    return shown


def _text_or_404(pk) -> ConsentText:
    return get_object_or_404(ConsentText, pk=pk)


class TextListView(StaffRequiredMixin, View):
    permission_required = VIEW
    template_name = "students/consent/text_list.html"

    def get(self, request):
        return render(request, self.template_name, {"purposes": selectors.consent_text_overview()})


class DraftCreateView(StaffRequiredMixin, View):
    """The "New version" button: the purpose's draft, made from its latest version (or the one draft there is)."""

    permission_required = WRITE
    http_method_names = ["post"]

    def post(self, request):
        purpose = request.POST.get("purpose", "")
        if purpose not in Purpose.values:
            raise Http404(_("No such purpose."))
        draft = services.consent_text_draft(purpose=purpose, by=request.user)
        return redirect("consents:text-detail", pk=draft.pk)


class TextDetailView(StaffRequiredMixin, View):
    """A draft's editor (the three languages side by side on a wide screen), or a published version read-only with
    its SHA-256 per language."""

    permission_required = VIEW
    template_name = "students/consent/text_detail.html"

    def get(self, request, pk):
        text = _text_or_404(pk)
        form = None if text.is_published else ConsentTextForm(instance=text)
        return self.render(request, text, form)

    def post(self, request, pk):
        text = _text_or_404(pk)
        if text.is_published:
            messages.error(request, _("A published consent text never changes: publish a new version instead."))
            return redirect("consents:text-detail", pk=text.pk)
        form = ConsentTextForm(request.POST, instance=ConsentText.objects.get(pk=text.pk))
        if form.is_valid():
            try:
                services.consent_text_update(text=text, by=request.user, data=form.service_data())
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("The draft is saved."))
                if "preview" in request.POST:
                    return redirect("consents:text-preview", pk=text.pk)
                return redirect("consents:text-detail", pk=text.pk)
        return self.render(request, text, form)

    def render(self, request, text, form):
        context = {"text": text, "form": form, "languages": LANGUAGES}
        if text.is_published:
            context["shown"] = text_as_shown(text)
        return render(request, self.template_name, context)


class TextPreviewView(StaffRequiredMixin, View):
    permission_required = VIEW
    template_name = "students/consent/text_preview.html"

    def get(self, request, pk):
        text = _text_or_404(pk)
        return render(request, self.template_name, {"text": text, "shown": text_as_shown(text)})


class TextPublishView(StaffRequiredMixin, View):
    """The confirmation (every student is asked again; the version never changes after), then publication. A
    refusal of the service (an empty language, a transfer without recipient) is shown on the page."""

    permission_required = WRITE
    template_name = "students/consent/text_publish.html"

    def get(self, request, pk):
        text = _text_or_404(pk)
        if text.is_published:
            return redirect("consents:text-detail", pk=text.pk)
        return render(request, self.template_name, {"text": text})

    def post(self, request, pk):
        text = _text_or_404(pk)
        if text.is_published:
            messages.info(request, _("This version is already published."))
            return redirect("consents:text-detail", pk=text.pk)
        try:
            services.consent_text_publish(text=text, by=request.user)
        except DomainError as error:
            field = ConsentText._meta.get_field(error.field).verbose_name if error.field else ""
            return render(request, self.template_name, {"text": text, "error": error, "error_field": field})
        messages.success(
            request,
            _("Version %(version)s is published: every student will be asked about it at their next visit.")
            % {"version": text.version},
        )
        return redirect("consents:text-detail", pk=text.pk)
