"""Diploma services: request rules, numbering, idempotent issuance, failure and retry, the sweeper, revoke, reissue.

Celery runs eagerly here; the renderer is replaced by a fake (``fake_render``) except where a test says otherwise:
these tests are about the workflow, the renderer has its own tests and the worker tests use the real one.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from datetime import timedelta
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.files.base import ContentFile
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from diplomas import services
from diplomas.models import Diploma, DiplomaBatch, DiplomaNumberCounter
from mobility.foundation.exceptions import DomainError
from mobility.foundation.models import AuditEntry
from programs.tests.factories import CohortFactory, ModuleFactory
from students.tests.factories import EnrollmentFactory, ModuleResultFactory

from .factories import FAKE_PDF

pytestmark = [pytest.mark.django_db, pytest.mark.clock]

S = Diploma.Status


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Call a service and run what it sent on commit (the eager task), as a real commit would."""

    def run(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return run


def test_request_creates_a_requested_diploma_and_sends_the_task_on_commit(office, django_capture_on_commit_callbacks):
    enrollment = EnrollmentFactory(completed=True)
    with mock.patch("diplomas.tasks.render_diploma.apply_async") as send:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            diploma = services.diploma_request(enrollment=enrollment, requested_by=office)
        assert diploma.status == S.REQUESTED and diploma.number is None
        assert len(callbacks) == 1 and not send.called  # nothing sent before the commit
        callbacks[0]()
    send.assert_called_once_with(args=(diploma.pk,))
    assert len(diploma.verification_code) >= 22
    entry = AuditEntry.objects.get(action="diploma.request")
    assert entry.actor == office and entry.object_id == str(diploma.pk)


def test_a_rolled_back_request_sends_nothing(office, django_capture_on_commit_callbacks):
    enrollment = EnrollmentFactory(completed=True)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        try:
            with transaction.atomic():
                services.diploma_request(enrollment=enrollment, requested_by=office)
                raise RuntimeError("rollback")
        except RuntimeError:
            pass
    assert callbacks == [] and not Diploma.objects.exists()


@pytest.mark.parametrize("status", ["applied", "admitted", "enrolled", "withdrawn", "rejected", "failed"])
def test_only_completed_enrollments_get_a_diploma(office, status, committed):
    enrollment = EnrollmentFactory(status=status)
    with pytest.raises(DomainError) as refused:
        committed(services.diploma_request, enrollment=enrollment, requested_by=office)
    assert refused.value.code == "not_completed"
    assert not Diploma.objects.exists()


def test_a_completed_enrollment_that_no_longer_meets_the_completion_rule_is_refused(office, fake_render, committed):
    enrollment = EnrollmentFactory(completed=True)
    module = ModuleFactory(track=enrollment.track, code="M-REQ", is_required=True)
    with pytest.raises(DomainError) as refused:
        committed(services.diploma_request, enrollment=enrollment, requested_by=office)
    assert refused.value.details == {"missing": ["M-REQ"]}
    ModuleResultFactory(enrollment=enrollment, module=module)
    assert committed(services.diploma_request, enrollment=enrollment, requested_by=office).status == S.REQUESTED


def test_a_second_request_returns_the_existing_diploma(office, fake_render, committed):
    enrollment = EnrollmentFactory(completed=True)
    first = committed(services.diploma_request, enrollment=enrollment, requested_by=office)
    again = committed(services.diploma_request, enrollment=enrollment, requested_by=office)
    assert again.pk == first.pk and Diploma.objects.count() == 1
    assert fake_render.call_count == 1


def test_a_request_that_loses_the_race_on_the_constraint_returns_the_winner(office, committed):
    enrollment = EnrollmentFactory(completed=True)
    winner = Diploma.objects.create(enrollment=enrollment)
    real_filter = Diploma.objects.filter
    calls = []

    def blind_first_look(*args, **kwargs):
        # The first existence check happens "before" the winner committed: it sees nothing.
        queryset = real_filter(*args, **kwargs)
        calls.append(1)
        return queryset.none() if len(calls) == 1 else queryset

    with mock.patch.object(Diploma.objects, "filter", side_effect=blind_first_look):
        got = committed(services.diploma_request, enrollment=enrollment, requested_by=office)
    assert got.pk == winner.pk and Diploma.objects.count() == 1


def test_issue_assigns_a_formatted_number_stores_the_file_and_its_hash(office, fake_render, committed):
    enrollment = EnrollmentFactory(completed=True)
    diploma = committed(services.diploma_request, enrollment=enrollment, requested_by=office)
    diploma.refresh_from_db()
    year = timezone.localtime(diploma.issued_at).year
    assert diploma.status == S.ISSUED
    assert re.fullmatch(rf"STK-IAM-{year}-\d{{6}}", diploma.number)
    assert diploma.number == f"STK-IAM-{year}-000001"
    assert diploma.pdf.name == f"diplomas/{year}/{diploma.number}.pdf"
    assert diploma.pdf.read() == FAKE_PDF
    assert diploma.sha256 == hashlib.sha256(FAKE_PDF).hexdigest()
    assert diploma.attempts == 1 and diploma.failure_reason == ""
    assert list(
        AuditEntry.objects.filter(object_id=str(diploma.pk)).values_list("action", flat=True).order_by("id")
    ) == [
        "diploma.request",
        "diploma.render",
        "diploma.issue",
    ]


def test_numbers_follow_the_setting_and_are_unique_per_year(office, fake_render, settings, committed):
    settings.DIPLOMA_NUMBER_FORMAT = "X-{year}/{seq:04d}"
    cohort = CohortFactory()
    diplomas = [
        committed(
            services.diploma_request, enrollment=EnrollmentFactory(completed=True, cohort=cohort), requested_by=office
        )
        for _ in range(5)
    ]
    year = timezone.localdate().year
    numbers = sorted(Diploma.objects.filter(pk__in=[d.pk for d in diplomas]).values_list("number", flat=True))
    assert numbers == [f"X-{year}/{n:04d}" for n in range(1, 6)]
    assert DiplomaNumberCounter.objects.get(year=year).last == 5


def test_numbering_skips_a_number_already_taken(office, fake_render, committed):
    year = timezone.localdate().year
    taken = EnrollmentFactory(completed=True)
    Diploma.objects.create(enrollment=taken)
    Diploma.objects.filter(enrollment=taken).update(
        status="issued", number=f"STK-IAM-{year}-000001", sha256="a" * 64, issued_at=timezone.now()
    )
    diploma = committed(services.diploma_request, enrollment=EnrollmentFactory(completed=True), requested_by=office)
    diploma.refresh_from_db()
    assert diploma.number == f"STK-IAM-{year}-000002"


def test_running_the_task_again_for_an_issued_diploma_changes_nothing(office, fake_render, committed):
    from diplomas.tasks import render_diploma

    diploma = committed(services.diploma_request, enrollment=EnrollmentFactory(completed=True), requested_by=office)
    diploma.refresh_from_db()
    before = Diploma.objects.filter(pk=diploma.pk).values().get()
    audit_before = AuditEntry.objects.count()
    render_diploma.delay(diploma.pk)
    render_diploma.apply(args=(diploma.pk,))
    assert Diploma.objects.filter(pk=diploma.pk).values().get() == before
    assert AuditEntry.objects.count() == audit_before and fake_render.call_count == 1


def test_a_run_interrupted_after_numbering_keeps_its_number_on_the_next_run(office, fake_render):
    """Killed while rendering (simulated: the render raises once, as if the process died): the next run reuses
    the number and issue time assigned by the first run."""
    diploma = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    fake_render.side_effect = [KeyboardInterrupt, FAKE_PDF]
    with pytest.raises(KeyboardInterrupt):
        services.diploma_issue(diploma_id=diploma.pk)
    diploma.refresh_from_db()
    number, issued_at = diploma.number, diploma.issued_at
    assert diploma.status == S.RENDERING and number
    services.diploma_issue(diploma_id=diploma.pk)
    diploma.refresh_from_db()
    assert (diploma.status, diploma.number, diploma.issued_at, diploma.attempts) == (S.ISSUED, number, issued_at, 2)
    assert DiplomaNumberCounter.objects.get().last == 1


def test_an_orphan_file_of_a_killed_run_is_replaced(office, fake_render):
    diploma = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    fake_render.side_effect = [KeyboardInterrupt, FAKE_PDF]
    with pytest.raises(KeyboardInterrupt):
        services.diploma_issue(diploma_id=diploma.pk)
    diploma.refresh_from_db()
    name = services.diploma_storage_name(diploma)
    diploma.pdf.storage.save(name, ContentFile(b"half a file"))
    services.diploma_issue(diploma_id=diploma.pk)
    diploma.refresh_from_db()
    assert diploma.pdf.name == name and diploma.pdf.read() == FAKE_PDF


def test_a_run_that_finds_the_diploma_issued_after_rendering_stores_nothing(office, fake_render):
    """Two runs at once: the loser renders too, but its phase 2 sees ``issued`` and discards its PDF."""
    diploma = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))

    def concurrent_winner(d):
        # While this run renders, another run completes the diploma.
        fake_render.side_effect = None
        services.diploma_issue(diploma_id=d.pk)
        return b"%PDF loser's copy"

    fake_render.side_effect = concurrent_winner
    services.diploma_issue(diploma_id=diploma.pk)
    diploma.refresh_from_db()
    assert diploma.status == S.ISSUED and diploma.pdf.read() == FAKE_PDF
    assert AuditEntry.objects.filter(action="diploma.issue").count() == 1
    assert DiplomaNumberCounter.objects.get().last == 1


def test_unexpected_errors_retry_up_to_the_bound_then_fail_with_the_reason(office, fake_render, committed):
    fake_render.side_effect = RuntimeError("font cache exploded")
    diploma = committed(services.diploma_request, enrollment=EnrollmentFactory(completed=True), requested_by=office)
    diploma.refresh_from_db()
    assert fake_render.call_count == settings.DIPLOMA_RENDER_MAX_RETRIES + 1
    assert diploma.status == S.FAILED and diploma.attempts == settings.DIPLOMA_RENDER_MAX_RETRIES + 1
    assert diploma.failure_reason == "RuntimeError: font cache exploded"
    assert AuditEntry.objects.get(action="diploma.fail").reason == diploma.failure_reason


def test_a_domain_error_is_recorded_at_once_without_retry(office, fake_render, committed):
    fake_render.side_effect = DomainError("The track has no Chinese name.")
    diploma = committed(services.diploma_request, enrollment=EnrollmentFactory(completed=True), requested_by=office)
    diploma.refresh_from_db()
    assert fake_render.call_count == 1
    assert diploma.status == S.FAILED and diploma.failure_reason == "The track has no Chinese name."


def test_a_diploma_whose_runs_keep_dying_is_failed_after_max_attempts(office, fake_render):
    diploma = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    Diploma.objects.filter(pk=diploma.pk).update(attempts=settings.DIPLOMA_MAX_ATTEMPTS)
    services.diploma_issue(diploma_id=diploma.pk)
    diploma.refresh_from_db()
    assert diploma.status == S.FAILED and "attempts" in diploma.failure_reason
    assert not fake_render.called


def test_the_limits_are_read_when_used_so_override_settings_changes_them(office, fake_render, committed):
    from diplomas import tasks

    # Retries: one allowed, so two runs in all.
    fake_render.side_effect = RuntimeError("font cache exploded")
    with override_settings(DIPLOMA_RENDER_MAX_RETRIES=1):
        retried = committed(services.diploma_request, enrollment=EnrollmentFactory(completed=True), requested_by=office)
    retried.refresh_from_db()
    assert fake_render.call_count == 2 and retried.status == S.FAILED and retried.attempts == 2

    # Runs in all: two, where the default allows eight.
    fake_render.reset_mock(side_effect=True)
    tired = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    Diploma.objects.filter(pk=tired.pk).update(attempts=2)
    with override_settings(DIPLOMA_MAX_ATTEMPTS=2):
        services.diploma_issue(diploma_id=tired.pk)
    tired.refresh_from_db()
    assert tired.status == S.FAILED and "attempts" in tired.failure_reason and not fake_render.called

    # The backoff's base: 100 s makes the first wait 50-100 s (the default's 1-2 s otherwise).
    with override_settings(DIPLOMA_RENDER_RETRY_BACKOFF=100):
        assert all(50 <= tasks.retry_countdown(0) <= 100 for _ in range(20))

    # The sweeper's delay: a diploma untouched for 7 minutes is stuck after 5, not after the default 10.
    waiting = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    Diploma.objects.filter(pk=waiting.pk).update(modified_at=timezone.now() - timedelta(minutes=7))
    with mock.patch("diplomas.tasks.render_diploma.apply_async"):
        assert services.diplomas_sweep_stuck() == []
        with override_settings(DIPLOMA_STUCK_AFTER_SECONDS=300):
            assert services.diplomas_sweep_stuck() == [waiting.pk]


def test_retry_requests_a_failed_diploma_again_and_keeps_its_number(office, fake_render, committed):
    fake_render.side_effect = RuntimeError("disk full")
    diploma = committed(services.diploma_request, enrollment=EnrollmentFactory(completed=True), requested_by=office)
    diploma.refresh_from_db()
    number = diploma.number
    assert diploma.status == S.FAILED and number
    fake_render.side_effect = None
    committed(services.diploma_retry, diploma=diploma, by=office)
    diploma.refresh_from_db()
    assert diploma.status == S.ISSUED and diploma.number == number and diploma.failure_reason == ""
    assert AuditEntry.objects.get(action="diploma.retry").actor == office
    with pytest.raises(DomainError):
        committed(services.diploma_retry, diploma=diploma, by=office)


def test_the_sweeper_resends_only_diplomas_stuck_for_too_long(office, django_capture_on_commit_callbacks):
    stuck_requested = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    stuck_rendering = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    fresh = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    failed = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    long_ago = timezone.now() - timedelta(minutes=30)
    Diploma.objects.filter(pk=stuck_requested.pk).update(modified_at=long_ago)
    Diploma.objects.filter(pk=stuck_rendering.pk).update(modified_at=long_ago, status="rendering")
    Diploma.objects.filter(pk=failed.pk).update(modified_at=long_ago, status="failed")
    with mock.patch("diplomas.tasks.render_diploma.apply_async") as send:
        with django_capture_on_commit_callbacks(execute=True):
            ids = services.diplomas_sweep_stuck()
        assert sorted(ids) == sorted([stuck_requested.pk, stuck_rendering.pk])
        assert sorted(call.kwargs["args"][0] for call in send.call_args_list) == sorted(ids)
        # Re-sent ones were touched: the next sweep leaves them alone.
        with django_capture_on_commit_callbacks(execute=True):
            assert services.diplomas_sweep_stuck() == []
    assert fresh.pk not in ids


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_task_and_command_issue_stuck_diplomas(office, fake_render):
    from django.core.management import call_command

    from diplomas.tasks import sweep_stuck

    first = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    second = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    Diploma.objects.filter(pk__in=[first.pk, second.pk]).update(modified_at=timezone.now() - timedelta(hours=1))
    assert sweep_stuck.delay().get() == 2
    first.refresh_from_db()
    assert first.status == S.ISSUED
    Diploma.objects.filter(pk=second.pk).update(modified_at=timezone.now() - timedelta(hours=1))
    call_command("sweep_diplomas", "--older-than", "60", stdout=mock.Mock())
    assert Diploma.objects.filter(status=S.ISSUED).count() == 2


def test_revoke_needs_an_issued_diploma_and_a_reason(office, fake_render, committed):
    diploma = committed(services.diploma_request, enrollment=EnrollmentFactory(completed=True), requested_by=office)
    with pytest.raises(DomainError) as refused:
        services.diploma_revoke(diploma=diploma, by=office, reason="  ")
    assert refused.value.field == "reason"
    revoked = services.diploma_revoke(diploma=diploma, by=office, reason="Name misspelt")
    revoked.refresh_from_db()
    assert revoked.status == S.REVOKED and revoked.revoked_reason == "Name misspelt" and revoked.revoked_at
    assert revoked.pdf.name and revoked.sha256  # never deleted
    assert AuditEntry.objects.get(action="diploma.revoke").reason == "Name misspelt"
    with pytest.raises(DomainError):
        services.diploma_revoke(diploma=revoked, by=office, reason="again")
    pending = Diploma.objects.create(enrollment=EnrollmentFactory(completed=True))
    with pytest.raises(DomainError):
        services.diploma_revoke(diploma=pending, by=office, reason="not issued")


def test_reissue_revokes_and_issues_a_new_diploma_keeping_the_old_one(office, fake_render, committed):
    enrollment = EnrollmentFactory(completed=True)
    old = committed(services.diploma_request, enrollment=enrollment, requested_by=office)
    old.refresh_from_db()
    new = committed(services.diploma_reissue, diploma=old, by=office, reason="Cyrillic name corrected")
    old.refresh_from_db()
    new.refresh_from_db()
    assert old.status == S.REVOKED and old.revoked_reason == "Cyrillic name corrected"
    assert new.pk != old.pk and new.status == S.ISSUED and new.number != old.number
    assert new.verification_code != old.verification_code
    assert list(enrollment.diplomas.values_list("pk", flat=True)) == [new.pk, old.pk]
    assert AuditEntry.objects.get(action="diploma.reissue").changes == {"replaces": [None, old.number]}


def test_reissue_is_all_or_nothing(office, fake_render, committed):
    enrollment = EnrollmentFactory(completed=True)
    old = committed(services.diploma_request, enrollment=enrollment, requested_by=office)
    ModuleFactory(track=enrollment.track, is_required=True)  # the new request will be refused
    with pytest.raises(DomainError):
        committed(services.diploma_reissue, diploma=old, by=office, reason="typo")
    old.refresh_from_db()
    assert old.status == S.ISSUED and enrollment.diplomas.count() == 1


def test_cohort_request_makes_one_batch_of_the_eligible_enrollments(office, fake_render, committed):
    cohort = CohortFactory()
    done = [EnrollmentFactory(completed=True, cohort=cohort) for _ in range(3)]
    EnrollmentFactory(cohort=cohort)  # applied: not eligible
    has_one = EnrollmentFactory(completed=True, cohort=cohort)
    committed(services.diploma_request, enrollment=has_one, requested_by=office)
    batch = committed(services.diplomas_request_for_cohort, cohort=cohort, requested_by=office)
    assert sorted(batch.diplomas.values_list("enrollment_id", flat=True)) == sorted(e.pk for e in done)
    assert set(batch.diplomas.values_list("status", flat=True)) == {S.ISSUED}
    assert AuditEntry.objects.get(action="diploma_batch.request").changes == {"diplomas": [None, 3]}
    with pytest.raises(DomainError):
        committed(services.diplomas_request_for_cohort, cohort=cohort, requested_by=office)
    assert DiplomaBatch.objects.count() == 1


def test_cohort_request_skips_enrollments_the_completion_rule_refuses_and_says_which(office, fake_render, committed):
    cohort = CohortFactory()
    ok = EnrollmentFactory(completed=True, cohort=cohort)
    refused = EnrollmentFactory(completed=True, cohort=cohort, track=ok.track)
    required = ModuleFactory(track=ok.track, is_required=True)
    ModuleResultFactory(enrollment=ok, module=required)  # passed; ``refused`` has no result for it
    batch = committed(services.diplomas_request_for_cohort, cohort=cohort, requested_by=office)
    assert list(batch.diplomas.values_list("enrollment_id", flat=True)) == [ok.pk]
    assert AuditEntry.objects.get(action="diploma_batch.request").reason == f"Not eligible: {refused.pk}"
    assert AuditEntry.objects.filter(action="diploma.request").count() == 1


def test_cohort_request_costs_the_same_queries_for_2_or_12_diplomas(office):
    # The audit entries' content types are cached per process: filled here, so that the first count does not
    # depend on whether an earlier test in this process filled them.
    ContentType.objects.get_for_models(Diploma, DiplomaBatch)

    def queries_for(size):
        cohort = CohortFactory()
        for _ in range(size):
            EnrollmentFactory(completed=True, cohort=cohort)
        with mock.patch.object(services, "enqueue_many_on_commit") as send, CaptureQueriesContext(connection) as seen:
            batch = services.diplomas_request_for_cohort(cohort=cohort, requested_by=office)
        sent = sorted(pk for call in send.call_args_list for (chunk,) in call.args[1] for pk in chunk)
        assert sent == sorted(batch.diplomas.values_list("pk", flat=True))
        assert (
            AuditEntry.objects.filter(
                action="diploma.request", object_id__in=[str(pk) for pk in batch.diplomas.values_list("pk", flat=True)]
            ).count()
            == size
        )
        return len(seen)

    assert queries_for(2) == queries_for(12)


def test_a_cohort_s_diplomas_go_to_the_workers_in_chunks(office):
    from diplomas.tasks import CHUNK_SIZE, render_diplomas

    cohort = CohortFactory()
    for _ in range(CHUNK_SIZE * 2 + 3):
        EnrollmentFactory(completed=True, cohort=cohort)
    with mock.patch.object(services, "enqueue_many_on_commit") as send:
        batch = services.diplomas_request_for_cohort(cohort=cohort, requested_by=office)
    assert [call.args[0] for call in send.call_args_list] == [render_diplomas]  # one call, one outbox insert
    chunks = [chunk for (chunk,) in send.call_args.args[1]]
    assert [len(chunk) for chunk in chunks] == [CHUNK_SIZE, CHUNK_SIZE, 3]
    assert sorted(pk for chunk in chunks for pk in chunk) == sorted(batch.diplomas.values_list("pk", flat=True))


def test_a_chunk_goes_on_past_a_refused_and_a_crashing_diploma(office):
    from diplomas.tasks import render_diplomas

    cohort = CohortFactory()
    refused, crashing, fine = (EnrollmentFactory(completed=True, cohort=cohort) for _ in range(3))
    with mock.patch.object(services, "enqueue_many_on_commit"):
        batch = services.diplomas_request_for_cohort(cohort=cohort, requested_by=office)
    by_enrollment = {d.enrollment_id: d.pk for d in batch.diplomas.all()}
    calls = Counter()

    def render(diploma):
        calls[diploma.enrollment_id] += 1
        if diploma.enrollment_id == refused.pk:
            raise DomainError("The template of this cohort refuses the page.", code="refused")
        if diploma.enrollment_id == crashing.pk and calls[crashing.pk] == 1:
            raise OSError("disk full")  # once: the single-diploma task's retry succeeds
        return FAKE_PDF

    with mock.patch.object(services, "_render_and_sign", side_effect=render):
        render_diplomas.apply(args=([by_enrollment[refused.pk], by_enrollment[crashing.pk], by_enrollment[fine.pk]],))
    statuses = dict(Diploma.objects.values_list("enrollment_id", "status"))
    assert statuses[refused.pk] == S.FAILED and calls[refused.pk] == 1  # refusals are not retried
    assert statuses[crashing.pk] == statuses[fine.pk] == S.ISSUED
    assert calls[crashing.pk] == 2 and calls[fine.pk] == 1


def test_a_concurrent_cohort_request_that_loses_on_the_constraint_writes_nothing(office, fake_render, committed):
    cohort = CohortFactory()
    enrollment = EnrollmentFactory(completed=True, cohort=cohort)
    EnrollmentFactory(completed=True, cohort=cohort)
    real_bulk_create = Diploma.objects.bulk_create

    def racing(objs, *args, **kwargs):
        objs = list(objs)
        Diploma.objects.create(enrollment=enrollment)  # the other request's row, committed just before ours
        return real_bulk_create(objs, *args, **kwargs)

    with mock.patch.object(Diploma.objects, "bulk_create", side_effect=racing), pytest.raises(DomainError) as refused:
        committed(services.diplomas_request_for_cohort, cohort=cohort, requested_by=office)
    assert refused.value.code == "concurrent_request"
    assert not DiplomaBatch.objects.exists() and not Diploma.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_issue_diplomas_command_waits_and_prints_numbers_and_paths(office, fake_render, capsys):
    from django.core.management import call_command

    cohort = CohortFactory(code="C-CMD")
    for _ in range(2):
        EnrollmentFactory(completed=True, cohort=cohort)
    call_command("issue_diplomas", "--cohort", "C-CMD", "--wait", "--interval", "0.01")
    out = capsys.readouterr().out
    year = timezone.localdate().year
    for number in Diploma.objects.values_list("number", flat=True):
        assert f"{number}\tdiplomas/{year}/{number}.pdf" in out
    assert "Issued 2, failed 0." in out
