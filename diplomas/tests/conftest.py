"""Fixtures of the diploma tests: ``fake_render`` and ``issued`` are in the root conftest.py (the portal's tests use
them too)."""

import pytest

from diplomas import signing


@pytest.fixture
def demo_keys(settings, tmp_path):
    """A demo pair generated into the test's own folder, and a signer cache that forgets it afterwards."""
    settings.DIPLOMA_SIGNING_KEY = tmp_path / "signing" / "key.pem"
    settings.DIPLOMA_SIGNING_CERT = tmp_path / "signing" / "cert.pem"
    settings.DIPLOMA_SIGNING_DEMO = True
    signing.reset_signer_cache()
    yield settings
    signing.reset_signer_cache()
