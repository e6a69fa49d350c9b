"""The student's consents in the portal: the consent screen every portal page sends them to while a text awaits
their answer (the first visit, a new version), "My consents" with the history, and one purpose's page to withdraw a
consent or give it again. The rules are in ``students.consent.services.consent_decide``; docs/privacy.md."""

from __future__ import annotations

from django.contrib import messages
from django.db import transaction
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _

from mobility.foundation.exceptions import DomainError
from mobility.foundation.network import client_ip

from ..consent.models import Consent, Purpose
from ..consent.selectors import consent_history, consents_current, consents_due, current_texts
from ..consent.services import consent_decide
from .forms import ConsentAnswersForm
from .views import PortalView

# What ending a consent changes, as the confirmation step says it (docs/privacy.md).
ENDING_CHANGES = {
    Purpose.PROCESSING: gettext_lazy(
        "Your passport number and dates and your birth date are erased from the university's records at once."
    ),
    Purpose.TRANSFER_TO_RUSSIA: gettext_lazy(
        "Your passport number and dates and your birth date are erased from the university's records at once, and "
        "your college may no longer send them."
    ),
    Purpose.TRANSFER_TO_PARTNER: gettext_lazy(
        "The university's messages to your college about your studies (enrollment, results, diplomas) no longer "
        "carry your personal data: only your student numbers."
    ),
    Purpose.PUBLIC_NAME: gettext_lazy(
        "The public verification page of your diploma no longer shows your name, only your initials."
    ),
}
ENDING_TOLD = gettext_lazy(
    "The international office and your college are told. What was done before stays lawful. You can give the consent "
    "again here at any time."
)


# The decision and who recorded it as the student reads them (the model's labels are the office's words).
DECISION_LABELS = {
    Consent.Decision.GIVEN: pgettext_lazy("consent", "given"),
    Consent.Decision.DECLINED: pgettext_lazy("consent", "declined"),
    Consent.Decision.WITHDRAWN: pgettext_lazy("consent", "withdrawn"),
}
GIVEN_BY_LABELS = {
    Consent.GivenBy.STUDENT: pgettext_lazy("consent", "you, in the portal"),
    Consent.GivenBy.COLLEGE: pgettext_lazy("consent", "your college, which collected it"),
    Consent.GivenBy.OFFICE: pgettext_lazy("consent", "the international office, from a signed paper"),
}


def _labelled(consents):
    for consent in consents:
        if consent is not None:
            consent.decision_label = DECISION_LABELS.get(consent.decision, consent.decision)
            consent.by_label = GIVEN_BY_LABELS.get(consent.given_by, consent.given_by)
    return consents


def _language() -> str:
    return get_language() or "en"


class ConsentScreenView(PortalView):
    """Every text the student has not answered themselves, in their language, each with its own answer; one form,
    every answer required. Then back to the page they asked for."""

    template_name = "portal/consent.html"
    asks_consent = False

    def next_url(self, request) -> str:
        target = request.POST.get("next") or request.GET.get("next") or ""
        safe = url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        return target if safe and target.startswith("/") else reverse("portal:home")

    def get(self, request):
        due = consents_due(self.student)
        if not due:
            return redirect(self.next_url(request))
        return self.show(request, ConsentAnswersForm(texts=due))

    def post(self, request):
        due = consents_due(self.student)
        if not due:
            return redirect(self.next_url(request))
        form = ConsentAnswersForm(request.POST, texts=due)
        if not form.is_valid():
            return self.show(request, form)
        ip = client_ip(request)
        with transaction.atomic():
            for text, decision in form.answers():
                consent_decide(
                    student=self.student, text=text, decision=decision, by=request.user, language=_language(), ip=ip
                )
        messages.success(request, _("Thank you: your answers are recorded. You can change them in My consents."))
        return redirect(self.next_url(request))

    def show(self, request, form):
        own = [c for c in consents_current(self.student).values() if c.given_by == Consent.GivenBy.STUDENT]
        context = {"form": form, "next": self.next_url(request), "first": not own}
        return self.render(request, context, section="consents")


class MyConsentsView(PortalView):
    """The student's current decision per purpose (version, date, who recorded it) and every decision before."""

    template_name = "portal/my_consents.html"
    asks_consent = False

    def get(self, request):
        texts = current_texts()
        current = consents_current(self.student)
        _labelled(current.values())
        rows = []
        for purpose in Purpose:
            if purpose.value not in texts:
                continue
            consent = current.get(purpose.value)
            rows.append(
                {
                    "purpose": purpose,
                    "consent": consent,
                    "text": texts[purpose.value],
                    "outdated": consent is not None and consent.text_id != texts[purpose.value].pk,
                }
            )
        context = {"rows": rows, "history": _labelled(consent_history(self.student))}
        return self.render(request, context, section="consents")


class ConsentPurposeView(PortalView):
    """One purpose: a consent that holds is withdrawn after a confirmation saying what withdrawing changes; one
    declined, withdrawn or never answered is given on the current text, shown in full."""

    template_name = "portal/consent_purpose.html"
    asks_consent = False

    def setup_purpose(self, purpose: str):
        if purpose not in Purpose.values:
            raise Http404
        self.purpose = Purpose(purpose)
        self.text = current_texts().get(purpose)
        if self.text is None:
            raise Http404
        self.consent = consents_current(self.student).get(purpose)
        _labelled([self.consent])
        self.holds = self.consent is not None and self.consent.holds

    def get(self, request, purpose):
        self.setup_purpose(purpose)
        return self.show(request)

    def post(self, request, purpose):
        self.setup_purpose(purpose)
        action = request.POST.get("action")
        if action == "withdraw" and self.holds:
            text, decision = self.consent.text, Consent.Decision.WITHDRAWN
            done = _("Your consent is withdrawn.")
        elif action == "give" and not self.holds:
            text, decision = self.text, Consent.Decision.GIVEN
            done = _("Your consent is recorded.")
        else:
            # A second tab, a double click: the decision changed meanwhile; show the page as it is now.
            return redirect("portal:consent-purpose", purpose=purpose)
        try:
            consent_decide(
                student=self.student,
                text=text,
                decision=decision,
                by=request.user,
                language=_language(),
                ip=client_ip(request),
            )
        except DomainError as error:
            messages.error(request, error.message)
            return redirect("portal:consent-purpose", purpose=purpose)
        messages.success(request, done)
        return redirect("portal:my-consents")

    def show(self, request):
        context = {
            "purpose": self.purpose,
            "text": self.text if not self.holds else self.consent.text,
            "consent": self.consent,
            "holds": self.holds,
            "changes": ENDING_CHANGES[self.purpose],
            "told": ENDING_TOLD,
        }
        return self.render(request, context, section="consents")
