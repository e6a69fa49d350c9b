"""The Django admin's result pages: adding and correcting a module result goes through ``result_record``, and its
refusals are form errors."""

import datetime

import pytest

from mobility.foundation.models import (
    AuditEntry,
)
from mobility.tests.support import admin_url as _url
from programs.tests.factories import (
    ModuleFactory,
)
from students import services
from students.models import ModuleResult
from students.tests.factories import EnrollmentFactory

pytestmark = pytest.mark.django_db


def test_result_add_goes_through_result_record(admin_client, admin_user):
    enrollment = EnrollmentFactory()
    module = ModuleFactory(track=enrollment.track)
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)

    response = admin_client.post(
        _url(ModuleResult, "add"),
        {
            "enrollment": enrollment.pk,
            "module": module.pk,
            "attempt": 1,
            "score": "92",
            "grade": "",
            "assessed_on": "2026-06-01",
            "source": "manual",
            "_save": "Save",
        },
    )

    assert response.status_code == 302
    result = ModuleResult.objects.get(enrollment=enrollment, module=module)
    assert result.grade == ModuleResult.Grade.EXCELLENT  # derived from the score by the service
    assert result.passed is True
    assert result.recorded_by == admin_user
    assert AuditEntry.objects.filter(action="result.record", object_id=str(enrollment.pk)).exists()


def test_result_add_refused_by_the_service_is_a_form_error(admin_client):
    enrollment = EnrollmentFactory()  # applied, not enrolled
    module = ModuleFactory(track=enrollment.track)

    response = admin_client.post(
        _url(ModuleResult, "add"),
        {
            "enrollment": enrollment.pk,
            "module": module.pk,
            "attempt": 1,
            "score": "92",
            "assessed_on": "2026-06-01",
            "source": "manual",
            "_save": "Save",
        },
    )

    assert response.status_code == 200
    assert "only for enrolled students" in " ".join(response.context["adminform"].form.non_field_errors())
    assert not ModuleResult.objects.exists()


def test_result_change_corrects_through_result_record(admin_client, admin_user):
    enrollment = EnrollmentFactory()
    module = ModuleFactory(track=enrollment.track)
    services.enrollment_admit(enrollment=enrollment, by=None)
    services.enrollment_enroll(enrollment=enrollment, by=None)
    result = services.result_record(
        enrollment=enrollment, module=module, by=None, assessed_on=datetime.date(2026, 6, 1), score=50
    )
    assert result.grade == ModuleResult.Grade.UNSATISFACTORY

    response = admin_client.post(
        _url(ModuleResult, "change", result.pk),
        {"score": "77", "grade": "", "assessed_on": "2026-06-20", "source": "manual", "_save": "Save"},
    )

    assert response.status_code == 302
    result.refresh_from_db()
    assert (result.score, result.grade, result.passed) == (77, ModuleResult.Grade.GOOD, True)
    assert result.recorded_by == admin_user
    entry = AuditEntry.objects.get(action="result.change", object_id=str(enrollment.pk))
    assert entry.actor == admin_user
