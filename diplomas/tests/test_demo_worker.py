"""The demo as it runs (decision 0020): a real Celery worker on the embedded broker (``filesystem://``), the live
server, and a headless chromium. Staff request a cohort's diplomas: the request answers in under a second, the
progress bar moves through values between 0 and 100 % while the worker renders, and every diploma ends up issued.

It needs a test database the worker process can open: PostgreSQL (CI), or SQLite in a file
(``DATABASE_TEST_NAME=var/test-db.sqlite3 pytest diplomas/tests/test_demo_worker.py``); an in-memory one is skipped.
The broker is the embedded one whatever ``CELERY_BROKER_URL`` says: it is what ./dev demo runs.
"""

from __future__ import annotations

import time

import pytest

from diplomas.models import Diploma
from mobility.foundation.access import OFFICE_ADMIN
from mobility.tests.support import (
    celery_workers,
    embedded_broker_at,
    make_user,
    recorded_page,
    shared_test_database,
    worker_database_url,
)
from programs.tests.factories import CohortFactory
from students.tests.factories import EnrollmentFactory

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.worker,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not shared_test_database(),
        reason="needs a test database a worker process can open: PostgreSQL, or SQLite in a file "
        "(DATABASE_TEST_NAME=var/test-db.sqlite3)",
    ),
]

COHORT_SIZE = 24  # three chunks of render_diplomas, several seconds of rendering on two processes
PASSWORD = "pw-demo-worker-1"
BAR = ".diploma-batch [role=progressbar]"


def test_a_cohorts_diplomas_render_in_a_worker_on_the_embedded_broker_with_a_live_bar(
    browser, live_server, tmp_path, screenshot
):
    cohort = CohortFactory()
    for _ in range(COHORT_SIZE):
        EnrollmentFactory(completed=True, cohort=cohort)
    make_user("head", OFFICE_ADMIN, password=PASSWORD)

    with (
        embedded_broker_at(tmp_path / "broker") as broker_env,
        celery_workers(tmp_path, enqueued_from="diplomas.services") as workers,
    ):
        workers.env |= {**broker_env, "DATABASE_URL": worker_database_url()}
        workers.start(concurrency=2)
        workers.wait_ready(timeout=120)

        with recorded_page(browser, live_server, timeout_ms=15000, viewport={"width": 1280, "height": 900}) as page:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("input[name=username]", "head")
            page.fill("input[name=password]", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url(f"{live_server.url}/")
            page.goto(f"{live_server.url}/students/cohorts/{cohort.pk}/")

            with page.expect_response(lambda response: response.request.method == "POST") as posted:
                page.get_by_role("button", name="Request diplomas for all eligible").click()
            assert posted.value.status == 302
            # From the request sent to the answer received, as the browser timed it (Resource Timing, in ms).
            timing = posted.value.request.timing
            answered = (timing["responseEnd"] - timing["requestStart"]) / 1000
            print(f"the request took {answered:.3f} s", timing)
            assert 0 < answered < 1.0, f"the request took {answered:.2f} s"

            values = []
            deadline = time.monotonic() + 180
            while time.monotonic() < deadline:
                value = page.evaluate(f"document.querySelector({BAR!r})?.getAttribute('aria-valuenow')")
                if value is not None and (not values or values[-1] != int(value)):
                    values.append(int(value))
                    if 0 < values[-1] < 100 and len(values) == 2:
                        screenshot(page, "demo-worker-progress")
                if values and values[-1] == 100:
                    break
                time.sleep(0.1)
            assert values and values[-1] == 100, f"the bar stopped at {values}:\n{workers.output()}"
            assert values == sorted(values), values
            # Seen part-way at least once: the renders finish while the page polls. How many steps it catches depends on
            # the machine's load (two chunks finishing together are one step), so one is the bound, not more.
            between = [value for value in values if 0 < value < 100]
            assert between, f"the bar did not move live: {values}"
            assert "issued: 24" in " ".join(page.locator(".diploma-batch").inner_text().split())

    diplomas = Diploma.objects.filter(enrollment__cohort=cohort)
    assert diplomas.count() == COHORT_SIZE
    assert set(diplomas.values_list("status", flat=True)) == {Diploma.Status.ISSUED}
    assert len(set(diplomas.values_list("number", flat=True))) == COHORT_SIZE
