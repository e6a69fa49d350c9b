"""Fixtures of mobility's tests: a partner's webhook receiver and the webhook tests' settings (the browser
fixtures are in the root conftest.py)."""

import pytest

from mobility.tests.webhook_receiver import Receiver


@pytest.fixture
def receiver():
    """A partner's webhook receiver on 127.0.0.1 (``webhook_receiver.Receiver``), stopped after the test."""
    started = Receiver()
    yield started
    started.stop()


# --- webhooks (test_webhooks_*.py) ------------------------------------------------------------------------------


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a block and then what it sent on commit (the eager task), as a real commit would."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def _quick_webhooks(settings):
    # Generous: the receiver answers at once, but a loaded CI machine may take seconds to schedule its thread (a
    # timeout here would fail the retry tests for the wrong reason). The timeout test sets its own.
    settings.WEBHOOK_TIMEOUT = 10
    settings.WEBHOOK_MAX_RETRIES = 3
