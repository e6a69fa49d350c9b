"""Bench-only root URLconf: the product's URLs plus the floor of the staff-page benchmark (``bench/staff.py``).

Never part of the product: the bench's server sets ``ROOT_URLCONF`` to this module in its own process.
"""

from django.http import HttpResponse
from django.urls import include, path
from django.views import View

from mobility.foundation.views import StaffRequiredMixin


class FloorView(StaffRequiredMixin, View):
    """The bare staff view: the same middleware, session, user and permission checks as the students list
    (``StaffRequiredMixin`` with ``students.view_student``), then a two-byte body with no template."""

    permission_required = "students.view_student"

    def get(self, request):
        return HttpResponse(b"ok", content_type="text/plain")


urlpatterns = [
    path("bench/floor/", FloorView.as_view(), name="bench-floor"),
    path("", include("mobility.urls")),
]
