"""The access matrix of the pages: every URL the resolver answers (the admin and the API aside: the API's matrix is
``test_access_matrix_api.py``) × every role of the partnership (``partnership.ROLES``), on one world built once for
the module (``matrix.build_world``: colleges A and B, each with an object of every kind a URL names).

Checked for each page and role:
- the status of a GET on A's objects, and, for a page that takes an id, on B's (another tenant's id answers 404 to a
  role limited to A);
- a POST: refused (403, 405, or the login page for anonymous visitors) for a role that may not write, and then
  nothing changed in the database; reaching the view for one that may (whatever the view answers: a form, a
  redirect, 405 for a page that takes no POST); a POST on another tenant's object refused and changing nothing;
- on every page answered 200: the names of the students the role may not see, and the passport numbers, are absent
  (a student sees their own passport number, office-admin every one).

How to add a row: every URL name must be a key of ``PAGES`` (``test_every_page_has_a_row`` fails listing the ones
that are not, and the rows naming no URL). A row is a rule, most often one of the named ones below:
    "partner:students": PARTNER,
    "partner:student": PARTNER.but(own_a=("coordinator-a", "observer-a"), own_b=("coordinator-b",)),
    "teaching:assignment": TEACHER.but(own_a=("teacher-m",), own_b=("teacher-n",)),
    "people:list": STAFF_ADMIN,
``but(**changes)`` changes roles' expectations: ``own_a=roles`` (200 on A's object, 404 on B's), ``own_b=roles``
(the reverse), ``roles={role: expected}`` for anything else, ``ok=`` the admitted roles' status (405 for a page that
only takes a POST), ``post=roles`` who may POST, ``ids={"pk": kind}`` when the segment before an id does not name
its kind (``matrix.SEGMENTS``). An expected value is a status, ``LOGIN`` (302 to the login page), ``HOME`` (302 to the
role's first page, ``home_url_name``), or a pair ``(on A's object, on B's object)``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from mobility.foundation.views import home_url_name
from mobility.tests.matrix import ROLES, STUDENT_NAMES, build_url, module_world, resolver_routes

pytestmark = pytest.mark.django_db

LOGIN, HOME = "login", "home"
OFFICE = ("office", "office-admin")
PARTNERS = ("coordinator-a", "observer-a", "coordinator-b")
MEMBERS = (*PARTNERS, "facilitator", "teacher-m", "teacher-n")
STUDENTS = ("student", "other-student")
LOGGED_IN = tuple(role for role in ROLES if role != "anonymous")
OWN_A, OWN_B = (200, 404), (404, 200)


@dataclass(frozen=True)
class Rule:
    """Per role, the expected GET (``expect``) and whether a POST reaches the view on A's and on B's object
    (``post``: role → (on A's, on B's)); ``ids`` names the kind of an id parameter the segment before it does not
    name; ``shows_names``: the page shows a student's name to whoever opens it (the public verification page)."""

    expect: dict = field(default_factory=dict)
    post: dict = field(default_factory=dict)
    ids: dict = field(default_factory=dict)
    shows_names: bool = False

    def but(self, *, ok=None, own_a=(), own_b=(), roles=None, post=None, ids=None, **changes) -> Rule:
        expect = dict(self.expect)
        if ok is not None:
            expect.update({role: ok for role, value in self.expect.items() if value == 200})
        expect.update(dict.fromkeys(own_a, OWN_A))
        expect.update(dict.fromkeys(own_b, OWN_B))
        expect.update(roles or {})
        if post is None:
            posts = dict(self.post)
        else:
            posts = dict(post) if isinstance(post, dict) else dict.fromkeys(post, (True, True))
        posts.update({role: (True, False) for role in own_a if role in posts})
        posts.update({role: (False, True) for role in own_b if role in posts})
        # Who is refused a GET is refused a POST.
        posts = {role: sides for role, sides in posts.items() if expect[role] not in (403, 404, LOGIN, HOME)}
        return replace(self, expect=expect, post=posts, ids={**self.ids, **(ids or {})}, **changes)


def rule(admitted, *, others=HOME, post=None, **kwargs) -> Rule:
    """``admitted`` roles get 200; other logged-in roles ``others`` (sent to their first page by default);
    anonymous visitors the login page. ``post``: who may POST (the admitted roles by default)."""
    expect = {role: 200 if role in admitted else others for role in LOGGED_IN}
    expect["anonymous"] = 200 if "anonymous" in admitted else LOGIN
    posts = dict.fromkeys(admitted if post is None else post, (True, True))
    return Rule(expect, posts).but(**kwargs)


PUBLIC = rule(ROLES)
OWN_ACCOUNT = rule(LOGGED_IN)
STAFF = rule(OFFICE)  # StaffRequiredMixin: the partnership's people and students are sent to their first page
STAFF_ADMIN = STAFF.but(roles={"office": 403})  # a permission office-admin has (permission_required)
# The student portal (students/portal/): office staff and the partnership's people are sent to their first page.
STUDENT = rule(STUDENTS)
PARTNER = rule(PARTNERS, post=("coordinator-a", "coordinator-b"))  # observers read
FACILITATOR = rule(("facilitator",))
TEACHER = rule(("teacher-m", "teacher-n"))
# A document's file: the office, the college's people and the student whose it is; not the facilitator or teachers.
OWN_DOCUMENT = STAFF.but(
    own_a=("coordinator-a", "observer-a", "student"),
    own_b=("coordinator-b", "other-student"),
    roles=dict.fromkeys(("facilitator", "teacher-m", "teacher-n"), 404),
    post=(),
)

PAGES: dict[str, Rule] = {
    "healthz": PUBLIC,
    "favicon": PUBLIC.but(ok=301),
    "login": PUBLIC,
    "logout": PUBLIC.but(ok=405),  # POST only
    "set_language": PUBLIC.but(ok=302),
    "password_change_done": OWN_ACCOUNT,
    "password_reset_done": PUBLIC,
    "password_reset_complete": PUBLIC,
    "accounts:invitation-accept": PUBLIC,
    "member-invitation-accept": PUBLIC,
    # Two-factor sign-in (mobility/foundation/two_factor/): the code step of a sign-in, each person's own set-up,
    # the office-admin's policy and resets.
    "login-code": PUBLIC.but(ok=302),  # no sign-in waiting for its code: back to the login (or one's page)
    "two-factor": OWN_ACCOUNT,
    "two-factor-setup": OWN_ACCOUNT,
    "two-factor-recovery-codes": OWN_ACCOUNT,
    "two-factor-remove": OWN_ACCOUNT,
    "two-factor-policy": STAFF_ADMIN,
    "two-factor-reset": STAFF_ADMIN.but(ids={"user_id": "user"}),
    "accounts:password_reset": PUBLIC,
    "accounts:password_reset_confirm": PUBLIC,
    "accounts:password_change": OWN_ACCOUNT,
    "accounts:student-invite": STAFF.but(ok=405),
    "accounts:cohort-invite": STAFF,
    # The public verification page: without the holder's consent (none in the world) initials only, so the names are
    # checked absent as on any page; the name check is a POST (a GET goes back to the page).
    "diplomas:verify": PUBLIC,
    "diplomas:verify-name": PUBLIC.but(ok=302),
    "diplomas:verify-transcript": PUBLIC,  # a transcript's page (and its JSON): the same rule
    # A printed diploma's number and code: the form, public; its answers in diplomas/tests/test_verify_paper.py.
    "diplomas:verify-paper": PUBLIC,
    # The credentials' issuer (diplomas/credentials): its DID document and the revocation lists name no one.
    "credentials:did-document": PUBLIC,
    "credentials:did-document-path": PUBLIC,
    "credentials:status-list": PUBLIC,
    # The partnership's people's first pages (skeletons: what they list is the selectors' business).
    "partner:home": PARTNER,
    "facilitator:home": FACILITATOR,
    "teaching:home": TEACHER,
    # The partner portal (mobility/partner_portal/): a college's coordinators and observers, each their own rows.
    "partner:agreements": PARTNER,
    "partner:cohorts": PARTNER,
    "partner:applications": PARTNER,
    "partner:students": PARTNER,
    "partner:student": PARTNER.but(own_a=("coordinator-a", "observer-a"), own_b=("coordinator-b",)),
    "partner:diploma-pdf": PARTNER.but(own_a=("coordinator-a", "observer-a"), own_b=("coordinator-b",)),
    "partner:diploma-credential": PARTNER.but(own_a=("coordinator-a", "observer-a"), own_b=("coordinator-b",)),
    "partner:transcript-pdf": PARTNER.but(own_a=("coordinator-a", "observer-a"), own_b=("coordinator-b",)),
    # Nominating and importing: coordinators only (observers are refused the pages too).
    "partner:nominate": PARTNER.but(roles={"observer-a": 403}),
    "partner:transliterate": PARTNER.but(roles={"observer-a": 403}),
    "partner:roster-import": PARTNER.but(roles={"observer-a": 403}),
    "partner:roster-template": PARTNER.but(roles={"observer-a": 403}),
    "partner:roster-preview": PARTNER.but(ok=404, roles={"observer-a": 403}),  # no such upload token
    # The college's own API keys, webhooks and threads with the office (keys.py, threads.py): observers read.
    "partner:api-keys": PARTNER,
    "partner:api-key-create": PARTNER.but(roles={"observer-a": 403}),
    "partner:api-key-revoke": PARTNER.but(
        own_a=("coordinator-a",), own_b=("coordinator-b",), roles={"observer-a": 403}
    ),
    "partner:webhooks": PARTNER,
    "partner:webhook-create": PARTNER.but(roles={"observer-a": 403}),
    # POST only: each coordinator toggles their own college's endpoint.
    "partner:webhook-toggle": PARTNER.but(
        ok=405, post={"coordinator-a": (True, False), "coordinator-b": (False, True)}
    ),
    "partner:threads": PARTNER,
    "partner:thread-general": PARTNER,
    "partner:thread-student": PARTNER.but(
        own_a=("coordinator-a", "observer-a"), own_b=("coordinator-b",), ids={"student_pk": "student"}
    ),
    # The facilitator's cohort page: the cohorts under agreements it facilitates (A's).
    "facilitator:cohort": FACILITATOR.but(roles={"facilitator": OWN_A}),
    # The teacher's workspace: teacher M's assignment is A's object, teacher N's B's.
    "teaching:history": TEACHER,
    "teaching:grid": TEACHER.but(own_a=("teacher-m",), own_b=("teacher-n",)),
    "teaching:gradebook": TEACHER.but(own_a=("teacher-m",), own_b=("teacher-n",)),
    # No such upload: the assignment's own teacher is sent back to the upload page, the other gets 404.
    "teaching:gradebook-preview": TEACHER.but(
        own_a=("teacher-m",), own_b=("teacher-n",), roles={"teacher-m": (302, 404), "teacher-n": (404, 302)}
    ),
    # The student portal.
    "portal:home": STUDENT,
    "portal:my-data": STUDENT,
    "portal:messages": STUDENT,
    "portal:enrollment": STUDENT.but(own_a=("student",), own_b=("other-student",)),
    "portal:message": STUDENT.but(own_a=("student",), own_b=("other-student",), ids={"pk": "message-copy"}),
    # The student's own consents (no id: each reads only the viewer's); the screen sends one with nothing to answer
    # on to the portal's first page.
    "portal:consent": STUDENT.but(ok=302),
    "portal:my-consents": STUDENT,
    "portal:consent-purpose": STUDENT,
    # A diploma's PDF, its verifiable credential (the JSON the PDF embeds) and a transcript's PDF.
    "diplomas:diploma-pdf": OWN_DOCUMENT,
    "diplomas:diploma-credential": OWN_DOCUMENT,
    "diplomas:transcript-pdf": OWN_DOCUMENT,
    # The office's pages.
    "dashboard": STAFF,
    "audit-log": STAFF_ADMIN,
    "audit-export": STAFF_ADMIN,
    "transfer-register": STAFF_ADMIN,  # students.view_sensitive: whose data went abroad
    "transfer-export": STAFF_ADMIN,
    "api_keys:list": STAFF_ADMIN,
    "api_keys:create": STAFF_ADMIN,
    "api_keys:revoke": STAFF_ADMIN,
    "personal_data:export-json": STAFF_ADMIN,
    "personal_data:export-html": STAFF_ADMIN,
    "personal_data:erase": STAFF_ADMIN,
    "retention": STAFF_ADMIN,  # a dry run: GET only (a POST is 405)
    # The consent texts (students/consent/views.py): office-admin's alone; the world's objects are two drafts.
    "consents:text-list": STAFF_ADMIN,
    "consents:text-draft": STAFF_ADMIN.but(ok=405),  # POST only: "New version"
    "consents:text-detail": STAFF_ADMIN,
    "consents:text-preview": STAFF_ADMIN,
    "consents:text-publish": STAFF_ADMIN,
    # Designs and signatories (diplomas/designs/): office-admin's; two drafts (preview, sample PDF write nothing).
    **{f"designs:{n}": STAFF_ADMIN for n in ("design-list", "design-detail", "design-preview", "design-sample-pdf")},
    **{f"designs:{n}": STAFF_ADMIN for n in ("design-publish", "signatory-list", "signatory-create", "signatory-edit")},
    "designs:design-draft": STAFF_ADMIN.but(ok=405),  # POST only: "New version"
    "programs:contact-delete": STAFF_ADMIN,
    "webhooks:create": STAFF_ADMIN,
    "webhooks:toggle": STAFF_ADMIN.but(ok=405),
    "webhooks:list": STAFF,
    "webhooks:replay": STAFF.but(ok=405),
    "notifications:list": STAFF,
    "notifications:settings": STAFF,
    "notifications:read-all": STAFF.but(ok=405),
    # POST only; A's notification is the office's, B's office-admin's: each opens only their own.
    "notifications:open": STAFF.but(ok=405, post={"office": (True, False), "office-admin": (False, True)}),
    "notifications:read": STAFF.but(ok=405, post={"office": (True, False), "office-admin": (False, True)}),
    "reports:report": STAFF,
    "reports:report-export": STAFF,
    "reports:enrollment-list": STAFF,
    "diplomas:register": STAFF,
    "diplomas:export": STAFF,
    "diplomas:archive-download": STAFF,
    "diplomas:diploma-retry": STAFF.but(ok=405),
    "diplomas:diploma-revoke": STAFF,
    "diplomas:diploma-reissue": STAFF,
    "diplomas:enrollment-diploma-request": STAFF.but(ok=405),
    "diplomas:enrollment-certificate": STAFF.but(ok=405),
    "diplomas:enrollment-transcript": STAFF.but(ok=405),  # POST only: each one numbered, rendered and signed
    "diplomas:cohort-request": STAFF.but(ok=405),
    "diplomas:cohort-archive": STAFF.but(ok=405),
    "diplomas:cohort-progress": STAFF.but(ok=286),  # htmx: "stop polling", nothing is being rendered
    "diplomas:cohort-archive-progress": STAFF.but(ok=286),  # the ZIP is ready: "stop polling"
    "diplomas:cohort-papers": STAFF,
    "diplomas:cohort-roster": STAFF,
    "diplomas:cohort-grade-sheet": STAFF,
    "programs:institution-list": STAFF,
    "programs:institution-create": STAFF,
    "programs:institution-detail": STAFF,
    "programs:institution-update": STAFF,
    "programs:contact-create": STAFF,
    "programs:contact-update": STAFF,
    "programs:agreement-list": STAFF,
    "programs:agreement-create": STAFF,
    "programs:agreement-detail": STAFF,
    "programs:agreement-update": STAFF,
    # A download for the office only; anyone else logged in learns nothing (404, as for an agreement without a file).
    "programs:agreement-document": STAFF.but(roles=dict.fromkeys((*MEMBERS, *STUDENTS), 404)),
    "programs:track-list": STAFF,
    "programs:track-create": STAFF,
    "programs:track-detail": STAFF,
    "programs:track-update": STAFF,
    "programs:module-create": STAFF,
    "programs:module-update": STAFF,
    "programs:cohort-list": STAFF,
    "programs:cohort-create": STAFF,
    "programs:cohort-detail-moved": STAFF.but(ok=301),
    "programs:cohort-update": STAFF,
    "students:student-list": STAFF,
    "students:student-create": STAFF,
    "students:transliterate": STAFF,
    "students:student-export": STAFF,
    "students:enrollment-bulk": STAFF.but(ok=405),
    "students:message-list": STAFF,
    "students:message-create": STAFF,
    "students:message-detail": STAFF,
    "students:saved-filters": STAFF,
    "students:saved-filter-delete": STAFF.but(ok=405),
    "students:student-messages": STAFF,
    "students:student-detail": STAFF,
    "students:student-update": STAFF,
    "students:enrollment-apply": STAFF,
    "students:student-corrections": STAFF,
    "students:enrollment-transition": STAFF,
    "students:enrollment-results": STAFF,
    "students:cohort-detail": STAFF,
    "students:cohort-results": STAFF,
    "students:cohort-complete": STAFF.but(ok=405),
    "students:continuation-create": STAFF,
    "students:continuation-report": STAFF,
    "students:continuation-decide": STAFF,
    "students:gradebook-import": STAFF,
    "students:gradebook-mapping": STAFF.but(ok=302),  # no such upload: back to the import page
    "students:gradebook-preview": STAFF.but(ok=302),
    "students:roster-import": STAFF,
    "students:thread-list": STAFF,
    # The partnership's people, run by the office (mobility/people_views.py).
    "people:member-list": STAFF,
    "people:member-invite": STAFF,
    "people:member-detail": STAFF,
    "people:member-edit": STAFF,
    "people:member-deactivate": STAFF.but(ok=405),
    "people:member-reactivate": STAFF.but(ok=405),
    "people:member-reinvite": STAFF.but(ok=405),
    "people:teaching-assign": STAFF.but(ok=405),  # the form is on the person's page
    "people:teaching-unassign": STAFF.but(ok=405),
    "students:thread-detail": STAFF,
    "students:roster-template": STAFF,
    "students:roster-preview": STAFF.but(ok=404),  # no such upload token
}

ROUTES = {qualified: route for route, qualified, _name in resolver_routes()}


def test_every_page_has_a_row():
    missing = sorted(set(ROUTES) - set(PAGES))
    assert missing == [], f"add a row to PAGES for each of these URL names: {missing}"
    assert sorted(set(PAGES) - set(ROUTES)) == [], "a row names a URL that no longer exists"
    assert {"portal:home", "partner:home", "facilitator:home", "teaching:home", "students:student-detail"} <= set(
        ROUTES
    )


def test_every_rule_names_every_role():
    for name, page in PAGES.items():
        assert set(page.expect) == set(ROLES), name


# --- the world, once for the module --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    with module_world(django_db_blocker, tmp_path_factory.mktemp("media")) as built:
        yield built


@pytest.fixture(scope="module")
def sessions(world, django_db_blocker):
    """A session of each role, logged in once for the module (a login per test would be most of its time)."""
    with django_db_blocker.unblock():
        found = {}
        for role in LOGGED_IN:
            client = Client()
            client.force_login(world[0].user(role))
            found[role] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return found


def _client(sessions, role: str) -> Client:
    client = Client()
    if role in sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = sessions[role]
    return client


@pytest.fixture(autouse=True)
def _private_media(settings, world):
    """The root conftest's per-test media folder would hide the world's files (diplomas, agreements): the world's
    (``module_world`` sets it). The verification page's rate limit counts in the cache: emptied for each test."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()


def _snapshot(world) -> tuple:
    """What a refused write must leave as it was: row counts of what pages write, the audit log, and A's and B's
    student, enrollment and diploma rows."""
    from diplomas.models import Diploma
    from mobility.foundation.models import AuditEntry
    from students.models import Enrollment, ModuleResult, Student

    _world, objects, _ids = world

    def rows(model, kind):
        return list(model.objects.filter(pk__in=[o.pk for o in objects[kind]]).order_by("pk").values())

    return (
        AuditEntry.objects.count(),
        Student.objects.count(),
        Enrollment.objects.count(),
        ModuleResult.objects.count(),
        rows(Student, "student"),
        rows(Enrollment, "enrollment"),
        rows(Diploma, "diploma"),
    )


# Whose students' names each role may not see anywhere; passport numbers shown only to office-admin and the student
# themselves.
HIDDEN_STUDENTS = {
    "office": (),
    "office-admin": (),
    "coordinator-a": ("b",),
    "observer-a": ("b",),
    "coordinator-b": ("a",),
    "facilitator": ("b",),  # facilitates A's agreement only
    "teacher-m": ("b",),  # both teachers teach A's cohort
    "teacher-n": ("b",),
    "student": ("b",),
    "other-student": ("a",),
    "anonymous": ("a", "b"),
}
OWN_PASSPORT = {"office-admin": ("a", "b"), "student": ("a",), "other-student": ("b",)}


def _assert_shows_nothing_hidden(response, role: str, url: str):
    page = response.content.decode(errors="ignore")
    for key in HIDDEN_STUDENTS[role]:
        names = STUDENT_NAMES[key]
        for name in (names["family_name_latin"], names["family_name_cyrillic"]):
            assert name not in page, f"{role} sees {name} on {url}"
    for key in ("a", "b"):
        if key not in OWN_PASSPORT.get(role, ()):
            assert STUDENT_NAMES[key]["passport_number"] not in page, f"{role} sees a passport number on {url}"


def _check(response, expected, user, url: str, role: str):
    if expected == LOGIN:
        assert response.status_code == 302 and response["Location"] == f"{reverse('login')}?next={url}", (url, role)
    elif expected == HOME:
        assert response.status_code == 302, (url, role, response.status_code)
        assert response["Location"] == reverse(home_url_name(user)), (url, role)
    else:
        assert response.status_code == expected, (url, role, response.status_code)


def _refused(response, user) -> bool:
    """403, 404, 405, or sent away: to the login page, or to one's own first page (the portal's rule for staff)."""
    if response.status_code in (403, 404, 405):
        return True
    home = home_url_name(user) if user is not None else None
    return response.status_code == 302 and (
        response["Location"].startswith(f"{reverse('login')}?next=")
        or (home is not None and response["Location"] == reverse(home))
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("name", sorted(ROUTES))
def test_page(world, sessions, name, role):
    """GET (A's objects, and B's for a page that takes an id), POST, and what a 200 shows, for one page and role."""
    page = PAGES.get(name)
    if page is None:
        pytest.skip("no row: test_every_page_has_a_row fails")
    partnership, _objects, ids = world
    user = partnership.user(role)
    client = _client(sessions, role)
    route = ROUTES[name]
    urls = [build_url(route, ids, ids=page.ids)]
    other = build_url(route, ids, ids=page.ids, other=True)
    if other != urls[0]:  # an id of an object of A's in the URL: B's too
        urls.append(other)
    expected = page.expect[role]
    expected = expected if isinstance(expected, tuple) else (expected, expected)
    may_post = page.post.get(role, (False, False))

    for url, expect in zip(urls, expected, strict=False):
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="en")
        _check(response, expect, user, url, role)
        if response.status_code == 200 and not response.streaming:
            _assert_shows_nothing_hidden(response, "office" if page.shows_names else role, url)

    for url, allowed in zip(urls, may_post, strict=False):
        before = None if allowed else _snapshot(world)
        response = client.post(url)
        assert response.status_code < 500, (url, role)
        if allowed:  # reaches the view: whatever it answers to an empty form, it is not a refusal
            assert response.status_code not in (401, 403), (url, role, response.status_code)
            assert not response.get("Location", "").startswith(f"{reverse('login')}?"), (url, role)
        else:
            assert _refused(response, user), (url, role, response.status_code)
            assert _snapshot(world) == before, f"a refused POST of {role} to {url} changed something"


def test_the_checks_would_see_a_hidden_name_and_a_passport(world, client):
    """The absence checks above are not vacuous: office-admin's student page shows A's name and passport number,
    and the student's own data page theirs."""
    partnership, objects, _ids = world
    client.force_login(partnership.user("office-admin"))
    page = client.get(reverse("students:student-detail", args=[objects["student"][0].pk])).content.decode()
    assert STUDENT_NAMES["a"]["family_name_latin"] in page and STUDENT_NAMES["a"]["passport_number"] in page
    client.force_login(partnership.user("student"))
    page = client.get(reverse("portal:my-data")).content.decode()
    assert STUDENT_NAMES["a"]["family_name_latin"] in page and STUDENT_NAMES["a"]["passport_number"] in page
    with pytest.raises(AssertionError):
        _assert_shows_nothing_hidden(type("R", (), {"content": page.encode()})(), "office", "/portal/my-data/")
