"""The student's own pages: their enrollments, progress per module, diplomas, personal data and correction requests.

Every page reads through the portal selectors (``students.selectors.portal_*``), which narrow every row to the
viewer's own student record: any other id is a 404. Anonymous visitors are sent to log in; office staff, who have no
student record, to their dashboard; anyone else logged in without a student record gets 403. A student with a consent
text to answer (the first visit, a new version) is sent to the consent screen first (``consent_views``).
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views import View

from mobility.foundation.exceptions import DomainError
from mobility.foundation.views import home_url_name

from .. import selectors
from ..consent.selectors import consent_is_due
from ..messaging import selectors as message_selectors
from ..messaging.services import message_mark_read
from ..models import Enrollment, MessageRecipient
from ..progress import portal_enrollment_progress
from ..services.corrections import correction_request_create
from .forms import CorrectionRequestForm


class PortalView(View):
    """The access rule of the portal's pages; ``self.student`` is the viewer's own record. Responses are private
    and not stored: they hold personal data and may be opened on a shared computer."""

    template_name = ""
    # False on the consent pages themselves (students/portal/consent_views.py).
    asks_consent = True

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        self.student = selectors.portal_student(viewer=request.user)
        if self.student is None:
            # Office staff and the partnership's people have pages of their own: a GET is sent there (a student
            # whose data were erased has none left).
            home = home_url_name(request.user)
            if home and home != "portal:home" and request.method in ("GET", "HEAD"):
                return redirect(home)
            raise PermissionDenied
        if self.asks_consent and consent_is_due(self.student):
            # The first visit, and each new version of a consent text: the student answers before anything else.
            response = redirect(f"{reverse('portal:consent')}?{urlencode({'next': request.get_full_path()})}")
        else:
            response = super().dispatch(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    def render(self, request, context: dict, *, section: str):
        context = {"student": self.student, "student_name": self.student.name_in(), "section": section, **context}
        return render(request, self.template_name, context)


class HomeView(PortalView):
    """The student's enrollments: track, cohort, status, dates, and the diploma that counts."""

    template_name = "portal/home.html"

    def get(self, request):
        enrollments = list(selectors.portal_enrollments(viewer=request.user))
        for enrollment in enrollments:
            enrollment.current_diploma = next(iter(enrollment.diplomas.all()), None)
        unread = message_selectors.portal_unread_count(viewer=request.user)
        return self.render(request, {"enrollments": enrollments, "unread": unread}, section="home")


class EnrollmentView(PortalView):
    """One enrollment: progress per module, what is left for completion, and its diplomas."""

    template_name = "portal/enrollment.html"

    def get(self, request, pk):
        try:
            enrollment = selectors.portal_enrollment_get(viewer=request.user, pk=pk)
        except Enrollment.DoesNotExist:
            raise Http404 from None
        progress = portal_enrollment_progress(enrollment=enrollment)
        diplomas = list(enrollment.diplomas.all())
        for diploma in diplomas:
            # The address printed on the diploma (its QR code), so the student shares the same link.
            diploma.verify_url = diploma.verification_url
        # The valid transcripts of the enrollment (stored and not revoked), newest first.
        transcripts = sorted(
            (t for t in enrollment.transcripts.all() if t.sha256 and t.pdf and t.revoked_at is None),
            key=lambda t: (t.issued_at, t.pk),
            reverse=True,
        )
        context = {"enrollment": enrollment, "progress": progress, "diplomas": diplomas, "transcripts": transcripts}
        return self.render(request, context, section="home")


class MyDataView(PortalView):
    """The student's personal data as recorded, and their requests to correct them with the office's answers."""

    template_name = "portal/my_data.html"

    def get(self, request):
        return self.show(request, CorrectionRequestForm())

    def post(self, request):
        form = CorrectionRequestForm(request.POST)
        if form.is_valid():
            try:
                correction_request_create(student=self.student, message=form.cleaned_data["message"])
            except DomainError as error:
                form.add_domain_error(error)
            else:
                messages.success(request, _("Your request was sent to the office. The answer will appear below."))
                return redirect(reverse("portal:my-data") + "#requests")
        return self.show(request, form)

    def show(self, request, form):
        context = {
            "form": form,
            "requests": list(selectors.portal_correction_requests(viewer=request.user)),
            "home_institution": self.student.home_institution,
        }
        return self.render(request, context, section="my-data")


class MessagesView(PortalView):
    """The office's messages to the student, newest first, unread ones marked, each in the version they got."""

    template_name = "portal/messages.html"

    def get(self, request):
        received = list(message_selectors.portal_messages(viewer=request.user))
        return self.render(request, {"received": received}, section="messages")


class MessageView(PortalView):
    """One message; opening it marks it read."""

    template_name = "portal/message.html"

    def get(self, request, pk):
        try:
            recipient = message_selectors.portal_messages(viewer=request.user).get(pk=pk)
        except MessageRecipient.DoesNotExist:
            raise Http404 from None
        unread = recipient.read_at is None
        message_mark_read(recipient=recipient)
        return self.render(request, {"recipient": recipient, "was_unread": unread}, section="messages")
