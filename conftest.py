import pytest


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Every test writes files (agreements, diplomas) into its own folder, never into the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
