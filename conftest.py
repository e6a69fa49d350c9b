import pytest
from django.core.cache import cache

from mobility.celery import app as celery_app


@pytest.fixture(autouse=True)
def _private_media(settings, tmp_path):
    """Every test writes files (agreements, diplomas) into its own folder, never into the project's media."""
    settings.MEDIA_ROOT = tmp_path / "media"
    # Password hashing strength is not under test; the fast hasher keeps the suite quick.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Unit tests run Celery tasks in-process even when a broker is configured (as in CI); only tests marked
    ``worker`` talk to the broker and a real worker process."""
    if request.node.get_closest_marker("worker"):
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def empty_cache():
    """The API's throttles and the verification page's rate limit count in the cache: a test that uses this starts
    and ends with it empty, so no count leaks between tests."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def college():
    """The partner institution of the API tests, CQEVTC."""
    from programs.tests.factories import InstitutionFactory

    return InstitutionFactory(code="CQEVTC")
