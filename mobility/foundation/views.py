"""The access rule of every staff page (``StaffRequiredMixin``)."""

from django.contrib.auth.mixins import AccessMixin
from django.shortcuts import redirect

from mobility.foundation.access import is_office_staff


class StaffRequiredMixin(AccessMixin):
    """Anonymous visitors go to the login page; a student who opens a staff page (a bookmark, the login's default
    landing page ``/``) is sent to their portal; anyone else logged in who is not office staff gets 403, and so
    does a student's POST to a staff page.

    ``permission_required`` (optional, a string or a tuple) adds Django permissions on top.
    """

    permission_required: str | tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        perms = (self.permission_required,) if isinstance(self.permission_required, str) else self.permission_required
        staff = is_office_staff(request.user)
        if not staff and request.method in ("GET", "HEAD") and is_student(request.user):
            return redirect("portal:home")
        if not staff or not request.user.has_perms(perms):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def is_student(user) -> bool:
    """Whether a logged-in user is a student (has a student record)."""
    # Asked only of logged-in people who are not staff, so staff pages pay no query for it.
    return getattr(user, "student", None) is not None
