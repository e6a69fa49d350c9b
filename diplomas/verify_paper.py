"""The public check of a printed diploma: its number and verification code typed in (``/verify/``), leading to its
verification page when they belong together.

A wrong code and an unknown number get the same page, status and message, and take the same path
(``verification.diploma_for_paper_check`` compares the code in constant time with the diploma's or a dummy's), so the
form cannot be used to learn which numbers exist. Every POST counts against ``DIPLOMA_VERIFY_RATE_LIMIT`` per client
address in a window of its own.
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from .forms import PaperCheckForm
from .verification import diploma_for_paper_check
from .views import rate_limit_wait


def no_match_message() -> str:
    return _("No issued diploma has this number and code.")


class VerifyPaperView(View):
    template_name = "diplomas/verify_paper.html"

    def respond(self, request, form, status=200):
        response = render(request, self.template_name, {"form": form}, status=status)
        response["Cache-Control"] = "no-store"
        return response

    def get(self, request):
        return self.respond(request, PaperCheckForm())

    def post(self, request):
        form = PaperCheckForm(request.POST)
        valid = form.is_valid()
        wait = rate_limit_wait(request, scope="verify-paper")
        if wait:
            message = ngettext(
                "Too many checks from your network address. Please try again in %(seconds)d second.",
                "Too many checks from your network address. Please try again in %(seconds)d seconds.",
                wait,
            ) % {"seconds": wait}
            form.refuse(message, code="rate_limited")
            response = self.respond(request, form, status=429)
            response["Retry-After"] = str(wait)
            return response
        if not valid:
            return self.respond(request, form)
        diploma = diploma_for_paper_check(number=form.cleaned_data["number"], code=form.cleaned_data["code"])
        if diploma is None:
            form.refuse(no_match_message())
            return self.respond(request, form)
        return redirect("diplomas:verify", code=diploma.verification_code)
