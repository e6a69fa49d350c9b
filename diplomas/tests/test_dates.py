"""A diploma's dates are the site's (``TIME_ZONE``, Moscow), whatever the moment in UTC: on 31 December after
21:00 UTC it is already the next year in Moscow, and the number, the stored file's folder, the PDF's date and the
verification page all say so."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from diplomas import services
from diplomas.models import Diploma
from students.tests.factories import EnrollmentFactory

pytestmark = [pytest.mark.django_db, pytest.mark.clock, pytest.mark.usefixtures("empty_cache")]


def test_a_diploma_issued_on_new_years_eve_late_in_utc_belongs_to_the_sites_new_year(
    client, fake_render, django_capture_on_commit_callbacks
):
    year = datetime.datetime.now(datetime.UTC).year + 1
    with time_machine.travel(datetime.datetime(year, 12, 31, 22, 30, tzinfo=datetime.UTC), tick=False):
        assert timezone.localdate() == datetime.date(year + 1, 1, 1)
        enrollment = EnrollmentFactory(completed=True)
        with django_capture_on_commit_callbacks(execute=True):
            diploma = services.diploma_request(enrollment=enrollment, requested_by=None)
        diploma.refresh_from_db()
        assert diploma.status == Diploma.Status.ISSUED
        assert f"-{year + 1}-" in diploma.number
        assert diploma.pdf.name.startswith(f"diplomas/{year + 1}/")
        html = client.get(f"/verify/{diploma.verification_code}/").content.decode()
        assert f"{year + 1}-01-01" in html
