"""Roles, and the one place that decides what a viewer may see."""

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import CharField, Count, Q, Value
from django.db.models.functions import Cast, Concat

from mobility.foundation.models import PartnerAPIKey
from mobility.foundation.notifications.models import StaffNotification
from mobility.foundation.people.models import Membership
from mobility.foundation.two_factor.state import two_factor_parse, two_factor_parts

OFFICE = "office"
OFFICE_ADMIN = "office-admin"
# The partnership's people (``Membership.Role``): not groups, a membership of their own with their institution.
COORDINATOR = Membership.Role.COORDINATOR.value
OBSERVER = Membership.Role.OBSERVER.value
FACILITATOR = Membership.Role.FACILITATOR.value
TEACHER = Membership.Role.TEACHER.value

# Permissions of each staff group, as "app_label.codename". ``office`` runs the program day to day;
# ``office-admin`` also deletes reference data, sees passport data and manages partners' API keys. History is never
# deleted by anyone: enrollments are closed by a transition, results corrected, diplomas revoked (services).
_EDITABLE = {
    "programs": ["institution", "contact", "agreement", "agreementquota", "track", "module", "cohort"],
    "students": ["student", "enrollment", "moduleresult", "continuation", "message", "savedfilter"],
    # diploma: add = request, change = retry, revoke, reissue (never delete); enrollmentcertificate: add = issue one
    "diplomas": ["diploma", "diplomabatch", "enrollmentcertificate"],
}
_DELETABLE = {"programs": _EDITABLE["programs"], "students": ["continuation"]}
_READ_ONLY = {"mobility": ["auditentry"]}


def _perms(models: dict[str, list[str]], actions: tuple[str, ...]) -> list[str]:
    return [f"{app}.{action}_{model}" for app, names in models.items() for model in names for action in actions]


# Webhooks: the office sees partners' endpoints and deliveries and replays a delivery (change); adding, changing and
# disabling an endpoint, whose secret is a partner's credential, is office-admin's, like API keys.
_WEBHOOKS_SEEN = ["mobility.view_webhookendpoint", "mobility.view_webhookdelivery", "mobility.change_webhookdelivery"]
_OFFICE = _perms(_EDITABLE, ("view", "add", "change")) + _perms(_READ_ONLY, ("view",)) + _WEBHOOKS_SEEN
_OFFICE += ["students.delete_savedfilter"]  # saved filters of the students list are the whole office's
# The partnership's people: the office invites, deactivates and changes members, and assigns teachers to modules of
# cohorts (an assignment removed is deleted: it is no history, the audit log keeps it).
_OFFICE += _perms({"mobility": ["membership"], "programs": ["teachingassignment"]}, ("view", "add", "change"))
_OFFICE += ["programs.delete_teachingassignment"]
# Consents (students/consent/): the office sees each student's decisions; the texts are office-admin's to write and
# publish (a decision itself is never written by hand: the student, the college's attestation and the staff form).
_OFFICE += ["students.view_consent"]
ROLE_PERMISSIONS = {
    OFFICE: _OFFICE,
    OFFICE_ADMIN: _OFFICE
    + _perms(_DELETABLE, ("delete",))
    + _perms({"mobility": ["partnerapikey"]}, ("view", "add", "change"))
    + _perms({"mobility": ["webhookendpoint"]}, ("add", "change"))
    + ["students.view_sensitive", "mobility.browse_auditentry"]
    + ["mobility.view_twofactorpolicy", "mobility.change_twofactorpolicy", "mobility.reset_two_factor"]
    + _perms({"students": ["consenttext"]}, ("view", "add", "change"))
    # The documents' designs and signatories (diplomas/designs/): office-admin's to write and publish.
    + _perms({"diplomas": ["documentdesign", "signatory"]}, ("view", "add", "change")),
}


def roles_sync(using: str = "default") -> None:
    """Create the staff groups and give each exactly its permissions. Idempotent."""
    for name, perms in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.using(using).get_or_create(name=name)
        wanted = []
        for dotted in perms:
            app_label, codename = dotted.split(".")
            wanted.append(Permission.objects.using(using).get(content_type__app_label=app_label, codename=codename))
        group.permissions.set(wanted)


def sync_roles_after_migrate(sender, app_config, using="default", **kwargs):
    # post_migrate is sent once per installed app, and each app's permissions are created on its own turn:
    # all of them exist only on the last app's turn.
    from django.apps import apps

    if app_config.label == list(apps.get_app_configs())[-1].label:
        roles_sync(using)


def is_office_staff(user) -> bool:
    """Staff of the international office: members of ``office`` or ``office-admin``, or superusers."""
    # A partner system's API key is no user: ``getattr`` keeps it (and None) out.
    if not (user and getattr(user, "is_authenticated", False) and user.is_active):
        return False
    if user.is_superuser:
        return True
    # Asked several times per request (access rule, selectors, menu): remembered on the user object, which lives
    # for one request, like Django's own permission cache.
    _access_load(user)
    return user._office_staff_cache


# The prefixes that mark a group's name, the unread notifications' count and the membership (role, institution)
# among the permissions in ``_access_load``'s one query.
_GROUP, _UNREAD, _MEMBER = "group:", "unread:", "member:"


def _access_load(user) -> None:
    """Read an active, non-superuser user's permissions (their own and their groups'), whether they belong to an
    office group, how many of their staff notifications are unread (the menu's bell) and their membership in the
    partnership (role and institution), whether they have a two-factor authenticator and the office's two-factor
    policy, in one query: into Django's permission cache (``_perm_cache``), ``_office_staff_cache``,
    ``_unread_notifications``, ``_membership_cache`` and ``_two_factor_cache``.

    Every page asks them (the access rule, the menu, the bell): Django would read them in five queries."""
    if hasattr(user, "_perm_cache") and hasattr(user, "_office_staff_cache"):
        return
    unread = (
        StaffNotification.objects.filter(recipient=user, read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(kind=Value(_UNREAD), n=Cast(Count("id"), CharField()))
        .values_list("kind", "n")
    )
    rows = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .order_by()
        .values_list("content_type__app_label", "codename")
        .union(Group.objects.filter(user=user).order_by().annotate(kind=Value(_GROUP)).values_list("kind", "name"))
        .union(unread, all=True)
        .union(
            Membership.objects.filter(user=user)
            .order_by()
            .annotate(kind=Concat(Value(_MEMBER), "role", output_field=CharField()))
            .annotate(place=Cast("institution_id", CharField()))
            .values_list("kind", "place"),
            *two_factor_parts(user),
            all=True,
        )
    )
    perms, groups, unread_count = set(), set(), 0
    two_factor: dict = {}
    membership: tuple[str, int | None] | None = None
    for first, second in rows:
        if two_factor_parse(first, second, two_factor):
            continue
        if first == _GROUP:
            groups.add(second)
        elif first == _UNREAD:
            unread_count = int(second)
        elif first.startswith(_MEMBER):
            membership = (first.removeprefix(_MEMBER), int(second) if second else None)  # None: a teacher
        else:
            perms.add(f"{first}.{second}")
    user._perm_cache = perms
    user._office_staff_cache = bool(groups & {OFFICE, OFFICE_ADMIN})
    user._office_admin_cache = OFFICE_ADMIN in groups
    user._unread_notifications = unread_count
    user._membership_cache = membership
    user._two_factor_cache = two_factor


class PermissionsBackend(ModelBackend):
    """A user's permissions read in the one query of ``_access_load`` (with their groups), where ``ModelBackend``
    reads them in two. Listed before ``ModelBackend``, which still logs people in; the cache is Django's own
    (``_perm_cache``), so it finds it filled."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        return None  # permissions only: ModelBackend, next in the list, checks passwords

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None or user_obj.is_superuser:
            return super().get_all_permissions(user_obj, obj)
        _access_load(user_obj)
        return user_obj._perm_cache


def can_view_sensitive(user) -> bool:
    return bool(user and getattr(user, "is_authenticated", False) and user.has_perm("students.view_sensitive"))


# --- partner systems (API keys) ------------------------------------------------------------------------------------
# A viewer is a user (staff or student session) or a ``mobility.foundation.models.PartnerAPIKey`` (a partner system).
# The partner API passes the key itself as the viewer, so every selector decides by the rules below
# (docs/decisions/0011-partner-api-keys-and-scopes.md).


def _is_api_key(viewer) -> bool:
    return isinstance(viewer, PartnerAPIKey)


def is_staff_key(viewer) -> bool:
    """A key of the host institution (``MOBILITY_HOST_CODE``): the office's own systems, which see every row like
    office staff without the sensitive-data permission."""
    return _is_api_key(viewer) and viewer.institution.code == settings.MOBILITY_HOST_CODE


def _membership(viewer) -> tuple[str, int | None] | None:
    """(role, institution id) of a logged-in, active member of the partnership; None for anyone else."""
    if _is_api_key(viewer) or not (viewer and getattr(viewer, "is_authenticated", False) and viewer.is_active):
        return None
    if viewer.is_superuser:
        return None
    _access_load(viewer)
    return viewer._membership_cache


def member_role(viewer) -> str | None:
    """``coordinator``, ``observer``, ``facilitator`` or ``teacher`` for a member of the partnership; else None."""
    membership = _membership(viewer)
    return membership[0] if membership else None


def partner_institution_id(viewer) -> int | None:
    """The sending college a viewer is limited to: a partner system's key (staff keys excluded), or a coordinator's
    or observer's own college; None for every other viewer."""
    if _is_api_key(viewer):
        return None if is_staff_key(viewer) else viewer.institution_id
    membership = _membership(viewer)
    if membership and membership[0] in (COORDINATOR, OBSERVER):
        return membership[1]
    return None


def facilitator_institution_id(viewer) -> int | None:
    """The facilitator institution whose agreements' cohorts a facilitator's staff see; None for anyone else."""
    membership = _membership(viewer)
    return membership[1] if membership and membership[0] == FACILITATOR else None


def teacher_id(viewer) -> int | None:
    """A teacher's user id (what ``programs.TeachingAssignment.teacher`` points at); None for anyone else."""
    membership = _membership(viewer)
    return viewer.pk if membership and membership[0] == TEACHER else None


def partner_can_write(viewer) -> bool:
    """Whether a partner's viewer may nominate, import and manage its own keys and webhooks: a coordinator, or a key
    (whose write scope ``ApiAccess`` checks); an observer only reads."""
    if _is_api_key(viewer):
        return partner_institution_id(viewer) is not None
    return member_role(viewer) == COORDINATOR


def viewer_role(viewer) -> str:
    """The one word for who a viewer is, as the access matrix and the pages' layouts name them: ``anonymous``,
    ``office-admin``, ``office``, ``staff-key``, ``partner-key``, ``coordinator``, ``observer``, ``facilitator``,
    ``teacher``, ``student``, or ``nobody`` (logged in, but none of these)."""
    if _is_api_key(viewer):
        return "staff-key" if is_staff_key(viewer) else "partner-key"
    if not (viewer and getattr(viewer, "is_authenticated", False) and viewer.is_active):
        return "anonymous"
    if is_office_staff(viewer):
        return OFFICE_ADMIN if viewer.is_superuser or viewer._office_admin_cache else OFFICE
    role = member_role(viewer)
    if role:
        return role
    return "student" if getattr(viewer, "student", None) is not None else "nobody"


def sees_everything(viewer) -> bool:
    """Office staff (session) and staff keys see every partner's rows."""
    return is_staff_key(viewer) or is_office_staff(viewer)


def can_write_sensitive(actor) -> bool:
    """Who may write passport data and the birth date: staff with the sensitive-data permission, and a partner's
    key for its own students (the home college is where these data come from; the API scopes which students).
    Staff keys may not: they act as office staff without that permission."""
    return can_view_sensitive(actor) or partner_institution_id(actor) is not None
