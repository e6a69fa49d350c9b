"""Fixtures of mobility's tests: a partner's webhook receiver (the browser fixtures are in the root conftest.py)."""

import pytest

from mobility.tests.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    """A partner's webhook receiver on 127.0.0.1 (``webhook_receiver.Receiver``), stopped after the test."""
    started = Receiver()
    yield started
    started.stop()
