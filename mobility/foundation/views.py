"""The access rule of every staff page (``StaffRequiredMixin``) and of the partnership's people's pages
(``MemberRequiredMixin``), and where each person lands (``home_url_name``)."""

from django.contrib.auth.mixins import AccessMixin
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.cache import patch_cache_control

from mobility.foundation.access import COORDINATOR, FACILITATOR, OBSERVER, TEACHER, is_office_staff, member_role

# The first page of each member role (``Membership.Role``).
MEMBER_HOMES = {
    COORDINATOR: "partner:home",
    OBSERVER: "partner:home",
    FACILITATOR: "facilitator:home",
    TEACHER: "teaching:home",
}


def home_url_name(user) -> str | None:
    """The URL name of a logged-in person's first page: the dashboard for office staff, the portal for a student,
    their role's pages for a member of the partnership; None for anyone else."""
    if is_office_staff(user):
        return "dashboard"
    role = member_role(user)
    if role:
        return MEMBER_HOMES[role]
    return "portal:home" if is_student(user) else None


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
        if not staff and request.method in ("GET", "HEAD") and (home := home_url_name(request.user)):
            return redirect(home)
        if not staff or not request.user.has_perms(perms):
            self.raise_exception = True
            return self.handle_no_permission()
        return super().dispatch(request, *args, **kwargs)


def is_student(user) -> bool:
    """Whether a logged-in user is a student (has a student record)."""
    # Asked only of logged-in people who are not staff, so staff pages pay no query for it.
    return getattr(user, "student", None) is not None


class MemberRequiredMixin(AccessMixin):
    """The access rule of the partnership's people's pages: ``roles`` (``Membership.Role`` values) may open them.
    Anonymous visitors go to the login page; anyone else logged in is sent to their own first page on a GET (a
    bookmark, a link forwarded by a colleague), and refused (403) on a POST. Responses are private and not stored.
    ``self.role`` is the viewer's role; which rows they see is the selectors' business (``viewer=request.user``)."""

    roles: tuple[str, ...] = ()

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.role = member_role(request.user)
        if self.role not in self.roles:
            home = home_url_name(request.user)
            if request.method in ("GET", "HEAD") and home:
                return redirect(home)
            raise PermissionDenied
        if not self.allowed(request):
            raise PermissionDenied
        response = super().dispatch(request, *args, **kwargs)
        patch_cache_control(response, private=True, no_store=True)
        return response

    def allowed(self, request) -> bool:
        """A further rule of a kind of page, asked once the role is right (default: none)."""
        return True


def url_with_id(name: str):
    """A function of an id giving the URL ``name`` reverses to for it: one ``reverse`` for a page's rows, whose
    links differ only by their id (a ``{% url %}`` per row cost more than the row's cells)."""
    marker = "987654321"  # an id no part of the URL around it contains
    head, tail = reverse(name, args=[int(marker)]).split(marker, 1)
    return lambda pk: f"{head}{pk}{tail}"
