"""Fixtures of the diploma tests: the fake renderer and a diploma issued through the services."""

from unittest import mock

import pytest

from diplomas import services
from diplomas.models import Diploma

from .factories import FAKE_PDF, completed_enrollment


@pytest.fixture
def fake_render():
    """The renderer replaced by one returning ``FAKE_PDF``: these tests are about the workflow, not the PDF."""
    with mock.patch.object(services, "_render_and_sign", return_value=FAKE_PDF) as render:
        yield render


@pytest.fixture
def issued(fake_render, django_capture_on_commit_callbacks) -> Diploma:
    """A completed enrollment's diploma, requested and issued (the eager task run on commit)."""
    enrollment = completed_enrollment()
    with django_capture_on_commit_callbacks(execute=True):
        diploma = services.diploma_request(enrollment=enrollment, requested_by=None)
    diploma.refresh_from_db()
    assert diploma.status == Diploma.Status.ISSUED
    return diploma
