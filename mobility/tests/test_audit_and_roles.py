import datetime

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from mobility.foundation.access import OFFICE, OFFICE_ADMIN, can_view_sensitive, roles_sync
from mobility.foundation.audit import audit_record
from mobility.foundation.models import AuditEntry, PartnerAPIKey
from programs.models import Agreement
from programs.services import agreements_expire_due
from programs.tasks import agreements_expire
from programs.tests.factories import AgreementFactory, InstitutionFactory

pytestmark = pytest.mark.django_db


def test_audit_entry_records_actor_object_action_and_old_new_values():
    user = get_user_model().objects.create_user("kutin")
    agreement = AgreementFactory(number="AGR-7")
    entry = audit_record(
        actor=user,
        obj=agreement,
        action="agreement.change",
        changes={
            "valid_until": (datetime.date(2026, 1, 1), datetime.date(2027, 1, 1)),
            "partner": (None, agreement.partner),
        },
        reason="Prolonged",
    )
    entry.refresh_from_db()
    assert entry.actor == user and entry.actor_label == "kutin"
    assert entry.target == agreement and entry.object_repr.startswith("AGR-7")
    assert entry.changes == {"valid_until": ["2026-01-01", "2027-01-01"], "partner": [None, agreement.partner.pk]}
    assert entry.reason == "Prolonged"


def test_audit_actor_may_be_an_api_key_or_the_system():
    institution = InstitutionFactory(code="CQEVTC")
    key, _ = PartnerAPIKey.objects.create_key(name="SIS", institution=institution, scopes=["read"])
    by_key = audit_record(actor=key, obj=institution, action="test")
    by_system = audit_record(actor=None, obj=institution, action="test")
    assert (by_key.actor, by_key.actor_label) == (None, "api-key:CQEVTC:SIS")
    assert (by_system.actor, by_system.actor_label) == (None, "system")


def test_staff_groups_exist_after_migrate_and_only_office_admin_sees_sensitive_data():
    office, office_admin = Group.objects.get(name=OFFICE), Group.objects.get(name=OFFICE_ADMIN)
    User = get_user_model()
    clerk, head = User.objects.create_user("clerk"), User.objects.create_user("head")
    clerk.groups.add(office)
    head.groups.add(office_admin)
    assert clerk.has_perm("students.change_enrollment") and not clerk.has_perm("students.delete_student")
    assert not can_view_sensitive(clerk)
    assert can_view_sensitive(User.objects.get(pk=head.pk))
    assert not can_view_sensitive(None)


def test_permissions_are_read_in_one_query_and_equal_django_s():
    """PermissionsBackend: a user's own permissions and their groups' in one query, the same set ModelBackend reads
    in two; a second question costs nothing; inactive users have none."""
    user = get_user_model().objects.create_user("clerk2")
    user.groups.add(Group.objects.get(name=OFFICE))
    user.user_permissions.add(Permission.objects.get(codename="view_partnerapikey"))
    expected = ModelBackend().get_all_permissions(get_user_model().objects.get(pk=user.pk))
    assert "mobility.view_partnerapikey" in expected and "students.change_enrollment" in expected

    user = get_user_model().objects.get(pk=user.pk)
    with CaptureQueriesContext(connection) as captured:
        assert user.get_all_permissions() == expected
        assert user.has_perm("students.change_enrollment") and not user.has_perm("students.view_sensitive")
    assert len(captured.captured_queries) == 1

    user.is_active = False
    user.save()
    assert get_user_model().objects.get(pk=user.pk).get_all_permissions() == set()


def test_roles_sync_is_idempotent_and_repairs_drifted_permissions():
    office = Group.objects.get(name=OFFICE)
    expected = set(office.permissions.values_list("pk", flat=True))
    office.permissions.clear()
    roles_sync()
    roles_sync()
    assert set(office.permissions.values_list("pk", flat=True)) == expected
    assert Group.objects.filter(name__in=[OFFICE, OFFICE_ADMIN]).count() == 2


def test_expiring_agreements_is_idempotent_and_audited():
    past = AgreementFactory(valid_until=datetime.date(2026, 1, 31))
    open_ended = AgreementFactory(valid_until=None)
    draft = AgreementFactory(valid_until=datetime.date(2026, 1, 31), status=Agreement.Status.DRAFT)

    assert agreements_expire_due(today=datetime.date(2026, 2, 1)) == [past.pk]
    assert agreements_expire_due(today=datetime.date(2026, 2, 1)) == []

    statuses = dict(Agreement.objects.values_list("pk", "status"))
    assert statuses == {past.pk: "expired", open_ended.pk: "active", draft.pk: "draft"}
    assert AuditEntry.objects.filter(action="agreement.expire").count() == 1


def test_the_periodic_task_runs_the_service():
    past = AgreementFactory(valid_from=datetime.date(2020, 1, 1), valid_until=datetime.date(2020, 12, 31))
    assert agreements_expire.delay().get() == [past.pk]


def test_tasks_are_sent_only_when_the_transaction_commits(django_capture_on_commit_callbacks):
    from unittest import mock

    from django.db import transaction

    from mobility.foundation.tasks import enqueue_on_commit

    with mock.patch.object(agreements_expire, "apply_async") as send:
        with pytest.raises(RuntimeError), transaction.atomic():
            enqueue_on_commit(agreements_expire)
            raise RuntimeError("rolled back")
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_on_commit(agreements_expire, queue="q1")
            assert not send.called
    send.assert_called_once_with(args=(), queue="q1")
    with pytest.raises(TypeError):
        enqueue_on_commit(agreements_expire, object())
