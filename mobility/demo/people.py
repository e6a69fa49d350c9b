"""The demo's people of the partnership: a coordinator of each partner college, HUATEC's facilitator and two of the
university's teachers assigned to modules of the demo's cohorts. Public passwords (``<username>-demo``), like the
other demo logins; found by user name, so a second run changes nothing."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from mobility.foundation.people.models import Membership
from programs.models import Cohort, Institution, Module
from programs.services import teaching_assign

R = Membership.Role

# username → (role, full name, e-mail, institution code or None, what they see); each a contact of the demo's
# institutions where one exists (data.CONTACTS), so the names agree.
MEMBER_USERS = {
    "hejing": (R.COORDINATOR, "He Jing", "he.jing@cqevtc.example", "CQEVTC", "partner portal of CQEVTC"),
    "zhoumin": (R.COORDINATOR, "Zhou Min", "zhou.min@xjivc.example", "XJIVC", "partner portal of XJIVC"),
    "wanglei": (R.FACILITATOR, "Wang Lei", "wang.lei@huatec.example", "HUATEC", "HUATEC's cohorts"),
    "orlova": (R.TEACHER, "Olga Orlova", "o.orlova@stankin.example", None, "teacher"),
    "sokolov": (R.TEACHER, "Pavel Sokolov", "p.sokolov@stankin.example", None, "teacher"),
}
MEMBER_PASSWORDS = {username: f"{username}-demo" for username in MEMBER_USERS}
# teacher → [(cohort key of data.COHORTS, how many of the track's first modules)]
TEACHING = {
    "orlova": [("CQ-MECH-{year}@2025", 2), ("XJ-MECH-{year}@2026", 2)],
    "sokolov": [("CQ-SOFT-{year}@2026", 3)],
}


def seed_members(institutions: dict[str, Institution], cohort_codes: dict[str, str], *, by) -> tuple[dict, set]:
    """Create the members that are missing and their teaching assignments (through the service, audited as
    ``by``). ``cohort_codes``: cohort key → the dated cohort's code. Returns (users by name, names created)."""
    user_model = get_user_model()
    users, created = {}, set()
    for username, (role, full_name, email, place, _sees) in MEMBER_USERS.items():
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(
                username, password=MEMBER_PASSWORDS[username], email=email, first_name=full_name
            )
            created.add(username)
        if not Membership.objects.filter(user=user).exists():
            Membership.objects.create(
                user=user, role=role, full_name=full_name, institution=institutions[place] if place else None
            )
        users[username] = user
    for username, places in TEACHING.items():
        for key, count in places:
            cohort = Cohort.objects.get(code=cohort_codes[key])
            for module in Module.objects.filter(track_id=cohort.track_id).order_by("order", "code")[:count]:
                teaching_assign(teacher_membership_user=users[username], cohort=cohort, module=module, by=by)
    return users, created


def member_note(username: str, user) -> str:
    """What the member sees, for the printed logins."""
    role, full_name, _email, place, sees = MEMBER_USERS[username]
    if role == R.TEACHER:
        taught = ", ".join(
            f"{a.cohort.code} {a.module.code}"
            for a in user.teaching_assignments.select_related("cohort", "module").order_by(
                "cohort__code", "module__code"
            )
        )
        return f"{full_name}, teacher's workspace /teaching/: {taught}"
    area = "/facilitator/" if role == R.FACILITATOR else "/partner/"
    return f"{full_name}, {sees} {area}"
