"""Fixtures of the diploma tests: ``fake_render`` and ``issued`` are in the root conftest.py (the portal's tests use
them too)."""

import pytest

from diplomas import layers, signing


@pytest.fixture(autouse=True)
def _shared_slots_kept_at_first_sight(monkeypatch):
    """Every document test runs on the fastest path: a shared slot's content (a transcript's grade, date, attempts:
    diplomas.layers, decision 0030) is made a drawing the first time a document shows it, not the second, so each
    check of a layered file covers kept drawings. ``test_transcript_layers`` tests the second time too."""
    monkeypatch.setattr(layers, "KEEP_AFTER", 1)


@pytest.fixture
def demo_keys(settings, tmp_path):
    """A demo pair generated into the test's own folder, and a signer cache that forgets it afterwards."""
    settings.DIPLOMA_SIGNING_KEY = tmp_path / "signing" / "key.pem"
    settings.DIPLOMA_SIGNING_CERT = tmp_path / "signing" / "cert.pem"
    settings.DIPLOMA_SIGNING_DEMO = True
    signing.reset_signer_cache()
    yield settings
    signing.reset_signer_cache()
