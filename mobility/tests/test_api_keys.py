"""Partners' API keys: the services, the ``create_api_key`` command and the staff pages."""

import datetime
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from mobility import services
from mobility.foundation.access import OFFICE
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry, PartnerAPIKey
from mobility.tests.support import make_user
from programs.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db

NEXT_YEAR = timezone.localdate() + datetime.timedelta(days=365)


def _create(college, **overrides):
    kwargs = {"institution": college, "name": "SIS", "scopes": ["read"], "expires_at": None, "by": None}
    return services.api_key_create(**(kwargs | overrides))


def _audit_text() -> str:
    return json.dumps(list(AuditEntry.objects.values("object_id", "object_repr", "changes", "reason")))


# --- services ----------------------------------------------------------------------------------------------------


def test_create_stores_only_the_hash_and_audits_the_prefix(college, office_admin):
    expires = services.api_key_expiry(NEXT_YEAR)
    api_key, raw_key = _create(college, scopes=["write", "read", "read"], expires_at=expires, by=office_admin)
    stored = PartnerAPIKey.objects.get(pk=api_key.pk)
    assert raw_key.startswith(f"{stored.prefix}.") and raw_key not in stored.hashed_key
    assert PartnerAPIKey.objects.get_from_key(raw_key) == stored
    assert stored.scopes == ["read", "write"]  # canonical order, no duplicates
    assert (stored.institution, stored.created_by, stored.expiry_date) == (college, office_admin, expires)
    assert timezone.localtime(stored.expiry_date).date() == NEXT_YEAR  # valid all of its last day
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.actor, entry.target) == ("api_key.create", office_admin, college)
    assert entry.changes["api_key"] == [None, stored.prefix] and entry.changes["scopes"] == [None, "read,write"]
    secret = raw_key.partition(".")[2]
    assert secret not in _audit_text() and stored.hashed_key not in _audit_text()


@pytest.mark.parametrize(
    ("overrides", "code", "field"),
    [
        ({"name": "  "}, "no_name", "name"),
        ({"name": "x" * 51}, "name_too_long", "name"),
        ({"scopes": []}, "no_scope", "scopes"),
        ({"scopes": ["read", "admin"]}, "unknown_scope", "scopes"),
        ({"expires_at": timezone.now() - datetime.timedelta(minutes=1)}, "expired", "expires_at"),
    ],
)
def test_create_refuses_invalid_input_and_writes_nothing(college, overrides, code, field):
    with pytest.raises(DomainError) as refused:
        _create(college, **overrides)
    assert (refused.value.code, refused.value.field) == (code, field)
    assert not PartnerAPIKey.objects.exists() and not AuditEntry.objects.exists()


def test_create_refuses_an_inactive_institution():
    with pytest.raises(DomainError, match="inactive"):
        _create(InstitutionFactory(is_active=False))


def test_revoke_is_audited_once_and_cannot_be_undone(college, office_admin):
    api_key, raw_key = _create(college)
    services.api_key_revoke(api_key=api_key, by=office_admin, reason="Laptop stolen")
    services.api_key_revoke(api_key=api_key, by=office_admin)  # again: nothing more
    assert api_key.revoked and not PartnerAPIKey.objects.is_valid(raw_key)
    revokes = [(e.changes, e.reason, e.target) for e in AuditEntry.objects.filter(action="api_key.revoke")]
    assert revokes == [({"revoked": [False, True]}, "Laptop stolen", college)]
    stored = PartnerAPIKey.objects.get(pk=api_key.pk)
    stored.revoked = False
    with pytest.raises(Exception, match="cannot be undone|revoked"):
        stored.save()


# --- the command -------------------------------------------------------------------------------------------------


def test_command_prints_the_key_once_on_stdout(college):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "create_api_key", "cqevtc", "--scopes", "read,write", "--name", "SIS", "--expires", f"{NEXT_YEAR}",
        stdout=out, stderr=err,
    )  # fmt: skip
    raw_key = out.getvalue().strip()
    api_key = PartnerAPIKey.objects.get_from_key(raw_key)
    assert (api_key.institution, api_key.name, api_key.scopes) == (college, "SIS", ["read", "write"])
    assert timezone.localtime(api_key.expiry_date).date() == NEXT_YEAR
    assert raw_key not in err.getvalue() and api_key.prefix in err.getvalue()


def test_command_names_a_default_and_needs_no_expiry(college):
    out = io.StringIO()
    call_command("create_api_key", "CQEVTC", "--scopes", "read", stdout=out, stderr=io.StringIO())
    api_key = PartnerAPIKey.objects.get_from_key(out.getvalue().strip())
    assert api_key.name.startswith("CQEVTC API key") and api_key.expiry_date is None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["NOPE", "--scopes", "read"], "no institution with the code 'NOPE'"),
        (["CQEVTC", "--scopes", "read,admin"], "Unknown scope(s): admin"),
        (["CQEVTC", "--scopes", ","], "at least one scope"),
        (["CQEVTC", "--scopes", "read", "--expires", "31.12.2030"], "not a date"),
        (["CQEVTC", "--scopes", "read", "--expires", "2001-01-01"], "in the future"),
        (["CQEVTC", "--scopes", "read", "--by", "ghost"], "no user 'ghost'"),
    ],
)
def test_command_explains_what_it_refuses(college, args, message):
    with pytest.raises(CommandError) as refused:
        call_command("create_api_key", *args, stdout=io.StringIO(), stderr=io.StringIO())
    assert message in str(refused.value)
    assert not PartnerAPIKey.objects.exists()


# --- the staff pages ---------------------------------------------------------------------------------------------


def test_list_shows_prefix_scopes_expiry_last_use_and_status(client, college, office_admin):
    active, _ = _create(college, name="Production", scopes=["read", "write"])
    active.last_used_at = timezone.make_aware(datetime.datetime(2026, 5, 4, 10, 30))
    active.save()
    revoked, _ = _create(college, name="Old")
    services.api_key_revoke(api_key=revoked, by=None)
    client.force_login(office_admin)
    page = client.get("/api-keys/")
    assert page.status_code == 200
    html = page.content.decode()
    for text in (active.prefix, revoked.prefix, "Production", "write", "2026-05-04 10:30", "revoked", "active"):
        assert text in html
    only_revoked = client.get("/api-keys/", {"status": "revoked"}).content.decode()
    assert revoked.prefix in only_revoked and active.prefix not in only_revoked


def test_list_reads_in_a_fixed_number_of_queries(client, college, office_admin, django_assert_max_num_queries):
    client.force_login(office_admin)
    client.get("/api-keys/")
    for n in range(20):
        _create(college, name=f"SIS {n}", by=office_admin)
    with django_assert_max_num_queries(8):
        assert client.get("/api-keys/").status_code == 200


def test_new_key_is_shown_once_and_never_again(client, college, office_admin):
    client.force_login(office_admin)
    form = client.get("/api-keys/new/", {"institution": college.pk})
    assert form.status_code == 200 and form.context["form"].initial["institution"] == str(college.pk)
    response = client.post(
        "/api-keys/new/",
        {"institution": college.pk, "name": "Chongqing SIS", "scopes": ["read", "write"], "expires_on": NEXT_YEAR},
    )
    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    raw_key = response.context["raw_key"]
    assert raw_key in response.content.decode()
    api_key = PartnerAPIKey.objects.get_from_key(raw_key)
    assert (api_key.name, api_key.scopes, api_key.created_by) == ("Chongqing SIS", ["read", "write"], office_admin)
    secret = raw_key.partition(".")[2]
    for url in ("/api-keys/", f"/api-keys/?institution={college.pk}", f"/api-keys/{api_key.prefix}/revoke/"):
        assert secret not in client.get(url).content.decode()
    assert secret not in _audit_text()


def test_new_key_form_shows_refusals_next_to_the_fields(client, college, office_admin):
    client.force_login(office_admin)
    response = client.post("/api-keys/new/", {"institution": college.pk, "name": "SIS", "expires_on": "2001-01-01"})
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"scopes"}
    response = client.post(
        "/api-keys/new/", {"institution": college.pk, "name": "SIS", "scopes": ["read"], "expires_on": "2001-01-01"}
    )
    assert response.context["form"].errors == {"expires_on": ["The expiry date must be in the future."]}
    assert not PartnerAPIKey.objects.exists()


def test_revoke_asks_then_revokes_with_an_audit_entry(client, college, office_admin):
    api_key, raw_key = _create(college)
    client.force_login(office_admin)
    assert "Revoke the key" in client.get(f"/api-keys/{api_key.prefix}/revoke/").content.decode()
    response = client.post(f"/api-keys/{api_key.prefix}/revoke/", {"reason": "Replaced"})
    assert response.status_code == 302 and response["Location"] == f"/api-keys/?institution={college.pk}"
    assert not PartnerAPIKey.objects.is_valid(raw_key)
    entry = AuditEntry.objects.get(action="api_key.revoke")
    assert (entry.actor, entry.reason) == (office_admin, "Replaced")
    assert client.get("/api-keys/unknown/revoke/").status_code == 404


def test_office_clerks_see_no_menu_entry_and_are_refused(client, college):
    api_key, _ = _create(college)
    clerk = make_user("clerk", OFFICE)
    client.force_login(clerk)
    assert "API keys" not in [str(item["label"]) for item in client.get("/").context["staff_navigation"]]
    for url in ("/api-keys/", "/api-keys/new/", f"/api-keys/{api_key.prefix}/revoke/"):
        assert client.get(url).status_code == 403
    assert client.post(f"/api-keys/{api_key.prefix}/revoke/").status_code == 403
    assert not PartnerAPIKey.objects.get(pk=api_key.pk).revoked


def test_people_outside_the_office_are_refused(client, college):
    api_key, _ = _create(college)
    client.force_login(make_user("student"))
    response = client.post("/api-keys/new/", {"institution": college.pk, "name": "Mine", "scopes": ["write"]})
    assert response.status_code == 403
    assert client.post(f"/api-keys/{api_key.prefix}/revoke/").status_code == 403
    assert PartnerAPIKey.objects.count() == 1 and not PartnerAPIKey.objects.get().revoked


def test_office_admins_have_the_menu_entry(client, office_admin):
    client.force_login(office_admin)
    assert "API keys" in [str(item["label"]) for item in client.get("/").context["staff_navigation"]]
